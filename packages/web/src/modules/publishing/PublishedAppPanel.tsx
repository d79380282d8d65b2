import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ExternalLink } from 'lucide-react';
import type { PublishedApp } from '@paddock/protocol';
import { appsQuery, appVersionsQuery, rollbackAppMutation, unpublishAppMutation } from '../../api/publishing';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Dialog } from '../../components/Dialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatDateTime } from '../../components/formatTime';
import { Skeleton } from '../../components/Skeleton';
import { AppStateBadge } from './AppStateBadge';

/**
 * The workspace's published app, beside its Publish button: its state and address, and
 * a dialog with its versions (roll back to any approved one, with no new review) and
 * Unpublish. Nothing when the workspace was never published. Live with the publish events.
 */
export function PublishedAppPanel({ workspaceId }: { workspaceId: string }) {
  const apps = useQuery(appsQuery());
  const app = apps.data?.find((a) => a.workspaceId === workspaceId);
  const [open, setOpen] = useState(false);
  if (!app) return null;
  return (
    <div className="flex items-center gap-2" data-testid="published-app">
      <AppStateBadge app={app} />
      {app.liveVersion && (
        <a href={app.url} target="_blank" rel="noreferrer" className="inline-flex items-center gap-1 text-sm text-zinc-700 underline underline-offset-2 hover:text-zinc-950">
          {new URL(app.url).host}<ExternalLink className="size-3.5" aria-hidden />
        </a>
      )}
      <Button onClick={() => setOpen(true)}>Versions</Button>
      {open && <AppVersionsDialog app={app} onClose={() => setOpen(false)} />}
    </div>
  );
}

function AppVersionsDialog({ app, onClose }: { app: PublishedApp; onClose: () => void }) {
  const queryClient = useQueryClient();
  const versions = useQuery(appVersionsQuery(app.subdomain));
  const rollback = useMutation(rollbackAppMutation(queryClient));
  const unpublish = useMutation(unpublishAppMutation(queryClient));
  const [confirmUnpublish, setConfirmUnpublish] = useState(false);
  const busy = rollback.isPending || unpublish.isPending;

  return (
    <Dialog open title={`Your app at ${app.subdomain}`} busy={busy} onClose={onClose}
      description="Each version you published and had approved. Rolling back serves an earlier one again at once, without a new review.">
      <div className="space-y-4">
        {app.state === 'failed' && <p className="text-sm text-red-700" role="alert">{app.message}</p>}
        {versions.isPending && <Skeleton className="h-24 w-full" />}
        {versions.isError && <ErrorBanner title="Could not load the versions" error={versions.error} />}
        {versions.data && (
          <ul className="divide-y divide-zinc-100 rounded-md border border-zinc-200" aria-label="Versions">
            {versions.data.map((v) => (
              <li key={v.version} className="flex items-center justify-between gap-3 px-3 py-2 text-sm">
                <div className="min-w-0">
                  <div className="font-mono text-xs text-zinc-500">{v.version.slice(0, 12)}</div>
                  <div className="truncate text-zinc-800">{v.note ?? 'No note'} · {formatDateTime(v.requestedAt)}</div>
                </div>
                {v.live ? <span className="text-xs font-medium text-emerald-700">Serving now</span> : (
                  <Button disabled={busy} onClick={() => rollback.mutate({ subdomain: app.subdomain, version: v.version })}>
                    {app.state === 'unpublished' ? 'Publish this one' : 'Roll back to this'}
                  </Button>
                )}
              </li>
            ))}
          </ul>
        )}
        {rollback.isError && <ErrorBanner title="The rollback did not go through" error={rollback.error} />}
        <div className="flex justify-between gap-2">
          <Button variant="danger" disabled={busy || app.state === 'unpublished'} onClick={() => { unpublish.reset(); setConfirmUnpublish(true); }}>Unpublish</Button>
          <Button variant="primary" onClick={onClose}>Done</Button>
        </div>
      </div>
      <ConfirmDialog open={confirmUnpublish} title="Unpublish this app?" destructive confirmLabel="Unpublish" loading={unpublish.isPending} error={unpublish.error}
        description={<>Nobody can open <span className="font-mono">{new URL(app.url).host}</span> until you publish or roll back again.</>}
        onClose={() => setConfirmUnpublish(false)}
        onConfirm={() => unpublish.mutate({ subdomain: app.subdomain }, { onSuccess: () => setConfirmUnpublish(false) })} />
    </Dialog>
  );
}
