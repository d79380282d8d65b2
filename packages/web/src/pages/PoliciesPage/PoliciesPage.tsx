import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { orgPolicyQuery, policyImpact, putOrgPolicyMutation } from '../../api/policies';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { Section } from '../../components/Section';
import { Skeleton } from '../../components/Skeleton';
import { ReadOnlyBadge } from '../../modules/admin/AdminLayout';
import { useCanManage } from '../../modules/auth/permissions';
import { PolicyForm } from '../../modules/policies/PolicyForm';

/** The org's resource policy: limits and lifecycle every blueprint starts from (each may override). */
export function PoliciesPage() {
  const canManage = useCanManage();
  const policy = useQuery(orgPolicyQuery());
  const queryClient = useQueryClient();
  const put = useMutation(putOrgPolicyMutation(queryClient));

  return (
    <>
      <PageHeader
        title="Resource policies"
        description="How many workspaces people may run, when idle or long-running ones stop, when stopped ones are deleted, and the compute each gets. A blueprint can override any of these on its own page."
        actions={canManage ? undefined : <ReadOnlyBadge />}
      />
      <QueryView
        query={policy}
        loading={
          <Section title="Organization policy">
            <div className="space-y-3" aria-busy="true" aria-label="Loading the policy">
              <Skeleton className="h-40 w-full" />
              <Skeleton className="h-20 w-full" />
            </div>
          </Section>
        }
        errorTitle="Could not load the policy"
      >
        {(saved) => (
          <Section title="Organization policy" description="Changes apply to existing workspaces at once; compute limits when each next starts.">
            <PolicyForm
              key={JSON.stringify(saved)}
              kind="org"
              saved={saved}
              readOnly={!canManage}
              saving={put.isPending}
              saveError={put.error}
              justSaved={put.isSuccess}
              onSave={(p) => put.mutate(p)}
              impact={(p) => policyImpact({ org: p })}
            />
          </Section>
        )}
      </QueryView>
    </>
  );
}
