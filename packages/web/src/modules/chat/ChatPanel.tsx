import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Bot, CircleCheck, CircleX, Clock, MessageSquarePlus, OctagonX, Send, Sparkles, TriangleAlert } from 'lucide-react';
import {
  abortAiSession,
  aiMessagesQuery,
  aiMessagesQueryKey,
  aiModelQuery,
  aiSessionsQuery,
  aiSessionsQueryKey,
  aiStatusQuery,
  createAiSession,
  sendAiPrompt,
  type AiMessage,
  type AiPart,
  type AiToolState,
} from '../../api/ai';
import { errorMessage } from '../../api/client';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { QueryView } from '../../components/QueryView';
import { Skeleton } from '../../components/Skeleton';
import { Spinner } from '../../components/Spinner';
import { cn } from '../../components/cn';
import { WorkspaceGovernanceBanner } from '../governance/WorkspaceGovernanceBanner';
import { useSuggestedPrompts } from './suggestedPrompts';
import { firstPromptDelivered, pendingFirstPrompt } from './firstPrompt';
import { toolActivity } from './toolActivity';
import { aiErrorMessage, useAiEvents } from './useAiEvents';

/** How often the panel refetches while it waits for a reply the event stream may have missed. */
const POLL_WHILE_AWAITING_MS = 2000;

const completedReplies = (messages: AiMessage[] | undefined): number =>
  messages?.filter((m) => m.info.role === 'assistant' && m.info.time.completed !== undefined).length ?? 0;

/**
 * The AI chat: our own UI over OpenCode's server in the workspace (reached
 * through the portal's proxy). Sessions, replies streaming in, tool activity
 * in plain words, a stop button, and the model's errors shown, never swallowed.
 */
