#!/usr/bin/env node
import { dirname, join } from 'node:path';
import { DAEMON_BOOT_FILE, DAEMON_SOCKET_NAME } from '@paddock/protocol';
import { readBootFile } from './boot/applyBoot.js';
import { createDaemon } from './createDaemon.js';
import { startLlmForwarder, startSocketForwarder } from './llm/llmForwarder.js';
import { seedOpencodeConfigDir } from './opencode/opencodeConfigDir.js';
import { OPENCODE_SERVER_PORT, startOpenCodeServer } from './opencode/opencodeServer.js';

const socketPath = process.env.PADDOCK_DAEMON_SOCKET ?? `/run/paddock/${DAEMON_SOCKET_NAME}`;
const workspaceDir = process.env.PADDOCK_WORKSPACE_DIR ?? '/workspace';

// The workspace's only route to a model: loopback here, the agent's gateway socket there.
// Started before the daemon answers, so a workspace reported running already reaches its model.
const llmSocket = process.env.PADDOCK_LLM_SOCKET;
const llmPort = Number(process.env.PADDOCK_LLM_PORT);
if (llmSocket && Number.isInteger(llmPort) && llmPort > 0) {
  await startLlmForwarder({ port: llmPort, socketPath: llmSocket });
  process.stderr.write(`workspaced: model gateway on 127.0.0.1:${llmPort}\n`);
}

// The workspace's only route to the network: HTTP(S)_PROXY points here, the agent's egress proxy is there.
const egressSocket = process.env.PADDOCK_EGRESS_SOCKET;
const egressPort = Number(process.env.PADDOCK_EGRESS_PORT);
if (egressSocket && Number.isInteger(egressPort) && egressPort > 0) {
  const body = 'the egress proxy is not reachable right now (the runtime agent may be restarting); try again shortly\n';
  await startSocketForwarder({
    port: egressPort, socketPath: egressSocket,
    unavailable: `HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nretry-after: 2\r\nconnection: close\r\n\r\n${body}`,
  });
  process.stderr.write(`workspaced: egress proxy on 127.0.0.1:${egressPort}\n`);
}

// The AI chat's backend (OpenCode's HTTP API on 127.0.0.1:4096), supervised; only when a model route exists.
try {
  seedOpencodeConfigDir(process.env.HOME);
} catch (err) {
  process.stderr.write(`workspaced: seeding OpenCode's config directory failed: ${(err as Error).message}\n`);
}
const opencode = startOpenCodeServer({ workspaceDir });
// The blueprint's setup (AGENTS.md, the tabs' sessions), written by the agent beside the socket.
const boot = readBootFile(join(dirname(socketPath), DAEMON_BOOT_FILE));
const daemon = await createDaemon({
  socketPath, workspaceDir, servicePorts: {
    opencode: OPENCODE_SERVER_PORT,
    ...(llmSocket && llmPort > 0 ? { llmGateway: llmPort } : {}),
    ...(egressSocket && egressPort > 0 ? { egressProxy: egressPort } : {}),
  }, ...(boot ? { boot } : {}),
});
// No terminal bytes are ever logged; only lifecycle lines.
process.stderr.write(`workspaced: listening on ${socketPath}\n`);
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`workspaced: ${signal}, shutting down\n`);
  opencode?.stop();
  await daemon.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
