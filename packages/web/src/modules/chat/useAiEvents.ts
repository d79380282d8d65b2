import { useEffect, useRef, useState } from 'react';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import {
  aiEventsUrl,
  aiLastToolStepKey,
  aiMessagesQueryKey,
  aiQueryKey,
  aiSessionsQueryKey,
  aiStatusQuery,
  type AiError,
  type AiEvent,
  type AiMessage,
  type AiMessageInfo,
  type AiPart,
  type AiStatusMap,
} from '../../api/ai';

/** While the AI starts (its first half-minute, typically) retry every second; after that, back off. */
const STARTING_RETRY_MS = 1_000;
const STARTING_ATTEMPTS = 30;
const MAX_RETRY_MS = 15_000;

export interface AiEventsState {
  connected: boolean;
  /** The last model error per session (not "stopped by you"); cleared when the session works again. */
  errors: Record<string, string>;
}

/**
 * Follows the workspace AI's event stream and writes what it says into the
 * query cache: message and part updates, text deltas as they stream, session
 * status (busy, retrying, idle), new sessions. Errors are kept per session so
 * the panel can show them. After a (re)connect everything is refetched, since
 * events sent while away are gone.
 */
export function useAiEvents(workspaceId: string): AiEventsState {
  const queryClient = useQueryClient();
  const [connected, setConnected] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  /** Text parts this page saw begin (their first update came over the stream): only those take deltas. */
  const seenFromStart = useRef(new Set<string>());

  useEffect(() => {
    let source: EventSource | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let disposed = false;

    const connect = () => {
      source = new EventSource(aiEventsUrl(workspaceId), { withCredentials: true });
      source.onopen = () => {
        failures = 0;
        setConnected(true);
        void queryClient.invalidateQueries({ queryKey: aiQueryKey(workspaceId) });
      };
      source.onmessage = (message: MessageEvent<string>) => {
        let event: AiEvent;
        try {
          event = JSON.parse(message.data) as AiEvent;
        } catch {
          return;
        }
        applyEvent(queryClient, workspaceId, event, setErrors, seenFromStart.current);
      };
      source.onerror = () => {
        setConnected(false);
        // The browser retries by itself while CONNECTING; an HTTP error (the AI not up yet) closes it for good.
        if (!source || source.readyState !== EventSource.CLOSED || disposed) return;
        source.close();
        failures += 1;
        const delay = failures <= STARTING_ATTEMPTS ? STARTING_RETRY_MS : Math.min(STARTING_RETRY_MS * 2 ** (failures - STARTING_ATTEMPTS), MAX_RETRY_MS);
        retryTimer = setTimeout(connect, delay);
      };
    };
    connect();
    return () => {
      disposed = true;
      if (retryTimer) clearTimeout(retryTimer);
      source?.close();
    };
  }, [queryClient, workspaceId]);

  return { connected, errors };
}

type SetErrors = (update: (previous: Record<string, string>) => Record<string, string>) => void;

/**
 * OpenCode stores a reply's text only once that text is complete, and streams it meanwhile as
 * deltas. A page that opens (or reloads) in the middle of a reply has missed the first deltas: it
 * must not show the rest as if it were the whole. So deltas go only to parts this page saw begin;
 * any other part keeps what was loaded until its final update (or the refetch when the session
 * goes idle) brings the whole text, from its start.
 */