export function ChatPanel({ workspaceId }: { workspaceId: string }) {
  const queryClient = useQueryClient();
  const events = useAiEvents(workspaceId);
  const sessions = useQuery(aiSessionsQuery(workspaceId));
  const model = useQuery(aiModelQuery(workspaceId));
  /**
   * After a send, until one more completed reply exists than at the time of sending,
   * the panel polls: the event stream is the fast path, this the safety net in case
   * it missed something (e.g. opened while the AI was still starting).
   */
  const [awaiting, setAwaiting] = useState<{ sessionId: string; completedReplies: number } | null>(null);
  const status = useQuery({ ...aiStatusQuery(workspaceId), refetchInterval: awaiting ? POLL_WHILE_AWAITING_MS : false });
  const [chosen, setChosen] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [sending, setSending] = useState(false);
  const [stopping, setStopping] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  /**
   * A message waiting for the AI to be ready (sent while it connects, or the home prompt box's
   * first one): it goes out by itself once it can, and shows in the conversation meanwhile.
   */
  const [queued, setQueued] = useState<{ text: string; first: boolean } | null>(() => {
    const first = pendingFirstPrompt(workspaceId);
    return first ? { text: first, first: true } : null;
  });
  const [outgoing, setOutgoing] = useState<string | null>(null);
  const textarea = useRef<HTMLTextAreaElement>(null);

  const sessionId = chosen ?? sessions.data?.[0]?.id ?? null;
  const sessionStatus = sessionId ? status.data?.[sessionId] : undefined;
  const busy = sending || (sessionStatus !== undefined && sessionStatus.type !== 'idle');
  const modelError = sessionId ? events.errors[sessionId] : undefined;
  // Sending waits for the live event stream: OpenCode stores a reply's text only once that text is
  // complete, so a reply started before the stream is connected could not be shown as it streams.
  const canSend = sessions.isSuccess && events.connected;

  /** Sends now; true once the AI accepted it. On failure the text goes back to the composer, never lost. */
  const send = async (text: string): Promise<boolean> => {
    const trimmed = text.trim();
    if (!trimmed || busy || !canSend) return false;
    setSending(true);
    setOutgoing(trimmed);
    setActionError(null);
    try {
      let target = sessionId;
      if (!target) {
        const created = await createAiSession(workspaceId);
        target = created.id;
        setChosen(target);
        await queryClient.invalidateQueries({ queryKey: aiSessionsQueryKey(workspaceId) });
      }
      await sendAiPrompt(workspaceId, target, trimmed);
      setAwaiting({ sessionId: target, completedReplies: completedReplies(queryClient.getQueryData(aiMessagesQueryKey(workspaceId, target))) });
      setDraft((current) => (current.trim() === trimmed ? '' : current));
      return true;
    } catch (error) {
      setActionError(errorMessage(error));
      setDraft((current) => current || trimmed);
      return false;
    } finally {
      setSending(false);
      setOutgoing(null);
    }
  };

  /**
   * The home prompt's first message (firstPrompt.ts): sent once. If the conversation already
   * holds a message of the builder's, an earlier visit of this page sent it and lost the answer
   * (a reload mid-send): it is not sent again.
   */
  const deliverFirstPrompt = async (text: string) => {
    const newest = sessions.data?.[0];
    if (newest) {
      try {
        const messages = await queryClient.fetchQuery(aiMessagesQuery(workspaceId, newest.id));
        if (messages.some((m) => m.info.role === 'user')) {
          firstPromptDelivered(workspaceId);
          return;
        }
      } catch (error) {
        setActionError(errorMessage(error));
        setDraft((current) => current || text);
        firstPromptDelivered(workspaceId);
        return;
      }
    }
    // Delivered or not, from here the builder holds it: sent, or back in the composer to send again.
    await send(text);
    firstPromptDelivered(workspaceId);
  };

  // A queued message goes out as soon as the AI can take it.
  useEffect(() => {
    if (!queued || !canSend || busy) return;
    setQueued(null);
    void (queued.first ? deliverFirstPrompt(queued.text) : send(queued.text));
    // send and deliverFirstPrompt read the state of this render: the effect runs again whenever what it waits on changes.
  }, [queued, canSend, busy]);

  /** Enter or Send: now if the AI is ready, else queued until it is (never dropped). */
  const submit = (text: string) => {
    const trimmed = text.trim();
    if (!trimmed || busy || queued) return;
    if (canSend) {
      void send(trimmed);
      return;
    }
    setQueued({ text: trimmed, first: false });
    setDraft('');
  };

  const newSession = async () => {
    setActionError(null);
    try {
      const created = await createAiSession(workspaceId);
      setChosen(created.id);
      await queryClient.invalidateQueries({ queryKey: aiSessionsQueryKey(workspaceId) });
      textarea.current?.focus();
    } catch (error) {
      setActionError(errorMessage(error));
    }
  };

  const stop = async () => {
    if (!sessionId) return;
    setStopping(true);
    try {
      await abortAiSession(workspaceId, sessionId);
    } catch (error) {
      setActionError(errorMessage(error));
    } finally {
      setStopping(false);
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit(draft);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit(draft);
    }
  };
  const waiting = queued?.text ?? (outgoing && !sessionHasText(queryClient.getQueryData(aiMessagesQueryKey(workspaceId, sessionId ?? '')), outgoing) ? outgoing : null);

  return (
    <section aria-label="AI chat" className="flex h-full min-h-0 flex-1 flex-col rounded-lg border border-zinc-200 bg-white">
      <header className="flex flex-wrap items-center gap-2 border-b border-zinc-200 px-3 py-2">
        <Bot className="size-4 text-zinc-500" aria-hidden />
        {sessions.data && sessions.data.length > 0 ? (
          <select
            aria-label="Chat session"
            className="h-8 max-w-[16rem] rounded-md border border-zinc-300 bg-white px-2 text-sm"
            value={sessionId ?? ''}
            onChange={(event) => setChosen(event.target.value)}
          >
            {sessions.data.map((s) => (
              <option key={s.id} value={s.id}>
                {s.title || 'Untitled chat'}
              </option>
            ))}
          </select>
        ) : (
          <span className="text-sm font-medium text-zinc-900">AI chat</span>
        )}
        <Button size="sm" variant="ghost" icon={<MessageSquarePlus className="size-4" />} onClick={() => void newSession()} disabled={!sessions.isSuccess}>
          New chat
        </Button>
        <div className="ml-auto text-xs text-zinc-500">
          <ModelLabel model={model.data?.model ?? null} demo={model.data?.demo ?? false} loading={model.isPending || !events.connected} />
        </div>
      </header>

      <WorkspaceGovernanceBanner workspaceId={workspaceId} variant="panel" className="m-3 mb-0" />
      {actionError && (
        <ErrorBanner className="m-3 mb-0" title="That did not work">
          {actionError}
        </ErrorBanner>
      )}
      {modelError && (
        <ErrorBanner className="m-3 mb-0" title="The model reported an error">
          {modelError}
        </ErrorBanner>
      )}
      {sessionStatus?.type === 'retry' && (
        <div role="status" className="m-3 mb-0 flex items-start gap-2 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
          <TriangleAlert className="mt-0.5 size-4 shrink-0" aria-hidden />
          <span>
            The model could not be reached; trying again (attempt {sessionStatus.attempt ?? 1}).{' '}
            {sessionStatus.message}
          </span>
        </div>
      )}

      <div className="min-h-0 flex-1 overflow-y-auto">
        <QueryView
          // While the AI starts, its first answers fail and are retried: that is still starting, not an error.
          query={{ ...sessions, isPending: sessions.isPending || (sessions.isError && sessions.failureCount > 0 && sessions.fetchStatus === 'fetching') }}
          loading={<StartingState />}
          errorTitle="The AI chat could not be reached"
          errorClassName="m-3"
        >
          {() =>
            sessionId ? (
              <MessageList
                workspaceId={workspaceId}
                sessionId={sessionId}
                busy={busy}
                waiting={waiting}
                awaitingAfter={awaiting?.sessionId === sessionId ? awaiting.completedReplies : null}
                onReplyCompleted={() => setAwaiting(null)}
                onSuggestion={setDraft}
              />
            ) : waiting ? (
              <WaitingMessage text={waiting} ready={canSend} />
            ) : (
              <Suggestions workspaceId={workspaceId} onPick={(text) => { setDraft(text); textarea.current?.focus(); }} />
            )
          }
        </QueryView>
        {/* While the AI starts, the message waiting for it shows under "Starting…". */}
        {!sessions.isSuccess && waiting && <WaitingMessage text={waiting} ready={false} />}
      </div>

      <form onSubmit={onSubmit} className="flex items-end gap-2 border-t border-zinc-200 p-3">
        <textarea
          ref={textarea}
          aria-label="Message"
          placeholder="Describe what you want to build… (Enter to send, Shift+Enter for a new line)"
          rows={2}
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={onKeyDown}
          className="min-h-[2.5rem] flex-1 resize-none rounded-md border border-zinc-300 px-3 py-2 text-sm focus-visible:outline-2 focus-visible:outline-accent-ring"
        />
        {busy && !sending ? (
          // Stops the AI's reply; not the workspace (whose Stop, in the page header, has a power icon).
          <Button variant="ghost" icon={<OctagonX className="size-4" />} loading={stopping} onClick={() => void stop()}>
            Stop reply
          </Button>
        ) : (
          <Button type="submit" variant="primary" icon={<Send className="size-4" />} loading={sending} disabled={!draft.trim() || queued !== null}>
            Send
          </Button>
        )}
      </form>
    </section>
  );
}

