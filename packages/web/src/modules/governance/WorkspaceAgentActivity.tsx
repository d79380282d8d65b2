import { useState } from 'react';
import { Activity } from 'lucide-react';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { canSeeAdmin, useCurrentUser } from '../auth/permissions';
import { GovernanceFeed } from './GovernanceFeed';

/**
 * On the workspace page: what its agents did, live, for admins and auditors.
 * The events API is theirs alone, so a builder (the owner included) gets no
 * button rather than an error.
 */
export function WorkspaceAgentActivity({ workspaceId }: { workspaceId: string }) {
  const user = useCurrentUser();
  const [open, setOpen] = useState(false);
  if (!canSeeAdmin(user?.role)) return null;
  return (
    <>
      <Button icon={<Activity className="size-4" aria-hidden />} onClick={() => setOpen(true)}>Agent activity</Button>
      <Dialog open={open} title="Agent activity in this workspace" description="Every action its agents took, live, and what the policy said."
        onClose={() => setOpen(false)} className="max-w-5xl!">
        {open && <div className="mt-4"><GovernanceFeed workspaceId={workspaceId} /></div>}
      </Dialog>
    </>
  );
}
