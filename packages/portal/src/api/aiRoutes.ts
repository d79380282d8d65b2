import { z } from 'zod';
import { aiAbortedSchema, aiCreateSessionRequestSchema, aiPromptAcceptedSchema, aiModelSchema, aiPromptRequestSchema, aiSessionIdSchema, isDemoModel } from '@paddock/protocol';
import type { UserActor } from '../auth/actor.js';
import type { WorkspaceAction } from '../authz/policy.js';
import type { PortalServices } from '../services.js';
import { parseInput } from './parse.js';
import { route } from './route.js';
import { openEventStream } from './eventStream.js';

const base = '/api/v1/workspaces/:id/ai';
const passThrough = z.unknown();

/**
 * The AI chat: our UI's allow-list over OpenCode's server API in the workspace
 * (sessions, messages, prompt, abort, status, events), and nothing else of it:
 * no config writes, no shell, no file or PTY endpoints, no provider or model
 * switching. Owners and admins; auditors read (GET) only.
 *
 * Bodies and the session id are checked inside each handler, after the
 * workspace is: someone else's workspace is a 404 whatever they send.
 */
async function reach(services: PortalServices, actor: UserActor, workspaceId: string, sessionId?: string, action: WorkspaceAction = 'read') {
  const proxy = services.openCode;
  const workspace = await proxy.workspace(actor, workspaceId, action);
  const session = sessionId === undefined ? '' : parseInput(aiSessionIdSchema, sessionId, 'AI session id');
  return { proxy, workspace, session };
}

export const aiRoutes = [
  route({
    method: 'GET', url: `${base}/model`, access: 'user', response: aiModelSchema,
    summary: 'Which model the workspace\'s AI chat uses (and whether it is the scripted demo model)',
    handler: async ({ actor, params, services }) => {
      const { proxy } = await reach(services, actor, params.id);
      // Only the model name leaves: the config also holds the workspace's virtual key.
      const config = (await proxy.json(params.id, { method: 'GET', path: '/config' })) as { model?: unknown } | null;
      const model = typeof config?.model === 'string' ? config.model : null;
      return { model, demo: isDemoModel(model) };
    },
  }),
  route({
    method: 'GET', url: `${base}/sessions`, access: 'user', response: passThrough,
    summary: 'The AI chat sessions in the workspace (OpenCode sessions)',
    handler: async ({ actor, params, services }) => {
      const { proxy } = await reach(services, actor, params.id);
      return { sessions: await proxy.json(params.id, { method: 'GET', path: '/session' }) };
    },
  }),
  route({
    method: 'POST', url: `${base}/sessions`, access: 'user', status: 201, response: passThrough,
    summary: 'Start a new AI chat session (body: {title?})',
    handler: async ({ actor, params, req, services }) => {
      const { proxy } = await reach(services, actor, params.id, undefined, 'operate');
      const body = parseInput(aiCreateSessionRequestSchema, req.body, 'request body');
      return proxy.json(params.id, { method: 'POST', path: '/session', body: body.title ? { title: body.title } : {} });
    },
  }),
  route({
    method: 'GET', url: `${base}/status`, access: 'user', response: passThrough,
    summary: 'Which AI sessions are busy (OpenCode session status by session id)',
    handler: async ({ actor, params, services }) => {
      const { proxy } = await reach(services, actor, params.id);
      return proxy.json(params.id, { method: 'GET', path: '/session/status' });
    },
  }),
  route({
    method: 'GET', url: `${base}/sessions/:sessionId/messages`, access: 'user', response: passThrough,
    summary: 'The messages of an AI chat session, with their parts (text, tool calls)',
    handler: async ({ actor, params, services }) => {
      const { proxy, session } = await reach(services, actor, params.id, params.sessionId);
      return { messages: await proxy.json(params.id, { method: 'GET', path: `/session/${session}/message` }) };
    },
  }),
  route({
    method: 'POST', url: `${base}/sessions/:sessionId/prompt`, access: 'user', response: aiPromptAcceptedSchema, status: 202,
    summary: 'Send a message (body: {text}); the reply arrives on the event stream',
    handler: async ({ actor, params, req, services }) => {
      const { proxy, session, workspace } = await reach(services, actor, params.id, params.sessionId, 'operate');
      const body = parseInput(aiPromptRequestSchema, req.body, 'request body');
      // Text only: the model, agent and tools are the workspace's, not the caller's to pick.
      await proxy.json(params.id, { method: 'POST', path: `/session/${session}/prompt_async`, body: { parts: [{ type: 'text', text: body.text }] } });
      // The conversation itself is never stored here: the record says that a prompt was sent, not what.
      await services.activity.record(actor, workspace, 'workspace.ai.prompt', { session });
      return { accepted: true };
    },
  }),
  route({
    method: 'POST', url: `${base}/sessions/:sessionId/abort`, access: 'user', response: aiAbortedSchema,
    summary: 'Stop the AI\'s current work in a session',
    handler: async ({ actor, params, services }) => {
      const { proxy, session } = await reach(services, actor, params.id, params.sessionId, 'operate');
      await proxy.json(params.id, { method: 'POST', path: `/session/${session}/abort` });
      return { aborted: true };
    },
  }),
  route({
    method: 'GET', url: `${base}/events`, access: 'user', response: 'event-stream',
    summary: 'Server-sent events from the workspace\'s AI (OpenCode\'s event stream), relayed unbuffered',
    handler: async ({ actor, params, req, reply, services }) => {
      const { proxy } = await reach(services, actor, params.id);
      const upstream = await proxy.stream(params.id, { method: 'GET', path: '/event' });
      const res = openEventStream(reply);
      // pipe() pauses the tunnel stream while the browser is slow: backpressure, not a growing buffer.
      upstream.pipe(res);
      const live = services.connections.add({ kind: 'chat', userId: actor.user.id, workspaceId: params.id, ip: req.ip, detail: 'AI chat', end: () => done() });
      const done = () => { live.remove(); upstream.destroy(); res.end(); };
      upstream.once('end', done);
      upstream.once('error', done);
      req.raw.once('close', done);
      res.once('close', done);
    },
  }),
];
