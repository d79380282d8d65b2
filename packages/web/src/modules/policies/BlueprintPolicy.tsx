import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { blueprintPolicyQuery, orgPolicyQuery, policyImpact, putBlueprintPolicyMutation } from '../../api/policies';
import { QueryView } from '../../components/QueryView';
import { Section } from '../../components/Section';
import { Skeleton } from '../../components/Skeleton';
import { PolicyForm } from './PolicyForm';

/** A blueprint's overrides of the org's resource policy, on the blueprint's page. */
export function BlueprintPolicy({ blueprintId, readOnly }: { blueprintId: string; readOnly: boolean }) {
  const own = useQuery(blueprintPolicyQuery(blueprintId));
  const org = useQuery(orgPolicyQuery());
  const queryClient = useQueryClient();
  const put = useMutation(putBlueprintPolicyMutation(queryClient, blueprintId));
  const both = own.data && org.data ? { own: own.data, org: org.data } : undefined;

  return (
    <Section title="Resource policy" description="Running limit, idle stop, running time, cleanup and compute for this blueprint's workspaces.">
      <QueryView
        query={{
          data: both, isError: own.isError || org.isError, error: own.error ?? org.error,
          isPending: !both && !own.isError && !org.isError,
          refetch: () => Promise.all([own.refetch(), org.refetch()]),
        }}
        loading={<Skeleton className="h-40 w-full" />}
        errorTitle="Could not load the policy"
      >
        {({ own: saved, org: inherited }) => (
          <PolicyForm
            key={JSON.stringify(saved)}
            kind="blueprint"
            saved={saved}
            inherited={inherited}
            readOnly={readOnly}
            saving={put.isPending}
            saveError={put.error}
            justSaved={put.isSuccess}
            onSave={(p) => put.mutate(p)}
            impact={(p) => policyImpact({ blueprintId, policy: p })}
          />
        )}
      </QueryView>
    </Section>
  );
}
