import { queryOptions } from '@tanstack/react-query';
import type { AiModel } from '@paddock/protocol';
import { api, isApiError } from './client';

/**
 * The AI chat: OpenCode's sessions and messages in a workspace, through the
 * portal's allow-listed proxy (/api/v1/workspaces/:id/ai/...). The shapes are
 * OpenCode's; only the fields the chat reads are typed here.
 */

export interface AiSession {
  id: string;
  title: string;
  time: { created: number; updated: number };
}

export interface AiError {
  name: string;
  data?: { message?: string };
}

export interface AiMessageInfo {
  id: string;
  sessionID: string;
  role: 'user' | 'assistant';
  time: { created: number; completed?: number };
  modelID?: string;
  error?: AiError;
}

export type AiToolState =
  | { status: 'pending'; input?: Record<string, unknown> }
  | { status: 'running'; input: Record<string, unknown>; title?: string }
  | { status: 'completed'; input: Record<string, unknown>; output?: string; title?: string }
  | { status: 'error'; input: Record<string, unknown>; error?: string };

export type AiPart =
  | { id: string; messageID: string; sessionID: string; type: 'text'; text: string; synthetic?: boolean }
  | { id: string; messageID: string; sessionID: string; type: 'tool'; tool: string; callID: string; state: AiToolState }
  | { id: string; messageID: string; sessionID: string; type: 'patch'; files: string[] }
  | { id: string; messageID: string; sessionID: string; type: string; [key: string]: unknown };

export interface AiMessage {
  info: AiMessageInfo;
  parts: AiPart[];
}

/** Per session id; a session missing from the map is idle. */
export type AiStatusMap = Record<string, { type: 'busy' | 'idle' | 'retry'; attempt?: number; message?: string }>;

/** One event from OpenCode's stream, as relayed by the portal. */
export interface AiEvent {
  type: string;
  properties: Record<string, unknown>;
}

const base = (workspaceId: string) => `/api/v1/workspaces/${encodeURIComponent(workspaceId)}/ai`;

export const aiQueryKey = (workspaceId: string) => ['ai', workspaceId] as const;
export const aiSessionsQueryKey = (workspaceId: string) => [...aiQueryKey(workspaceId), 'sessions'] as const;
/** When the AI last took a step with a tool (ms): the preview follows a port that starts listening after one. */
export const aiLastToolStepKey = (workspaceId: string) => [...aiQueryKey(workspaceId), 'last-tool-step'] as const;
export const aiMessagesQueryKey = (workspaceId: string, sessionId: string) =>
  [...aiQueryKey(workspaceId), 'messages', sessionId] as const;

/** OpenCode takes a few seconds to start with its workspace: keep asking while it is not up yet. */
function retryWhileStarting(failureCount: number, error: unknown): boolean {
  if (isApiError(error) && [502, 503, 504, 0].includes(error.status)) return failureCount < 40;
  return failureCount < 1;
}
const retryDelay = (attempt: number) => Math.min(500 * 2 ** attempt, 3_000);

export function aiModelQuery(workspaceId: string) {
  return queryOptions({
    queryKey: [...aiQueryKey(workspaceId), 'model'] as const,
    queryFn: ({ signal }) => api.get<AiModel>(`${base(workspaceId)}/model`, signal),
    retry: retryWhileStarting,
    retryDelay,
    staleTime: 60_000,
  });
}

export function aiSessionsQuery(workspaceId: string) {
  return queryOptions({
    queryKey: aiSessionsQueryKey(workspaceId),
    queryFn: async ({ signal }) => {
      const { sessions } = await api.get<{ sessions: AiSession[] }>(`${base(workspaceId)}/sessions`, signal);
      return [...sessions].sort((a, b) => b.time.updated - a.time.updated);
    },
    retry: retryWhileStarting,
    retryDelay,
  });
}

export function aiMessagesQuery(workspaceId: string, sessionId: string) {
  return queryOptions({
    queryKey: aiMessagesQueryKey(workspaceId, sessionId),
    queryFn: async ({ signal }) => {
      const { messages } = await api.get<{ messages: AiMessage[] }>(
        `${base(workspaceId)}/sessions/${encodeURIComponent(sessionId)}/messages`,
        signal,
      );
      return messages;
    },
    retry: retryWhileStarting,
    retryDelay,
  });
}

export function aiStatusQuery(workspaceId: string) {
  return queryOptions({
    queryKey: [...aiQueryKey(workspaceId), 'status'] as const,
    queryFn: ({ signal }) => api.get<AiStatusMap>(`${base(workspaceId)}/status`, signal),
    retry: retryWhileStarting,
    retryDelay,
  });
}

export const createAiSession = (workspaceId: string) => api.post<AiSession>(`${base(workspaceId)}/sessions`, {});

export const sendAiPrompt = (workspaceId: string, sessionId: string, text: string) =>
  api.post<{ accepted: true }>(`${base(workspaceId)}/sessions/${encodeURIComponent(sessionId)}/prompt`, { text });

export const abortAiSession = (workspaceId: string, sessionId: string) =>
  api.post<{ aborted: true }>(`${base(workspaceId)}/sessions/${encodeURIComponent(sessionId)}/abort`);

export const aiEventsUrl = (workspaceId: string) => `${base(workspaceId)}/events`;
