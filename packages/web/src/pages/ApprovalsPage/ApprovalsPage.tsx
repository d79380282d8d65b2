import { PageHeader } from '../../components/PageHeader';
import { ReadOnlyBadge } from '../../modules/admin/AdminLayout';
import { useCanManage } from '../../modules/auth/permissions';
import { ApprovalsQueue } from '../../modules/governance/ApprovalsQueue';
import { PublishRequestsQueue } from '../../modules/publishing/PublishRequestsQueue';

/** Held agent actions, waiting for an admin (each denied if nobody decides in time); and publish requests. */
export function ApprovalsPage() {
  const canManage = useCanManage();
  return (
    <>
      <PageHeader
        title="Approvals"
        description="Agent actions the policy holds for an admin. The builder waits; nobody deciding in time denies it. A decision can only allow what was asked, never more."
        actions={canManage ? undefined : <ReadOnlyBadge />}
      />
      <ApprovalsQueue readOnly={!canManage} />
      <h2 className="mt-8 mb-3 text-lg font-semibold text-zinc-900">Publish requests</h2>
      <PublishRequestsQueue readOnly={!canManage} />
    </>
  );
}