function ModelLabel({ model, demo, loading }: { model: string | null; demo: boolean; loading: boolean }) {
  if (loading) return <span>Connecting to the AI…</span>;
  if (demo) {
    return (
      <span className="inline-flex items-center gap-1 rounded-full bg-amber-100 px-2 py-0.5 font-medium text-amber-900">
        <Sparkles className="size-3" aria-hidden />
        Demo model — scripted responses
      </span>
    );
  }
  return <span>{model ? `Model: ${model.replace(/^[^/]+\//, '')}` : 'No model configured'}</span>;
}

function StartingState() {
  return (
    <div role="status" aria-live="polite" className="flex flex-col items-center gap-3 px-6 py-16 text-center text-sm text-zinc-500">
      <Spinner className="size-5" />
      Starting the AI in your workspace…
    </div>
  );
}

/** The empty chat: its blueprint's suggested prompts (suggestedPrompts.ts), a click filling the message box. */
function Suggestions({ workspaceId, onPick }: { workspaceId: string; onPick: (text: string) => void }) {
  const suggestions = useSuggestedPrompts(workspaceId);
  return (
    <div className="flex flex-col items-center px-6 py-12 text-center">
      <div className="mb-4 flex size-11 items-center justify-center rounded-full bg-zinc-100 text-zinc-500">
        <Sparkles className="size-5" aria-hidden />
      </div>
      <h2 className="text-base font-semibold text-zinc-900">What would you like to build?</h2>
      <p className="mt-1 max-w-sm text-sm text-zinc-500">Describe it in your own words. The AI writes the files and starts the app; watch it in the preview.</p>
      {suggestions.length > 0 && <ul className="mt-6 flex flex-wrap justify-center gap-2" aria-label="Suggestions">
        {suggestions.map((s) => (
          <li key={s}>
            <button
              type="button"
              onClick={() => onPick(s)}
              className="rounded-full border border-zinc-300 bg-white px-3 py-1.5 text-sm text-zinc-700 hover:bg-zinc-50"
            >
              {s}
            </button>
          </li>
        ))}
      </ul>}
    </div>
  );
}

