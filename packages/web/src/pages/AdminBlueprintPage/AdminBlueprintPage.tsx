import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { ArrowLeft } from 'lucide-react';
import { blueprintsQuery } from '../../api/blueprints';
import { blueprintQuery } from '../../api/blueprintAdmin';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { Skeleton } from '../../components/Skeleton';
import { ReadOnlyBadge } from '../../modules/admin/AdminLayout';
import { BlueprintAccessEditor } from '../../modules/blueprints/BlueprintAccessEditor';
import { BlueprintDetailsForm } from '../../modules/blueprints/BlueprintDetailsForm';
import { BlueprintPublishing } from '../../modules/blueprints/BlueprintPublishing';
import { BlueprintSecrets } from '../../modules/blueprints/BlueprintSecrets';
import { BlueprintGovernance } from '../../modules/governance/BlueprintGovernance';
import { BlueprintPolicy } from '../../modules/policies/BlueprintPolicy';
import { useCanManage } from '../../modules/auth/permissions';
import { AccessBadge } from '../AdminBlueprintsPage/AdminBlueprintsPage';

export function AdminBlueprintPage({ blueprintId }: { blueprintId: string }) {
  const canManage = useCanManage();
  const list = useQuery(blueprintsQuery());
  const blueprint = useQuery({
    ...blueprintQuery(blueprintId),
    // The catalog already holds it, which makes the page appear at once.
    initialData: () => list.data?.find((b) => b.id === blueprintId),
  });

  return (
    <>
      <Link
        to="/admin/blueprints"
        className="mb-4 inline-flex items-center gap-1 text-sm text-zinc-500 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-blue-600"
      >
        <ArrowLeft className="size-3.5" aria-hidden />
        All blueprints
      </Link>
      <QueryView
        query={blueprint}
        loading={
          <div aria-busy="true" aria-label="Loading blueprint" className="space-y-4">
            <Skeleton className="h-7 w-64" />
            <Skeleton className="h-4 w-96" />
            <Skeleton className="mt-8 h-48 w-full" />
          </div>
        }
        errorTitle="Could not load this blueprint"
      >
        {(bp) => (
          <>
            <PageHeader
              title={
                <span className="flex flex-wrap items-center gap-3">
                  {bp.name}
                  <AccessBadge access={bp.access} />
                </span>
              }
              description={bp.description || 'No description.'}
              actions={canManage ? undefined : <ReadOnlyBadge />}
            />
            <div className="space-y-8">
              <BlueprintDetailsForm blueprint={bp} readOnly={!canManage} />
              <BlueprintAccessEditor blueprintId={blueprintId} readOnly={!canManage} />
              <BlueprintGovernance blueprintId={blueprintId} readOnly={!canManage} />
              <BlueprintPolicy blueprintId={blueprintId} readOnly={!canManage} />
              <BlueprintPublishing blueprint={bp} readOnly={!canManage} />
              {/* Credentials are for admins alone: auditors see everything else, never secrets. */}
              {canManage && <BlueprintSecrets blueprintId={blueprintId} />}
            </div>
          </>
        )}
      </QueryView>
    </>
  );
}
