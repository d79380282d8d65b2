import { useEffect, useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { BlueprintResourcePolicy, ResourcePolicy, ResourcePolicyImpact } from '@paddock/protocol';
import { errorMessage } from '../../api/client';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field, inputClass } from '../../components/Field';
import { Notice } from '../../components/Notice';
import { SavedNote } from '../../components/SavedNote';

type FieldName = 'maxRunningPerUser' | 'idleStopMinutes' | 'maxLifetimeHours' | 'cleanupStoppedAfterDays' | 'cpus' | 'memoryMiB' | 'pids';
type Texts = Record<FieldName, string>;

const FIELDS: Array<{ name: FieldName; label: string; unit: string; hint: string; decimal?: boolean }> = [
  { name: 'maxRunningPerUser', label: 'Running workspaces per person', unit: '', hint: 'Stopped ones don\'t count. A start past it is refused, naming what runs.' },
  { name: 'idleStopMinutes', label: 'Stop after inactivity', unit: 'minutes', hint: 'No terminal input, prompt, model call, preview request or save for this long.' },
  { name: 'maxLifetimeHours', label: 'Maximum running time', unit: 'hours', hint: 'From its start, active or not. Files are kept.' },
  { name: 'cleanupStoppedAfterDays', label: 'Delete stopped workspaces after', unit: 'days', hint: 'Files and all; the owner is warned a day before.' },
  { name: 'cpus', label: 'CPU', unit: 'cores', hint: '0.5 is half a core.', decimal: true },
  { name: 'memoryMiB', label: 'Memory', unit: 'MiB', hint: 'All processes together, /tmp included.' },
  { name: 'pids', label: 'Processes', unit: '', hint: 'Processes and threads together: a fork bomb stops here.' },
];

const flat = (p: ResourcePolicy | BlueprintResourcePolicy): Record<FieldName, number | null | undefined> => ({
  maxRunningPerUser: p.maxRunningPerUser, idleStopMinutes: p.idleStopMinutes, maxLifetimeHours: p.maxLifetimeHours,
  cleanupStoppedAfterDays: p.cleanupStoppedAfterDays, cpus: p.limits?.cpus, memoryMiB: p.limits?.memoryMiB, pids: p.limits?.pids,
});
const toTexts = (p: ResourcePolicy | BlueprintResourcePolicy): Texts =>
  Object.fromEntries(Object.entries(flat(p)).map(([k, v]) => [k, v == null ? '' : String(v)])) as Texts;

/** A field's number, null when left empty (inherit, or for cleanup in the org: off), NaN when it isn't one. */
const numberOf = (text: string, decimal = false): number | null => {
  if (text.trim() === '') return null;
  const n = Number(text);
  return Number.isFinite(n) && (decimal || Number.isInteger(n)) ? n : Number.NaN;
};

type Props =
  | { kind: 'org'; saved: ResourcePolicy; readOnly: boolean; saving: boolean; saveError: unknown; justSaved: boolean; onSave: (p: ResourcePolicy) => void; impact: (p: ResourcePolicy) => Promise<ResourcePolicyImpact> }
  | { kind: 'blueprint'; saved: BlueprintResourcePolicy; inherited: ResourcePolicy; readOnly: boolean; saving: boolean; saveError: unknown; justSaved: boolean; onSave: (p: BlueprintResourcePolicy) => void; impact: (p: BlueprintResourcePolicy) => Promise<ResourcePolicyImpact> };

/**
 * The resource policy form, for the org (every value set; an empty cleanup turns it off)
 * and for a blueprint (an empty field inherits the org's value, shown as its placeholder).
 * Before saving, it shows what the change would do now, asked of the portal.
 */
