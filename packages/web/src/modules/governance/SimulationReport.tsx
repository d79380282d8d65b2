import type { SimulationGroup, SimulationReport, Verdict, VerdictChange } from '@paddock/protocol';
import { Badge } from '../../components/Badge';
import { Table, TBody, THead, Td, Th } from '../../components/Table';
import { CLASS_LABELS } from './governanceWords';

const PAST: Record<Verdict, string> = { allow: 'allowed', ask: 'held for an admin', deny: 'denied' };
const GROUP_ROWS = 8;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "2 allowed → denied, 1 denied → allowed". */
export function changeWords(changes: VerdictChange[]): string {
  return changes.map((c) => `${c.count} ${PAST[c.from]} → ${PAST[c.to]}`).join(', ');
}

/** The simulator's report in plain words: what would change, where, and what could not be replayed. */
export function SimulationReportView({ report, title = 'If this policy had been in force' }: { report: SimulationReport; title?: string }) {
  const { totals } = report;
  const window = `the last ${plural(report.days, 'day')}`;
  return (
    <section aria-label="Simulation result" className="space-y-4 rounded-md border border-zinc-200 bg-zinc-50 p-4">
      <h3 className="text-sm font-semibold text-zinc-900">{title}</h3>
      {totals.events === 0 ? (
        <p className="text-sm text-zinc-600">No governance events were recorded in {window}: nothing to replay yet. Leave the policy in monitor mode for a while first.</p>
      ) : (
        <>
          <p className="text-sm text-zinc-800" data-testid="simulation-summary">
            Replayed {plural(totals.replayed, 'event')} of {window}.{' '}
            {totals.changed === 0
              ? 'None would have been decided differently.'
              : `${plural(totals.changed, 'event')} would have been decided differently: ${changeWords(report.changes)}.`}
          </p>
          {(totals.notReplayable > 0 || totals.contentFilter > 0 || report.limited) && (
            <ul className="list-disc space-y-1 pl-5 text-xs text-zinc-600">
              {totals.notReplayable > 0 && (
                <li>{plural(totals.notReplayable, 'event was', 'events were')} recorded without the action itself (by an older agent): not replayed, not guessed at.</li>
              )}
              {totals.contentFilter > 0 && (
                <li>{plural(totals.contentFilter, 'event was', 'events were')} decided by a content filter (a secret in a prompt or a request): the content is never stored, so the recorded verdict is kept.</li>
              )}
              {report.limited && <li>Only the newest {totals.events} events were replayed.</li>}
            </ul>
          )}
          {totals.changed > 0 && (
            <div className="grid gap-4 lg:grid-cols-2">
              <Groups title="By rule" groups={report.byRule} name={(g) => ruleName(g.key)} />
              <Groups title="By class" groups={report.byClass} name={(g) => CLASS_LABELS[g.key as keyof typeof CLASS_LABELS] ?? g.key} />
              <Groups title="By user" groups={report.byUser} name={(g) => g.label ?? g.key} />
              <Groups title="By workspace" groups={report.byWorkspace} name={(g) => g.label ?? g.key} />
            </div>
          )}
          {report.sample.length > 0 && (
            <div>
              <h4 className="mb-2 text-xs font-medium uppercase tracking-wide text-zinc-500">Examples</h4>
              <Table>
                <THead><tr><Th>Action</Th><Th>Was</Th><Th>Would be</Th><Th>Why</Th></tr></THead>
                <TBody>
                  {report.sample.slice(0, 10).map((e) => (
                    <tr key={e.id}>
                      <Td className="max-w-xs truncate font-mono text-xs" title={e.summary}>{e.summary}</Td>
                      <Td><Badge>{PAST[e.from.verdict]}</Badge></Td>
                      <Td><Badge tone={e.to.verdict === 'allow' ? 'success' : e.to.verdict === 'deny' ? 'danger' : 'warning'}>{PAST[e.to.verdict]}</Badge></Td>
                      <Td className="text-xs text-zinc-600">{e.to.reason}</Td>
                    </tr>
                  ))}
                </TBody>
              </Table>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function ruleName(key: string): string {
  return key.startsWith('default:') ? `Default for ${(CLASS_LABELS[key.slice(8) as keyof typeof CLASS_LABELS] ?? key).toLowerCase()}` : `Rule ${key}`;
}

function Groups({ title, groups, name }: { title: string; groups: SimulationGroup[]; name: (g: SimulationGroup) => string }) {
  const changed = groups.filter((g) => g.changed > 0);
  if (!changed.length) return null;
  return (
    <div>
      <h4 className="mb-1 text-xs font-medium uppercase tracking-wide text-zinc-500">{title}</h4>
      <ul className="space-y-1 text-sm">
        {changed.slice(0, GROUP_ROWS).map((g) => (
          <li key={g.key} className="flex justify-between gap-3">
            <span className="truncate text-zinc-800" title={g.key}>{name(g)}</span>
            <span className="shrink-0 text-xs text-zinc-600">{changeWords(g.changes)} <span className="text-zinc-400">of {g.replayed}</span></span>
          </li>
        ))}
        {changed.length > GROUP_ROWS && <li className="text-xs text-zinc-500">and {changed.length - GROUP_ROWS} more</li>}
      </ul>
    </div>
  );
}