function MessageList({ workspaceId, sessionId, busy, waiting, awaitingAfter, onReplyCompleted, onSuggestion }: {
  workspaceId: string;
  sessionId: string;
  busy: boolean;
  /** A message of the builder's on its way (queued, or being sent): shown after the conversation. */
  waiting: string | null;
  /** While set, a reply is awaited: poll until more than this many replies have completed. */
  awaitingAfter: number | null;
  onReplyCompleted: () => void;
  onSuggestion: (text: string) => void;
}) {
  const messages = useQuery({ ...aiMessagesQuery(workspaceId, sessionId), refetchInterval: awaitingAfter !== null ? POLL_WHILE_AWAITING_MS : false });
  const replied = awaitingAfter !== null && completedReplies(messages.data) > awaitingAfter;
  useEffect(() => {
    if (replied) onReplyCompleted();
  }, [replied, onReplyCompleted]);
  const end = useRef<HTMLDivElement>(null);
  // Anything new at the end (a message, streamed text, a step, an error, a waiting message) scrolls to it.
  const count = messages.data?.reduce((n, m) => n + m.parts.length + textLength(m) + (m.info.error ? 1 : 0), 0) ?? 0;
  const tail = `${count}:${busy}:${waiting ?? ''}`;

  useEffect(() => {
    end.current?.scrollIntoView({ block: 'end' });
  }, [tail]);

  return (
    <QueryView
      query={messages}
      loading={
        <div className="space-y-3 p-4" aria-busy="true">
          <Skeleton className="h-10 w-2/3" />
          <Skeleton className="ml-auto h-10 w-1/2" />
        </div>
      }
      errorTitle="Could not load this chat"
      errorClassName="m-3"
      empty={waiting ? <WaitingMessage text={waiting} ready /> : <Suggestions workspaceId={workspaceId} onPick={onSuggestion} />}
    >
      {(list) => (
        <div role="log" aria-live="polite" aria-label="Conversation" className="space-y-4 p-4">
          {list.map((m) => (
            <MessageView key={m.info.id} message={m} />
          ))}
          {waiting && <WaitingBubble text={waiting} ready />}
          {busy && (
            <div className="flex items-center gap-2 text-sm text-zinc-500">
              <Spinner /> Working…
            </div>
          )}
          <div ref={end} />
        </div>
      )}
    </QueryView>
  );
}

/** A message of the builder's the AI has not shown yet: queued while it starts, or on its way. */
function WaitingMessage({ text, ready }: { text: string; ready: boolean }) {
  return (
    <div className="p-4">
      <WaitingBubble text={text} ready={ready} />
    </div>
  );
}

