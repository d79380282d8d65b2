import { useState, type FormEvent, type ReactNode } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  GOVERNANCE_CLASSES, type ContentFilters, type GovernanceMode, type GovernanceOverride, type GovernancePolicy, type Verdict,
} from '@paddock/protocol';
import { putGovernanceOverrideMutation, putGovernancePolicyMutation, simulateMutation, type SimulationBody } from '../../api/governance';
import { errorsUnder, fieldErrors } from '../../api/fieldErrors';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { controlClass } from '../../components/Field';
import { Notice } from '../../components/Notice';
import { SavedNote } from '../../components/SavedNote';
import { Spinner } from '../../components/Spinner';
import { Section } from '../../components/Section';
import { cn } from '../../components/cn';
import { CLASS_LABELS, FILTER_LABELS, MODE_DESCRIPTIONS, MODE_LABELS, VERDICT_LABELS } from './governanceWords';
import { RulesEditor, draftRules, savedRules, type DraftRule } from './RulesEditor';
import { SimulationReportView } from './SimulationReport';

const MODES: GovernanceMode[] = ['off', 'monitor', 'enforce'];
const VERDICTS: Verdict[] = ['allow', 'ask', 'deny'];
const FILTERS = Object.keys(FILTER_LABELS) as Array<keyof ContentFilters>;

/** The form's state: an override's shape, where the org's has every field set. */
interface Draft {
  mode: GovernanceMode | undefined;
  defaults: Partial<GovernancePolicy['defaults']>;
  rules: DraftRule[];
  contentFilters: Partial<ContentFilters>;
  /** The passthrough domains as typed: one a line. */
  passthrough: string;
}

const draftOf = (p: GovernanceOverride): Draft => ({
  mode: p.mode,
  defaults: { ...p.defaults },
  rules: draftRules(p.rules ?? []),
  contentFilters: { ...p.contentFilters },
  passthrough: (p.passthrough ?? []).join('\n'),
});

/** The domains typed, one a line, blank lines and spaces around dropped; none: the field is left out of the PUT. */
const passthroughOf = (d: Draft): { passthrough?: string[] } => {
  const list = d.passthrough.split('\n').map((line) => line.trim()).filter(Boolean);
  return list.length ? { passthrough: list } : {};
};

const definedOnly = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** The org policy: every field set; rules tried in order, then the class's default. */
export function OrgPolicyEditor({ saved, readOnly }: { saved: GovernancePolicy; readOnly: boolean }) {
  const queryClient = useQueryClient();
  const put = useMutation(putGovernancePolicyMutation(queryClient));
  return (
    <PolicyForm
      key={JSON.stringify(saved)}
      title="Org policy"
      description="Applies to every workspace; a blueprint may override any part of it."
      initial={draftOf(saved)}
      savedMode={saved.mode}
      readOnly={readOnly}
      mutation={put}
      toBody={(d) => ({
        mode: d.mode ?? saved.mode,
        defaults: { ...saved.defaults, ...definedOnly(d.defaults) },
        rules: savedRules(d.rules),
        contentFilters: { ...saved.contentFilters, ...definedOnly(d.contentFilters) },
        ...passthroughOf(d),
      })}
      saveLabel="Save policy"
      simulateBody={(policy) => ({ policy })}
    />
  );
}

/** A blueprint's override: each field it leaves out inherits the org's, shown as "inherits: …". */
export function BlueprintOverrideEditor({ blueprintId, saved, org, readOnly }: {
  blueprintId: string; saved: GovernanceOverride; org: GovernancePolicy; readOnly: boolean;
}) {
  const queryClient = useQueryClient();
  const put = useMutation(putGovernanceOverrideMutation(queryClient, blueprintId));
  return (
    <PolicyForm
      key={JSON.stringify(saved)}
      title="Governance override"
      description="What this blueprint's workspaces do differently from the org policy. Anything left on “inherits” follows the org."
      initial={draftOf(saved)}
      savedMode={saved.mode ?? org.mode}
      org={org}
      readOnly={readOnly}
      mutation={put}
      toBody={(d) => {
        const body: GovernanceOverride = {};
        if (d.mode) body.mode = d.mode;
        const defaults = definedOnly(d.defaults);
        if (Object.keys(defaults).length) body.defaults = defaults;
        if (d.rules.length) body.rules = savedRules(d.rules);
        const filters = definedOnly(d.contentFilters);
        if (Object.keys(filters).length) body.contentFilters = filters;
        return { ...body, ...passthroughOf(d) };
      }}
      saveLabel="Save override"
      simulateBody={(policy) => ({ policy, blueprintId })}
    />
  );
}

