import { useQuery } from '@tanstack/react-query';
import type { GovernanceOverride, GovernancePolicy } from '@paddock/protocol';
import { governanceOverrideQuery, governancePolicyQuery } from '../../api/governance';
import { QueryView, type QueryLike } from '../../components/QueryView';
import { Section } from '../../components/Section';
import { Skeleton } from '../../components/Skeleton';
import { BlueprintOverrideEditor } from './PolicyEditor';
import { SuggestedRules } from './SuggestedRules';

/** On the admin blueprint page: the blueprint's governance override, beside what it inherits from the org, and the rules suggested from its monitor-mode baseline. */
export function BlueprintGovernance({ blueprintId, readOnly }: { blueprintId: string; readOnly: boolean }) {
  const override = useQuery(governanceOverrideQuery(blueprintId));
  const org = useQuery(governancePolicyQuery());
  // One form of both answers: the override's "inherits: …" reads the org's.
  const both: QueryLike<{ override: GovernanceOverride; org: GovernancePolicy }> = {
    isPending: override.isPending || org.isPending,
    isError: override.isError || org.isError,
    error: override.error ?? org.error,
    data: override.data && org.data ? { override: override.data, org: org.data } : undefined,
    refetch: () => Promise.all([override.refetch(), org.refetch()]),
  };
  return (
    <QueryView
      query={both}
      loading={
        <Section title="Governance override">
          <div aria-busy="true" aria-label="Loading the governance override"><Skeleton className="h-40 w-full" /></div>
        </Section>
      }
      errorTitle="Could not load this blueprint's governance"
    >
      {(d) => (
        <div className="space-y-8">
          <BlueprintOverrideEditor blueprintId={blueprintId} saved={d.override} org={d.org} readOnly={readOnly} />
          <SuggestedRules blueprintId={blueprintId} saved={d.override} readOnly={readOnly} />
        </div>
      )}
    </QueryView>
  );
}
