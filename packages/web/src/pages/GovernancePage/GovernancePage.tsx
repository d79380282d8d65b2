import { useQuery } from '@tanstack/react-query';
import { governancePolicyQuery } from '../../api/governance';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { Section } from '../../components/Section';
import { Skeleton } from '../../components/Skeleton';
import { ReadOnlyBadge } from '../../modules/admin/AdminLayout';
import { useCanManage } from '../../modules/auth/permissions';
import { GovernanceHealthPanel } from '../../modules/governance/GovernanceHealth';
import { KillSwitchPanel } from '../../modules/governance/KillSwitch';
import { OrgPolicyEditor } from '../../modules/governance/PolicyEditor';

/** Agent governance for admins (auditors read it): the health of running workspaces, the kill switches and the org policy. */
export function GovernancePage() {
  const canManage = useCanManage();
  const policy = useQuery(governancePolicyQuery());
  return (
    <>
      <PageHeader
        title="Agent governance"
        description="What AI agents in workspaces may do: each action is allowed, held for an admin, or denied. Blueprints can override the policy on their own page."
        actions={canManage ? undefined : <ReadOnlyBadge />}
      />
      <div className="space-y-8">
        <GovernanceHealthPanel />
        <KillSwitchPanel readOnly={!canManage} />
        <QueryView
          query={policy}
          loading={
            <Section title="Org policy">
              <div className="space-y-3" aria-busy="true" aria-label="Loading the policy">
                <Skeleton className="h-32 w-full" />
                <Skeleton className="h-48 w-full" />
              </div>
            </Section>
          }
          errorTitle="Could not load the governance policy"
        >
          {(saved) => <OrgPolicyEditor saved={saved} readOnly={!canManage} />}
        </QueryView>
      </div>
    </>
  );
}