function WaitingBubble({ text, ready }: { text: string; ready: boolean }) {
  return (
    <div className="ml-auto flex max-w-[85%] flex-col items-end gap-1" data-testid="waiting-message">
      <div className={cn(bubble, 'bg-zinc-700')}>{text}</div>
      <span className="flex items-center gap-1 text-xs text-zinc-500">
        <Clock className="size-3" aria-hidden />
        {ready ? 'Sending…' : 'Sends as soon as the AI is ready'}
      </span>
    </div>
  );
}

/** Whether the conversation already shows this text as one of the builder's messages. */
function sessionHasText(messages: AiMessage[] | undefined, text: string): boolean {
  return messages?.some((m) => m.info.role === 'user' && m.parts.some((p) => isText(p) && p.text.trim() === text)) ?? false;
}

/** The builder's message: long unbroken text (a URL, a hash) wraps instead of widening the panel. */
const bubble = 'rounded-lg px-3 py-2 text-sm whitespace-pre-wrap text-white [overflow-wrap:anywhere]';

function textLength(m: AiMessage): number {
  return m.parts.reduce((n, p) => n + (p.type === 'text' && typeof p.text === 'string' ? p.text.length : 0), 0);
}

function MessageView({ message }: { message: AiMessage }) {
  const { info, parts } = message;
  if (info.role === 'user') {
    const text = parts.filter(isText).filter((p) => !p.synthetic).map((p) => p.text).join('\n');
    if (!text) return null;
    return (
      <div className={cn(bubble, 'ml-auto w-fit max-w-[85%] bg-zinc-900')} data-role="user">
        {text}
      </div>
    );
  }
  const aborted = info.error?.name === 'MessageAbortedError';
  return (
    <div className="max-w-[95%] min-w-0 space-y-2 text-sm text-zinc-900 [overflow-wrap:anywhere]" data-role="assistant">
      {parts.map((part) => (
        <PartView key={part.id} part={part} />
      ))}
      {aborted && <p className="text-xs text-zinc-500">Stopped.</p>}
      {info.error && !aborted && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-red-800">
          {aiErrorMessage(info.error)}
        </p>
      )}
    </div>
  );
}

function isText(part: AiPart): part is Extract<AiPart, { type: 'text'; text: string }> {
  return part.type === 'text' && typeof (part as { text?: unknown }).text === 'string';
}

function PartView({ part }: { part: AiPart }) {
  if (isText(part)) {
    if (part.synthetic || !part.text) return null;
    return <p className="whitespace-pre-wrap">{part.text}</p>;
  }
  if (part.type === 'tool') {
    const { tool, state } = part as { tool: string; state: AiToolState };
    const activity = toolActivity(tool, state);
    return (
      <div
        className={cn(
          'flex items-start gap-2 rounded-md border px-3 py-1.5 text-xs',
          activity.state === 'failed' ? 'border-red-200 bg-red-50 text-red-800' : 'border-zinc-200 bg-zinc-50 text-zinc-700',
        )}
        data-testid="tool-activity"
      >
        {activity.state === 'working' && <Spinner className="mt-0.5 size-3.5" />}
        {activity.state === 'done' && <CircleCheck className="mt-0.5 size-3.5 text-emerald-600" aria-hidden />}
        {activity.state === 'failed' && <CircleX className="mt-0.5 size-3.5 text-red-600" aria-hidden />}
        <span className="min-w-0 flex-1 [overflow-wrap:anywhere]">
          {activity.text}
          {activity.detail && <span className="block text-red-700">{activity.detail}</span>}
          {activity.technical && (
            <details className="mt-0.5 text-zinc-500">
              <summary className="cursor-pointer select-none hover:text-zinc-800">details</summary>
              <pre className="mt-1 font-mono text-[11px] whitespace-pre-wrap text-zinc-600 [overflow-wrap:anywhere]">{activity.technical}</pre>
            </details>
          )}
        </span>
      </div>
    );
  }
  if (part.type === 'patch') {
    const files = ((part as { files?: unknown }).files as string[] | undefined) ?? [];
    if (files.length === 0) return null;
    return <p className="text-xs text-zinc-500">Changed {files.map((f) => f.replace(/^\/workspace\/?/, '')).join(', ')}</p>;
  }
  return null;
}
