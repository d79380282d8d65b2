import type { PublishCheckResult } from '@paddock/protocol';
import { Badge } from '../../components/Badge';
import { checkName, findingText } from './checkWords';

const TONES = { passed: 'success', warning: 'warning', failed: 'danger' } as const;

/** The checks of one version, with their findings (secrets masked, as the agent reported them). */
export function PublishChecks({ checks }: { checks: PublishCheckResult[] }) {
  return (
    <ul className="space-y-2" aria-label="Checks">
      {checks.map((c) => (
        <li key={c.name} className="rounded-md border border-zinc-200 p-3">
          <div className="flex items-center justify-between gap-2">
            <span className="text-sm font-medium text-zinc-900">{checkName(c.name)}</span>
            <Badge tone={TONES[c.status]}>{c.status}</Badge>
          </div>
          {c.findings.length > 0 && (
            <ul className="mt-2 space-y-1 font-mono text-xs text-zinc-600">
              {c.findings.map((f, i) => <li key={i}>{findingText(f)}</li>)}
            </ul>
          )}
        </li>
      ))}
    </ul>
  );
}
