import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Plus, Trash2 } from 'lucide-react';
import {
  MAX_SUGGESTED_PROMPTS, type Blueprint, type LlmEndpoint, type LlmEndpointKind, type UpdateBlueprintRequest,
} from '@paddock/protocol';
import { blueprintLlmKeyMutation, blueprintLlmKeyQuery } from '../../api/blueprintAdmin';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { QueryView } from '../../components/QueryView';
import { Field, inputClass, selectClass, textareaClass } from '../../components/Field';
import { IconButton } from '../../components/IconButton';
import { Section } from '../../components/Section';
import { SavedNote } from '../../components/SavedNote';
import { formatDateTime } from '../../components/formatTime';
import { useBlueprintSave } from './useBlueprintSave';

type EndpointChoice = 'default' | LlmEndpointKind;

const endpointLabels: Record<EndpointChoice, string> = {
  default: "The portal's default provider",
  anthropic: 'Anthropic',
  'anthropic-compatible': 'Anthropic-compatible endpoint',
  'openai-compatible': 'OpenAI-compatible endpoint (Chat Completions)',
};

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The model and its provider, the AI's instructions, and the prompts the chat suggests. */
export function BlueprintAiForm({ blueprint, readOnly }: { blueprint: Blueprint; readOnly: boolean }) {
  const section = useBlueprintSave(blueprint);
  const [model, setModel] = useState(blueprint.model);
  const [endpoint, setEndpoint] = useState<EndpointChoice>(blueprint.llm?.kind ?? 'default');
  const [baseUrl, setBaseUrl] = useState(blueprint.llm?.baseUrl ?? '');
  const [systemPrompt, setSystemPrompt] = useState(blueprint.systemPrompt);
  const [notes, setNotes] = useState(blueprint.dataSourceNotes);
  const [prompts, setPrompts] = useState<string[]>(blueprint.suggestedPrompts);

  const llm: LlmEndpoint | null = endpoint === 'default' ? null
    : endpoint === 'anthropic' && !baseUrl.trim() ? { kind: endpoint }
    : { kind: endpoint, baseUrl: baseUrl.trim() };
  const cleanPrompts = prompts.map((p) => p.trim());
  const changes: UpdateBlueprintRequest = {};
  if (model.trim() !== blueprint.model) changes.model = model.trim();
  if (!same(llm, blueprint.llm)) changes.llm = llm;
  if (systemPrompt !== blueprint.systemPrompt) changes.systemPrompt = systemPrompt;
  if (notes !== blueprint.dataSourceNotes) changes.dataSourceNotes = notes;
  if (!same(cleanPrompts, blueprint.suggestedPrompts)) changes.suggestedPrompts = cleanPrompts;
  const dirty = Object.keys(changes).length > 0;

  const edit = <T,>(set: (v: T) => void) => (v: T) => { set(v); section.reset(); };
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (dirty) section.save(changes);
  };
  const reset = () => {
    setModel(blueprint.model);
    setEndpoint(blueprint.llm?.kind ?? 'default');
    setBaseUrl(blueprint.llm?.baseUrl ?? '');
    setSystemPrompt(blueprint.systemPrompt);
    setNotes(blueprint.dataSourceNotes);
    setPrompts(blueprint.suggestedPrompts);
    section.reset();
  };

  return (
    <Section title="AI" description="The model its workspaces use, what the AI is told, and the ideas the chat offers.">
      <form onSubmit={onSubmit} className="space-y-5" noValidate>
        {section.bannerError != null && <ErrorBanner title="Could not save" error={section.bannerError} />}
        <div className="grid gap-5 md:grid-cols-2">
          <Field id="bp-endpoint" label="Provider" error={section.error('llm')}>
            <select
              id="bp-endpoint"
              disabled={readOnly}
              value={endpoint}
              onChange={(e) => edit(setEndpoint)(e.target.value as EndpointChoice)}
              className={selectClass}
            >
              {(Object.keys(endpointLabels) as EndpointChoice[]).map((k) => (
                <option key={k} value={k}>{endpointLabels[k]}</option>
              ))}
            </select>
          </Field>
          <Field id="bp-model" label="Model" hint="Empty: the provider's default model." error={section.error('model')}>
            <input
              id="bp-model"
              readOnly={readOnly}
              value={model}
              placeholder="e.g. claude-sonnet-4-5"
              onChange={(e) => edit(setModel)(e.target.value)}
              aria-invalid={section.error('model') ? true : undefined}
              aria-describedby="bp-model-hint"
              className={inputClass}
            />
          </Field>
        </div>
        {endpoint !== 'default' && (
          <Field
            id="bp-base-url"
            label="Endpoint URL"
            hint={endpoint === 'anthropic' ? 'Optional: empty is api.anthropic.com.'
              : endpoint === 'openai-compatible' ? 'The URL Chat Completions hang under, version included (https://api.openai.com/v1).'
              : 'The base URL of the compatible API.'}
            error={section.error('llm.baseUrl')}
          >
            <input
              id="bp-base-url"
              type="url"
              readOnly={readOnly}
              value={baseUrl}
              onChange={(e) => edit(setBaseUrl)(e.target.value)}
              aria-invalid={section.error('llm.baseUrl') ? true : undefined}
              aria-describedby="bp-base-url-hint"
              className={inputClass}
            />
          </Field>
        )}
        <Field
          id="bp-system-prompt"
          label="Instructions for the AI"
          hint="Written to AGENTS.md and CLAUDE.md in every new workspace: who it builds for, what to use, what to avoid."
          error={section.error('systemPrompt')}
        >
          <textarea
            id="bp-system-prompt"
            rows={6}
            readOnly={readOnly}
            value={systemPrompt}
            onChange={(e) => edit(setSystemPrompt)(e.target.value)}
            aria-describedby="bp-system-prompt-hint"
            className={textareaClass}
          />
        </Field>
        <Field
          id="bp-notes"
          label="Data-source notes"
          hint="Where the data is and how to reach it (credential names, never their values): added under the instructions."
          error={section.error('dataSourceNotes')}
        >
          <textarea
            id="bp-notes"
            rows={4}
            readOnly={readOnly}
            value={notes}
            onChange={(e) => edit(setNotes)(e.target.value)}
            aria-describedby="bp-notes-hint"
            className={textareaClass}
          />
        </Field>
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-zinc-700">Suggested prompts</legend>
          <p className="text-xs text-zinc-500">
            Shown in an empty AI chat: a click puts the idea in the message box. Up to {MAX_SUGGESTED_PROMPTS}, one line each.
          </p>
          {section.error('suggestedPrompts') && <p className="text-xs text-red-600">{section.error('suggestedPrompts')}</p>}
          <ol className="space-y-2">
            {prompts.map((p, i) => (
              <li key={i} className="flex items-start gap-2">
                <div className="flex-1">
                  <input
                    aria-label={`Suggested prompt ${i + 1}`}
                    readOnly={readOnly}
                    value={p}
                    onChange={(e) => edit(setPrompts)(prompts.map((q, j) => (j === i ? e.target.value : q)))}
                    aria-invalid={section.error(`suggestedPrompts.${i}`) ? true : undefined}
                    className={inputClass}
                  />
                  {section.error(`suggestedPrompts.${i}`) && <p className="mt-1 text-xs text-red-600">{section.error(`suggestedPrompts.${i}`)}</p>}
                </div>
                {!readOnly && (
                  <IconButton label={`Remove suggested prompt ${i + 1}`} onClick={() => edit(setPrompts)(prompts.filter((_, j) => j !== i))}>
                    <Trash2 className="size-4" />
                  </IconButton>
                )}
              </li>
            ))}
          </ol>
          {!readOnly && (
            <Button size="sm" icon={<Plus className="size-3.5" aria-hidden />} disabled={prompts.length >= MAX_SUGGESTED_PROMPTS} onClick={() => edit(setPrompts)([...prompts, ''])}>
              Add a suggested prompt
            </Button>
          )}
        </fieldset>
        {!readOnly && (
          <div className="flex items-center justify-end gap-3">
            <SavedNote show={section.saved && !dirty} />
            <Button onClick={reset} disabled={!dirty || section.pending}>Reset</Button>
            <Button type="submit" variant="primary" loading={section.pending} disabled={!dirty}>Save AI settings</Button>
          </div>
        )}
      </form>
      <ProviderKey blueprintId={blueprint.id} readOnly={readOnly} />
    </Section>
  );
}