function applyEvent(queryClient: QueryClient, workspaceId: string, event: AiEvent, setErrors: SetErrors, seenFromStart: Set<string>): void {
  const p = event.properties ?? {};
  switch (event.type) {
    case 'message.updated': {
      const info = p.info as AiMessageInfo | undefined;
      if (info) updateMessages(queryClient, workspaceId, info.sessionID, (messages) => upsertInfo(messages, info));
      return;
    }
    case 'message.part.updated': {
      const part = p.part as AiPart | undefined;
      if (part?.type === 'text') seenFromStart.add(part.id);
      if (part?.type === 'tool') queryClient.setQueryData(aiLastToolStepKey(workspaceId), Date.now());
      if (part) updateMessages(queryClient, workspaceId, part.sessionID, (messages) => upsertPart(messages, part));
      return;
    }
    case 'message.part.delta': {
      const { sessionID, messageID, partID, field, delta } = p as Record<string, string>;
      if (!sessionID || !messageID || !partID || typeof delta !== 'string') return;
      if (!seenFromStart.has(partID)) return;
      updateMessages(queryClient, workspaceId, sessionID, (messages) => appendDelta(messages, messageID, partID, field ?? 'text', delta));
      return;
    }
    case 'message.removed': {
      const { sessionID, messageID } = p as Record<string, string>;
      if (sessionID) updateMessages(queryClient, workspaceId, sessionID, (messages) => messages.filter((m) => m.info.id !== messageID));
      return;
    }
    case 'session.status': {
      const sessionID = p.sessionID as string | undefined;
      const status = p.status as AiStatusMap[string] | undefined;
      if (!sessionID || !status) return;
      queryClient.setQueryData(aiStatusQuery(workspaceId).queryKey, (previous: AiStatusMap | undefined) => {
        const next = { ...previous };
        if (status.type === 'idle') delete next[sessionID];
        else next[sessionID] = status;
        return next;
      });
      // A finished reply is read back whole: the safety net for one this page joined midway.
      if (status.type === 'idle') void queryClient.invalidateQueries({ queryKey: aiMessagesQueryKey(workspaceId, sessionID) });
      if (status.type === 'busy') setErrors((previous) => without(previous, sessionID));
      return;
    }
    case 'session.error': {
      const sessionID = p.sessionID as string | undefined;
      const error = p.error as AiError | undefined;
      if (!sessionID || !error || error.name === 'MessageAbortedError') return;
      setErrors((previous) => ({ ...previous, [sessionID]: aiErrorMessage(error) }));
      return;
    }
    case 'session.created':
    case 'session.updated':
    case 'session.deleted':
      void queryClient.invalidateQueries({ queryKey: aiSessionsQueryKey(workspaceId) });
      return;
  }
}

export function aiErrorMessage(error: AiError): string {
  const message = error.data?.message;
  if (message) return message;
  return error.name ? `The model failed (${error.name}).` : 'The model failed.';
}

function without(map: Record<string, string>, key: string): Record<string, string> {
  if (!(key in map)) return map;
  const next = { ...map };
  delete next[key];
  return next;
}

/** Only sessions whose messages are loaded are kept up to date; the others load fresh when opened. */
function updateMessages(queryClient: QueryClient, workspaceId: string, sessionId: string, update: (messages: AiMessage[]) => AiMessage[]): void {
  queryClient.setQueryData(aiMessagesQueryKey(workspaceId, sessionId), (messages: AiMessage[] | undefined) =>
    messages ? update(messages) : messages,
  );
}

function upsertInfo(messages: AiMessage[], info: AiMessageInfo): AiMessage[] {
  const index = messages.findIndex((m) => m.info.id === info.id);
  if (index === -1) return [...messages, { info, parts: [] }];
  return messages.map((m, i) => (i === index ? { ...m, info } : m));
}

function upsertPart(messages: AiMessage[], part: AiPart): AiMessage[] {
  let found = false;
  const next = messages.map((m) => {
    if (m.info.id !== part.messageID) return m;
    found = true;
    const index = m.parts.findIndex((x) => x.id === part.id);
    const parts = index === -1 ? [...m.parts, part] : m.parts.map((x, i) => (i === index ? part : x));
    return { ...m, parts };
  });
  // A part can arrive before its message's own update: hold it under a placeholder.
  if (!found) {
    next.push({
      info: { id: part.messageID, sessionID: part.sessionID, role: 'assistant', time: { created: Date.now() } },
      parts: [part],
    });
  }
  return next;
}

function appendDelta(messages: AiMessage[], messageID: string, partID: string, field: string, delta: string): AiMessage[] {
  return messages.map((m) => {
    if (m.info.id !== messageID) return m;
    return {
      ...m,
      parts: m.parts.map((part) => {
        if (part.id !== partID) return part;
        const current = (part as Record<string, unknown>)[field];
        return { ...part, [field]: (typeof current === 'string' ? current : '') + delta } as AiPart;
      }),
    };
  });
}
