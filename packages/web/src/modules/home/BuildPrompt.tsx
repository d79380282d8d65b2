import { useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { ArrowUp, Sparkles } from 'lucide-react';
import { visibleTabs, type Blueprint, type Workspace } from '@paddock/protocol';
import { blueprintsQuery } from '../../api/blueprints';
import { useBranding } from '../../api/branding';
import { isApiError } from '../../api/client';
import { createWorkspaceMutation, quotaRefusal } from '../../api/workspaces';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { BuilderWelcome } from '../branding/BuilderWelcome';
import { keepFirstPrompt } from '../chat/firstPrompt';
import { rememberTab } from '../workspaceTabs/useSelectedTab';
import { QuotaDialog } from '../workspaces/QuotaDialog';
import { displayNameFromPrompt, generateWorkspaceName } from '../workspaces/workspaceName';

// A generated name can collide; a new random suffix is the fix.
const NAME_ATTEMPTS = 3;

/** The tab a prompt goes to: the blueprint's AI chat, if the builder sees one. */
function chatTabOf(blueprint: Blueprint): string | undefined {
  return visibleTabs(blueprint).find((t) => t.kind === 'ai-chat')?.id;
}

/**
 * "What do you want to build?": one Enter makes a workspace from the chosen blueprint, named
 * after the prompt, opens it on its AI chat and hands the chat the prompt as its first message
 * (modules/chat/firstPrompt.ts), which goes out once the AI is up; the preview follows the app
 * the AI starts. Only blueprints with an AI chat are offered; without any, there is no box.
 * A refusal (the running limit, a blueprint no longer usable) shows here, with the prompt kept.
 * The box is headed by the welcome an admin wrote (Admin → Branding): its title, text and call to
 * action; with no box, the welcome shows alone.
 */
export function BuildPrompt() {
  const blueprints = useQuery(blueprintsQuery());
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation(createWorkspaceMutation(queryClient));
  const [prompt, setPrompt] = useState('');
  const [blueprintId, setBlueprintId] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [quota, setQuota] = useState<NonNullable<ReturnType<typeof quotaRefusal>> | null>(null);
  const [creating, setCreating] = useState(false);
  const ids = useId();
  const { welcome } = useBranding();

  const choices = (blueprints.data ?? []).filter((b) => chatTabOf(b) !== undefined);
  const chosen = choices.find((b) => b.id === blueprintId) ?? choices[0];
  if (!chosen) return blueprints.isPending ? null : <BuilderWelcome />;

  const build = async () => {
    const text = prompt.trim();
    if (!text || creating) return;
    const chatTab = chatTabOf(chosen);
    setCreating(true);
    setError(null);
    try {
      const displayName = displayNameFromPrompt(text);
      let workspace: Workspace | undefined;
      for (let attempt = 1; !workspace; attempt++) {
        try {
          workspace = await create.mutateAsync({ blueprintId: chosen.id, name: generateWorkspaceName(displayName), displayName });
        } catch (err) {
          if (!(isApiError(err) && err.code === 'conflict' && attempt < NAME_ATTEMPTS)) throw err;
        }
      }
      keepFirstPrompt(workspace.id, text);
      if (chatTab) rememberTab(workspace.id, chatTab);
      await navigate({ to: '/workspaces/$workspaceId', params: { workspaceId: workspace.id } });
    } catch (err) {
      const refusal = quotaRefusal(err);
      if (refusal) setQuota(refusal);
      else setError(err);
    } finally {
      setCreating(false);
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void build();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void build();
    }
  };

  return (
    <section aria-labelledby={`${ids}-title`} className="mb-10">
      <h2 id={`${ids}-title`} className="mb-3 flex items-center gap-2 text-xl font-semibold tracking-tight text-zinc-900">
        <Sparkles className="size-5 text-zinc-500" aria-hidden />
        {welcome.title}
      </h2>
      {welcome.text && <p className="-mt-1 mb-3 max-w-2xl text-sm text-zinc-600" data-testid="builder-welcome-text">{welcome.text}</p>}
      <form
        onSubmit={onSubmit}
        className="rounded-xl border border-zinc-300 bg-white shadow-sm focus-within:border-zinc-400 focus-within:ring-2 focus-within:ring-zinc-200"
      >
        <textarea
          aria-label="What do you want to build?"
          placeholder="A dashboard of this quarter's sales by region, with a chart…"
          rows={3}
          value={prompt}
          onChange={(event) => setPrompt(event.target.value)}
          onKeyDown={onKeyDown}
          disabled={creating}
          className="block w-full resize-none rounded-t-xl bg-transparent px-4 pt-3 text-[15px] text-zinc-900 placeholder:text-zinc-400 focus:outline-none disabled:text-zinc-500"
        />
        <div className="flex flex-wrap items-center gap-3 px-3 pb-3">
          <label className="flex items-center gap-2 text-sm text-zinc-500">
            Build with
            <select
              aria-label="Blueprint"
              value={chosen.id}
              onChange={(event) => setBlueprintId(event.target.value)}
              disabled={creating}
              className="h-8 max-w-[16rem] rounded-md border border-zinc-300 bg-white px-2 text-sm text-zinc-900"
            >
              {choices.map((b) => <option key={b.id} value={b.id}>{b.name}</option>)}
            </select>
          </label>
          <span className="ml-auto hidden text-xs text-zinc-400 sm:inline">Enter to start · Shift+Enter for a new line</span>
          <Button type="submit" variant="primary" size="sm" loading={creating} disabled={!prompt.trim()} icon={<ArrowUp className="size-4" aria-hidden />}>
            {creating ? 'Creating your workspace…' : welcome.cta}
          </Button>
        </div>
      </form>
      {error != null && <ErrorBanner className="mt-3" title="Could not start building" error={error} />}
      <QuotaDialog
        refusal={quota}
        retryLabel="Create the workspace"
        onClose={() => setQuota(null)}
        onRetry={() => {
          setQuota(null);
          void build();
        }}
      />
    </section>
  );
}