export function PolicyForm(props: Props) {
  const [texts, setTexts] = useState<Texts>(() => toTexts(props.saved));
  const values = Object.fromEntries(FIELDS.map((f) => [f.name, numberOf(texts[f.name], f.decimal)])) as Record<FieldName, number | null>;
  const invalid = FIELDS.filter((f) => Number.isNaN(values[f.name]) || (props.kind === 'org' && f.name !== 'cleanupStoppedAfterDays' && values[f.name] === null));
  const dirty = JSON.stringify(values) !== JSON.stringify(Object.fromEntries(FIELDS.map((f) => [f.name, flat(props.saved)[f.name] ?? null])));
  const body = {
    maxRunningPerUser: values.maxRunningPerUser, idleStopMinutes: values.idleStopMinutes, maxLifetimeHours: values.maxLifetimeHours,
    cleanupStoppedAfterDays: values.cleanupStoppedAfterDays, limits: { cpus: values.cpus, memoryMiB: values.memoryMiB, pids: values.pids },
  };
  // Ask what the change would do once typing pauses, and only for a candidate that parses.
  const [asked, setAsked] = useState<string | null>(null);
  const candidate = dirty && invalid.length === 0 ? JSON.stringify(body) : null;
  useEffect(() => {
    const timer = setTimeout(() => setAsked(candidate), 400);
    return () => clearTimeout(timer);
  }, [candidate]);
  const impact = useQuery({
    queryKey: ['policy-impact', props.kind, asked],
    queryFn: () => (props.kind === 'org' ? props.impact(JSON.parse(asked!) as ResourcePolicy) : props.impact(JSON.parse(asked!) as BlueprintResourcePolicy)),
    enabled: asked !== null && asked === candidate,
    retry: false,
  });

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!dirty || invalid.length) return;
    if (props.kind === 'org') props.onSave(body as ResourcePolicy);
    else props.onSave(body as BlueprintResourcePolicy);
  };
  const placeholder = (name: FieldName) => {
    if (props.kind === 'org') return name === 'cleanupStoppedAfterDays' ? 'never' : undefined;
    const v = flat(props.inherited)[name];
    return v == null ? 'never (org)' : `${v} (org)`;
  };

  return (
    <form onSubmit={onSubmit} className="space-y-5" noValidate>
      {props.saveError != null && <ErrorBanner title="Could not save the policy" error={props.saveError} />}
      {props.kind === 'blueprint' && <p className="text-sm text-zinc-500">Leave a field empty to use the organization's value, shown in it.</p>}
      <fieldset className="grid gap-5 md:grid-cols-2" disabled={props.readOnly}>
        <legend className="sr-only">Workspace lifecycle</legend>
        {FIELDS.slice(0, 4).map((f) => <PolicyField key={f.name} field={f} text={texts[f.name]} invalid={invalid.includes(f)} placeholder={placeholder(f.name)} onChange={(v) => setTexts({ ...texts, [f.name]: v })} />)}
      </fieldset>
      <fieldset className="grid gap-5 md:grid-cols-3" disabled={props.readOnly}>
        <legend className="mb-3 text-sm font-semibold text-zinc-900">Compute per workspace <span className="font-normal text-zinc-500">(applied when a workspace next starts)</span></legend>
        {FIELDS.slice(4).map((f) => <PolicyField key={f.name} field={f} text={texts[f.name]} invalid={invalid.includes(f)} placeholder={placeholder(f.name)} onChange={(v) => setTexts({ ...texts, [f.name]: v })} />)}
      </fieldset>
      {dirty && invalid.length === 0 && <ImpactNote impact={impact.data} loading={impact.isFetching || asked !== candidate} error={impact.error} />}
      {!props.readOnly && (
        <div className="flex items-center justify-end gap-3">
          <SavedNote show={props.justSaved && !dirty} />
          <Button onClick={() => setTexts(toTexts(props.saved))} disabled={!dirty || props.saving}>Reset</Button>
          <Button type="submit" variant="primary" loading={props.saving} disabled={!dirty || invalid.length > 0}>Save policy</Button>
        </div>
      )}
    </form>
  );
}

function PolicyField({ field, text, invalid, placeholder, onChange }: {
  field: (typeof FIELDS)[number]; text: string; invalid: boolean; placeholder: string | undefined; onChange: (v: string) => void;
}) {
  const id = `policy-${field.name}`;
  return (
    <Field id={id} label={field.unit ? `${field.label} (${field.unit})` : field.label} hint={field.hint} error={invalid ? 'Enter a whole number' + (field.decimal ? ' or a decimal' : '') : null}>
      <input
        id={id}
        inputMode={field.decimal ? 'decimal' : 'numeric'}
        value={text}
        placeholder={placeholder}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={invalid}
        aria-describedby={`${id}-hint`}
        className={inputClass}
      />
    </Field>
  );
}

/** What saving would do now, in words. */
function ImpactNote({ impact, loading, error }: { impact: ResourcePolicyImpact | undefined; loading: boolean; error: unknown }) {
  if (error) return <ErrorBanner title="This policy is not valid">{errorMessage(error)}</ErrorBanner>;
  if (loading || !impact) return <p className="text-sm text-zinc-500" role="status">Working out what this change would do…</p>;
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const lines = [
    impact.stopNow && `stops ${plural(impact.stopNow, 'running workspace')} at once (past the new deadline)`,
    impact.deleteNow && `deletes ${plural(impact.deleteNow, 'stopped workspace')} with their files at once`,
    impact.deadlinesChange && `moves the stop time of ${plural(impact.deadlinesChange, 'running workspace')}`,
    impact.usersOverLimit && `puts ${plural(impact.usersOverLimit, 'person', 'people')} over the running limit (they keep what runs; their next start is refused)`,
    impact.limitsChange && `changes the compute of ${plural(impact.limitsChange, 'workspace')} at their next start`,
  ].filter(Boolean) as string[];
  return (
    <Notice tone={impact.stopNow || impact.deleteNow ? 'warning' : 'info'} role="status" title={lines.length ? 'Saving this' : 'Saving this changes nothing that exists now'}>
      {lines.length > 0 && (
        <ul className="list-disc pl-5" data-testid="policy-impact">
          {lines.map((l) => <li key={l}>{l}</li>)}
        </ul>
      )}
    </Notice>
  );
}
