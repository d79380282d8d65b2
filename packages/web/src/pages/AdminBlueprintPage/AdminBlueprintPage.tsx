import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { ArrowLeft } from 'lucide-react';
import { blueprintsQuery } from '../../api/blueprints';
import { blueprintQuery } from '../../api/blueprintAdmin';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { Skeleton } from '../../components/Skeleton';
import { ReadOnlyBadge } from '../../modules/admin/AdminLayout';
import type { ReactNode } from 'react';
import type { Blueprint } from '@paddock/protocol';
import { BlueprintAccessEditor } from '../../modules/blueprints/BlueprintAccessEditor';
import { BlueprintAiForm } from '../../modules/blueprints/BlueprintAiForm';
import { BlueprintDetailsForm } from '../../modules/blueprints/BlueprintDetailsForm';
import { BlueprintLayoutForm } from '../../modules/blueprints/BlueprintLayoutForm';
import { BlueprintLifecycle } from '../../modules/blueprints/BlueprintLifecycle';
import { BlueprintPreview } from '../../modules/blueprints/BlueprintPreview';
import { BlueprintStateBadge } from '../../modules/blueprints/BlueprintStateBadge';
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
                  <BlueprintStateBadge blueprint={bp} />
                </span>
              }
              description={bp.description || 'No description.'}
              actions={canManage ? undefined : <ReadOnlyBadge />}
            />
            <BlueprintEditor blueprint={bp} canManage={canManage} />
          </>
        )}
      </QueryView>
    </>
  );
}

const sections: Array<{ id: string; label: string; adminOnly?: boolean }> = [
  { id: 'details', label: 'Details' },
  { id: 'availability', label: 'Availability' },
  { id: 'ai', label: 'AI' },
  { id: 'layout', label: 'Workspace layout' },
  { id: 'preview', label: 'What builders see' },
  { id: 'access', label: 'Access' },
  { id: 'credentials', label: 'Credentials', adminOnly: true },
  { id: 'governance', label: 'Governance' },
  { id: 'resources', label: 'Resources & lifetimes' },
  { id: 'publishing', label: 'Publishing' },
];

/** Everything a blueprint holds, a section each (each saves on its own), with a list of them to jump to. */
function BlueprintEditor({ blueprint, canManage }: { blueprint: Blueprint; canManage: boolean }) {
  const readOnly = !canManage;
  const part = (id: string, children: ReactNode) => <div id={`bp-${id}`} className="scroll-mt-6">{children}</div>;
  return (
    <div className="lg:grid lg:grid-cols-[11rem_minmax(0,1fr)] lg:gap-8">
      <nav aria-label="Blueprint sections" className="hidden lg:block">
        <ul className="sticky top-6 space-y-0.5 text-sm">
          {sections.filter((s) => canManage || !s.adminOnly).map((s) => (
            <li key={s.id}>
              <a href={`#bp-${s.id}`} className="block rounded-md px-2 py-1.5 text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-blue-600">
                {s.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="min-w-0 space-y-8">
        {part('details', <BlueprintDetailsForm blueprint={blueprint} readOnly={readOnly} />)}
        {part('availability', <BlueprintLifecycle blueprint={blueprint} readOnly={readOnly} />)}
        {part('ai', <BlueprintAiForm blueprint={blueprint} readOnly={readOnly} />)}
        {part('layout', <BlueprintLayoutForm blueprint={blueprint} readOnly={readOnly} />)}
        {part('preview', <BlueprintPreview blueprint={blueprint} />)}
        {part('access', <BlueprintAccessEditor blueprintId={blueprint.id} readOnly={readOnly} />)}
        {/* Credentials are for admins alone: auditors see everything else, never secrets. */}
        {canManage && part('credentials', <BlueprintSecrets blueprintId={blueprint.id} />)}
        {part('governance', <BlueprintGovernance blueprintId={blueprint.id} readOnly={readOnly} />)}
        {part('resources', <BlueprintPolicy blueprintId={blueprint.id} readOnly={readOnly} />)}
        {part('publishing', <BlueprintPublishing blueprint={blueprint} readOnly={readOnly} />)}
      </div>
    </div>
  );
}