interface SaveMutation<T> {
  mutate: (body: T, options?: { onSuccess?: () => void }) => void;
  reset: () => void;
  isPending: boolean;
  isSuccess: boolean;
  error: unknown;
}

interface PolicyFormProps<T> {
  title: string;
  description: string;
  initial: Draft;
  /** The mode in force now, to warn when this save turns enforce on. */
  savedMode: GovernanceMode;
  /** Set for an override: what each field inherits. */
  org?: GovernancePolicy;
  readOnly: boolean;
  mutation: SaveMutation<T>;
  toBody: (draft: Draft) => T;
  saveLabel: string;
  /** What the simulator replays for this draft (the org policy, or the override with its blueprint). */
  simulateBody: (body: T) => SimulationBody;
}

function PolicyForm<T>({ title, description, initial, savedMode, org, readOnly, mutation, toBody, saveLabel, simulateBody }: PolicyFormProps<T>) {
  const [draft, setDraft] = useState(initial);
  const [days, setDays] = useState(7);
  const simulation = useMutation(simulateMutation());
  const [simulated, setSimulated] = useState<string>();
  const [confirmEnforce, setConfirmEnforce] = useState(false);
  const body = toBody(draft);
  const dirty = JSON.stringify(body) !== JSON.stringify(toBody(initial));
  const { fields, rest } = fieldErrors(mutation.error);
  const effectiveMode = draft.mode ?? org?.mode ?? savedMode;
  const turnsEnforceOn = effectiveMode === 'enforce' && savedMode !== 'enforce';
  const idPrefix = org ? 'override' : 'org';

  const save = () => mutation.mutate(body, { onSuccess: () => setConfirmEnforce(false) });
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!dirty) return;
    if (turnsEnforceOn) {
      mutation.reset();
      setConfirmEnforce(true);
    } else save();
  };
  const inherits = (text: string) => <span className="text-xs text-zinc-500">inherits: {text}</span>;

  return (
    <Section title={title} description={description}>
      <form onSubmit={onSubmit} className="space-y-6" noValidate aria-label={title}>
        {mutation.error != null && !confirmEnforce && (
          <ErrorBanner title="Could not save the policy" error={mutation.error}>
            {Object.keys(fields).length ? ['Fix the fields marked below.', ...rest].join(' ') : undefined}
          </ErrorBanner>
        )}

        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-zinc-700">Mode</legend>
          {org && (
            <ModeChoice name={`${idPrefix}-mode`} checked={draft.mode === undefined} disabled={readOnly} onSelect={() => setDraft({ ...draft, mode: undefined })}
              label={`Inherit (${MODE_LABELS[org.mode]})`} description={`inherits: ${MODE_DESCRIPTIONS[org.mode]}`} />
          )}
          {MODES.map((m) => (
            <ModeChoice key={m} name={`${idPrefix}-mode`} checked={draft.mode === m} disabled={readOnly} onSelect={() => setDraft({ ...draft, mode: m })}
              label={MODE_LABELS[m]} description={MODE_DESCRIPTIONS[m]} />
          ))}
          {fields.mode && <p className="text-xs text-red-600">{fields.mode}</p>}
          {turnsEnforceOn && (
            <Notice tone="warning" title="Enforce applies verdicts">
              Once saved, denied actions are refused and asked ones wait for an admin, in every running workspace within a second.
              Simulate first: it replays the recorded events against this draft and shows what would be refused or held.
            </Notice>
          )}
        </fieldset>

        <fieldset>
          <legend className="mb-2 text-sm font-medium text-zinc-700">Default verdict per class</legend>
          <p className="mb-3 text-xs text-zinc-500">What an action gets when no rule matches it.</p>
          <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
            {GOVERNANCE_CLASSES.map((c) => (
              <label key={c} className="space-y-1 text-sm text-zinc-700">
                <span className="block">{CLASS_LABELS[c]}</span>
                <select
                  aria-label={`Default for ${CLASS_LABELS[c].toLowerCase()}`}
                  disabled={readOnly}
                  value={draft.defaults[c] ?? ''}
                  aria-invalid={errorsUnder(fields, `defaults.${c}`) ? true : undefined}
                  onChange={(e) => setDraft({ ...draft, defaults: { ...draft.defaults, [c]: (e.target.value || undefined) as Verdict | undefined } })}
                  className={cn(controlClass, 'w-full pr-8')}
                >
                  {org && <option value="">Inherit ({VERDICT_LABELS[org.defaults[c]]})</option>}
                  {VERDICTS.map((v) => <option key={v} value={v}>{VERDICT_LABELS[v]}</option>)}
                </select>
                {org && draft.defaults[c] === undefined && inherits(VERDICT_LABELS[org.defaults[c]])}
                {errorsUnder(fields, `defaults.${c}`) && <p className="text-xs text-red-600">{errorsUnder(fields, `defaults.${c}`)}</p>}
              </label>
            ))}
          </div>
        </fieldset>

        <fieldset>
          <legend className="mb-1 text-sm font-medium text-zinc-700">Rules</legend>
          <p className="mb-3 text-xs text-zinc-500">
            Tried in order; the first that matches decides. Globs: <code>*</code> anything but <code>/</code>, <code>**</code> anything,
            <code> ?</code> one character; a domain may start with <code>*.</code>.
            {org && ` These come before the org's ${org.rules.length} rules.`}
          </p>
          <RulesEditor
            rules={draft.rules}
            onChange={(rules) => setDraft({ ...draft, rules })}
            readOnly={readOnly}
            errors={fields}
            emptyText={org ? `No rules of its own: inherits the org's ${org.rules.length} rules.` : 'No rules: every action gets its class\'s default.'}
          />
          {fields.rules && <p className="mt-2 text-xs text-red-600" role="alert">{fields.rules}</p>}
        </fieldset>

        <fieldset>
          <legend className="mb-2 text-sm font-medium text-zinc-700">Content filters</legend>
          <p className="mb-3 text-xs text-zinc-500">Applied to model prompts, proxied requests and the file writes the hooks see; matches show in the feed, masked.</p>
          <div className="space-y-3">
            {FILTERS.map((f) => (
              <FilterChoice key={f} id={`${idPrefix}-filter-${f}`} label={FILTER_LABELS[f].label} hint={FILTER_LABELS[f].hint} readOnly={readOnly}
                value={draft.contentFilters[f]} inherited={org?.contentFilters[f]}
                onChange={(v) => setDraft({ ...draft, contentFilters: { ...draft.contentFilters, [f]: v } })} />
            ))}
          </div>
        </fieldset>

        <PassthroughField id={`${idPrefix}-passthrough`} value={draft.passthrough} readOnly={readOnly} org={org ? org.passthrough ?? [] : undefined}
          sent={passthroughOf(draft).passthrough ?? []} errors={fields} onChange={(passthrough) => setDraft({ ...draft, passthrough })} />

        {!readOnly && (
          <div className="flex flex-wrap items-center justify-end gap-3">
            <label className="flex items-center gap-2 text-xs text-zinc-600">
              Replay the last
              <select aria-label="Days to replay" value={days} onChange={(e) => setDays(Number(e.target.value))} className={cn(controlClass, 'w-28 pr-8')}>
                {[1, 7, 30, 90].map((d) => <option key={d} value={d}>{d === 1 ? '1 day' : `${d} days`}</option>)}
              </select>
            </label>
            <Button
              onClick={() => { setSimulated(JSON.stringify([body, days])); simulation.mutate({ ...simulateBody(body), days }); }}
              loading={simulation.isPending}
            >
              Simulate
            </Button>
            <SavedNote show={mutation.isSuccess && !dirty} />
            <Button onClick={() => { setDraft(initial); mutation.reset(); }} disabled={!dirty || mutation.isPending}>Reset</Button>
            <Button type="submit" variant="primary" loading={mutation.isPending && !confirmEnforce} disabled={!dirty}>{saveLabel}</Button>
          </div>
        )}
        {!readOnly && (simulation.isPending || simulation.error != null || simulation.data) && (
          <div aria-live="polite" className="space-y-2">
            {simulation.isPending ? (
              <p className="flex items-center gap-2 text-sm text-zinc-600"><Spinner label="Replaying" /> Replaying the recorded events against this draft…</p>
            ) : simulation.error != null ? (
              <ErrorBanner title="Could not simulate this draft" error={simulation.error} />
            ) : simulation.data && (
              <>
                {simulated !== JSON.stringify([body, days]) && <p className="text-xs text-amber-700">The draft changed since this simulation: simulate again to see its effect.</p>}
                <SimulationReportView report={simulation.data} />
              </>
            )}
          </div>
        )}
      </form>
      <ConfirmDialog
        open={confirmEnforce}
        title="Enforce the policy?"
        description="Verdicts will be applied in every affected workspace within a second: denied actions are refused, asked ones wait for an admin. Builders' agents may stop mid-task."
        confirmLabel="Enforce"
        destructive
        loading={mutation.isPending}
        error={mutation.error}
        onConfirm={save}
        onClose={() => setConfirmEnforce(false)}
      />
    </Section>
  );
}