/** The provider key: write-only. Its status shows (set or not, since when), never its value. */
function ProviderKey({ blueprintId, readOnly }: { blueprintId: string; readOnly: boolean }) {
  const queryClient = useQueryClient();
  const status = useQuery(blueprintLlmKeyQuery(blueprintId));
  const change = useMutation(blueprintLlmKeyMutation(queryClient, blueprintId));
  const [value, setValue] = useState('');

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (value.trim()) change.mutate(value.trim(), { onSuccess: () => setValue('') });
  };

  return (
    <form onSubmit={onSubmit} className="mt-6 space-y-3 border-t border-zinc-200 pt-5" noValidate>
      <div>
        <h3 className="text-sm font-medium text-zinc-700">Provider key</h3>
        <QueryView query={status} errorTitle="Could not read whether a key is set" loading={<p className="mt-0.5 text-xs text-zinc-500">Checking…</p>}>
          {(key) => (
            <p className="mt-0.5 text-xs text-zinc-500" data-testid="llm-key-status">
              {key.set ? `A key is set${key.updatedAt ? ` (since ${formatDateTime(key.updatedAt)})` : ''}. It is never shown again; workspaces never see it (the gateway adds it to each call).`
                : "No key of its own: calls use the portal's default provider key."}
            </p>
          )}
        </QueryView>
      </div>
      {change.isError && <ErrorBanner title="Could not change the key" error={change.error} />}
      {!readOnly && (
        <div className="flex flex-wrap items-center gap-2">
          <input
            type="password"
            aria-label="New provider key"
            autoComplete="off"
            placeholder={status.data?.set ? 'Replace the key…' : 'Paste the key…'}
            value={value}
            onChange={(e) => { setValue(e.target.value); change.reset(); }}
            className={`${inputClass} max-w-sm flex-1`}
          />
          <Button type="submit" loading={change.isPending && change.variables !== null} disabled={!value.trim()}>Save key</Button>
          {status.data?.set && (
            <Button variant="danger" loading={change.isPending && change.variables === null} onClick={() => change.mutate(null)}>Remove key</Button>
          )}
          <SavedNote show={change.isSuccess && change.variables !== null}>Key saved</SavedNote>
        </div>
      )}
    </form>
  );
}
