import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { GovernanceOverride, SuggestedRule } from '@paddock/protocol';
import { governanceSuggestionsQuery, putGovernanceOverrideMutation } from '../../api/governance';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { controlClass } from '../../components/Field';
import { QueryView } from '../../components/QueryView';
import { Section } from '../../components/Section';
import { Skeleton } from '../../components/Skeleton';
import { cn } from '../../components/cn';
import { CLASS_LABELS, matchSummary } from './governanceWords';
import { SimulationReportView } from './SimulationReport';

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * Allow rules built from what this blueprint's workspaces did in monitor mode
 * that enforce would hold or deny; "Add to policy" appends one to the
 * blueprint's override (the same save as the editor above), after which it
 * is no longer suggested.
 */
export function SuggestedRules({ blueprintId, saved, readOnly }: { blueprintId: string; saved: GovernanceOverride; readOnly: boolean }) {
  const [days, setDays] = useState(7);
  const suggestions = useQuery(governanceSuggestionsQuery(blueprintId, days));
  const queryClient = useQueryClient();
  const put = useMutation(putGovernanceOverrideMutation(queryClient, blueprintId));
  const [adding, setAdding] = useState<string>();
  const add = (s: SuggestedRule) => {
    setAdding(s.rule.id);
    put.mutate({ ...saved, rules: [...saved.rules ?? [], s.rule] }, { onSettled: () => setAdding(undefined) });
  };
  return (
    <Section
      title="Suggested rules"
      description="From what this blueprint's workspaces did in monitor mode that enforce would hold or deny: the allow rules that would let it through, no wider than needed."
      actions={
        <select aria-label="Days of monitor mode" value={days} onChange={(e) => setDays(Number(e.target.value))} className={cn(controlClass, 'w-32 pr-8')}>
          {[1, 7, 30, 90].map((d) => <option key={d} value={d}>{d === 1 ? 'Last day' : `Last ${d} days`}</option>)}
        </select>
      }
    >
      <QueryView
        query={suggestions}
        loading={<div aria-busy="true" aria-label="Loading the suggestions"><Skeleton className="h-24 w-full" /></div>}
        errorTitle="Could not load the suggested rules"
      >
        {(data) => data.suggestions.length === 0 ? (
          <p className="text-sm text-zinc-600">
            Nothing to suggest: in the last {plural(days, 'day')}, this blueprint's workspaces did nothing in monitor mode that its policy would hold or deny by a default.
          </p>
        ) : (
          <div className="space-y-4">
            {put.error != null && <ErrorBanner title="Could not add the rule" error={put.error} />}
            <ul className="divide-y divide-zinc-200 rounded-md border border-zinc-200" aria-label="Suggested rules">
              {data.suggestions.map((s) => (
                <li key={s.rule.id} className="flex flex-wrap items-start justify-between gap-3 p-3">
                  <div className="min-w-0 space-y-1">
                    <p className="text-sm font-medium text-zinc-900">
                      Allow {CLASS_LABELS[s.rule.class].toLowerCase()}: <code className="font-mono">{matchSummary(s.rule.match)}</code>
                    </p>
                    <p className="text-xs text-zinc-600">{s.why} Covers {plural(s.events, 'event')} by {plural(s.users, 'user')} in {plural(s.workspaces, 'workspace')}.</p>
                    {s.examples.length > 0 && <p className="truncate font-mono text-xs text-zinc-500" title={s.examples.join('\n')}>e.g. {s.examples.join(' · ')}</p>}
                  </div>
                  {!readOnly && (
                    <Button size="sm" onClick={() => add(s)} loading={adding === s.rule.id} disabled={put.isPending}>Add to policy</Button>
                  )}
                </li>
              ))}
            </ul>
            <SimulationReportView report={data.effect} title="If all of them were added" />
          </div>
        )}
      </QueryView>
    </Section>
  );
}