function ModeChoice({ name, checked, disabled, onSelect, label, description }: {
  name: string; checked: boolean; disabled: boolean; onSelect: () => void; label: string; description: ReactNode;
}) {
  return (
    <label className={cn('flex items-start gap-3 rounded-md border px-3 py-2', checked ? 'border-zinc-900 bg-zinc-50' : 'border-zinc-200', disabled ? 'cursor-not-allowed' : 'cursor-pointer')}>
      <input type="radio" name={name} checked={checked} disabled={disabled} onChange={onSelect} className="mt-1" aria-describedby={undefined} />
      <span>
        <span className="block text-sm font-medium text-zinc-900">{label}</span>
        <span className="block text-xs text-zinc-500">{description}</span>
      </span>
    </label>
  );
}

/** On or off; for an override, a third choice: inherit the org's. */
function FilterChoice({ id, label, hint, value, inherited, readOnly, onChange }: {
  id: string; label: string; hint: string; value: boolean | undefined; inherited: boolean | undefined; readOnly: boolean;
  onChange: (value: boolean | undefined) => void;
}) {
  const onOff = (v: boolean) => (v ? 'On' : 'Off');
  return (
    <div className="flex flex-wrap items-center justify-between gap-3">
      <div className="min-w-0">
        <label htmlFor={id} className="block text-sm text-zinc-800">{label}</label>
        <p className="text-xs text-zinc-500">{hint}</p>
      </div>
      <select
        id={id}
        disabled={readOnly}
        value={value === undefined ? '' : value ? 'on' : 'off'}
        onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value === 'on')}
        className={cn(controlClass, 'w-44 pr-8')}
      >
        {inherited !== undefined && <option value="">Inherit ({onOff(inherited)})</option>}
        <option value="on">On</option>
        <option value="off">Off</option>
      </select>
    </div>
  );
}

/**
 * The egress proxy's passthrough list: domains whose TLS it does not open (a client that pins its
 * certificate, a protocol other than HTTP/1.1). A blueprint's list is added to the org's, never
 * replaces it. The API checks each domain (`passthrough.3: …`); its messages show here, by domain.
 */
function PassthroughField({ id, value, readOnly, org, sent, errors, onChange }: {
  id: string; value: string; readOnly: boolean; org: string[] | undefined; sent: string[]; errors: Record<string, string>;
  onChange: (value: string) => void;
}) {
  const messages = Object.entries(errors).filter(([k]) => k === 'passthrough' || k.startsWith('passthrough.')).map(([k, v]) => {
    const index = Number(k.split('.')[1]);
    return Number.isInteger(index) && sent[index] !== undefined ? `${sent[index]}: ${v}` : v;
  });
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    // min-w-0: a fieldset is as wide as its longest word by default, and a refused domain can be 253 characters of one.
    <fieldset className="min-w-0">
      <legend className="mb-1 text-sm font-medium text-zinc-700">
        <label htmlFor={id}>Passthrough domains</label>
      </legend>
      <p id={hintId} className="mb-2 text-xs text-zinc-500">
        Domains whose TLS the egress proxy does not open; domain rules only. For a client that pins its certificate or a protocol other
        than HTTPS: path rules, content filters and git push checks can&apos;t see inside them, so list only what must be. One a line: a domain,
        or <code>*.example.com</code> for its subdomains.
        {org !== undefined && ' Added to the org’s list.'}
      </p>
      <textarea
        id={id}
        rows={3}
        value={value}
        readOnly={readOnly}
        spellCheck={false}
        placeholder={readOnly ? undefined : 'pinned.example.com\n*.grpc.example.com'}
        aria-describedby={messages.length ? `${hintId} ${errorId}` : hintId}
        aria-invalid={messages.length ? true : undefined}
        onChange={(e) => onChange(e.target.value)}
        className={cn(controlClass, 'h-auto w-full py-2 font-mono text-sm')}
      />
      {org !== undefined && (
        <p className="mt-1 text-xs text-zinc-500">{org.length ? `The org passes through: ${org.join(', ')}` : 'The org passes nothing through.'}</p>
      )}
      {messages.length > 0 && <p id={errorId} className="mt-1 text-xs break-all text-red-600" role="alert">{messages.join('; ')}</p>}
    </fieldset>
  );
}
