import * as grpc from '@grpc/grpc-js';
import type pino from 'pino';
import {
  TUNNEL_PROTOCOL,
  TUNNEL_PROTOCOL_VERSION,
  TunnelMetadata,
  formatProtocol,
  loadTunnelProto,
  tunnelCompatibility,
  type TunnelHandlers,
} from '@paddock/protocol/tunnel';
import type { Clock } from '../clock.js';
import type { AgentHub } from './agentHub.js';
import { watchHeartbeats } from './heartbeatWatchdog.js';
import type { Enrollment } from './enrollment.js';
import type { TlsMaterial } from './tlsMaterial.js';

export interface TunnelServerOptions {
  host: string;
  port: number;
  tls: TlsMaterial;
  hub: AgentHub;
  enrollment: Enrollment;
  /** Measures the agents' silences (heartbeatWatchdog.ts). */
  clock: Clock;
  log: pino.Logger;
  /** How often agents send heartbeats; an agent silent for 3 intervals is dropped. */
  heartbeatIntervalMs?: number;
}

const meta = (md: grpc.Metadata, key: string): string => String(md.get(key)[0] ?? '');

const fail = (call: { emit(e: 'error', err: unknown): unknown }, code: grpc.status, details: string) =>
  call.emit('error', { code, details });

/** The gRPC server agents dial into. Returns the bound port and a close function. */
export async function startTunnelServer(opts: TunnelServerOptions): Promise<{ port: number; close(): Promise<void> }> {
  const { hub, enrollment, clock, log } = opts;
  const heartbeatIntervalMs = opts.heartbeatIntervalMs ?? 5_000;
  const server = new grpc.Server({
    'grpc.keepalive_time_ms': 10_000,
    'grpc.keepalive_timeout_ms': 5_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  });

  const authenticate = async (md: grpc.Metadata): Promise<string | null> => {
    const agentId = meta(md, TunnelMetadata.agentId);
    const secret = meta(md, TunnelMetadata.agentSecret);
    if (!agentId || !secret) return null;
    return (await enrollment.authenticate(agentId, secret)) ? agentId : null;
  };

  // Last seen is bookkeeping: a database that refuses it is logged, and the agent stays connected.
  const touch = (agentId: string, version?: string) => {
    enrollment.touch(agentId, version).catch((err: unknown) => log.warn({ err, agentId }, 'recording that the agent was seen failed'));
  };

  const handlers: TunnelHandlers = {
    Enroll: (call, callback) => {
      enrollment.enroll(call.request.token, call.request.name, call.request.version).then((result) => {
        if (!result) return callback({ code: grpc.status.PERMISSION_DENIED, details: 'the enrollment token is unknown, used or expired' });
        log.info({ agentId: result.agentId, name: call.request.name }, 'agent enrolled');
        callback(null, result);
      }, (err: unknown) => {
        log.error({ err }, 'enrollment failed');
        callback({ code: grpc.status.INTERNAL, details: 'enrollment failed' });
      });
    },

    Control: (call) => {
      void (async () => {
        const agentId = await authenticate(call.metadata);
        if (!agentId) return fail(call, grpc.status.UNAUTHENTICATED, 'unknown agent credential');
        let attached = false;
        const watchdog = watchHeartbeats({
          clock, intervalMs: heartbeatIntervalMs,
          onSilent: () => {
            log.warn({ agentId }, 'agent missed its heartbeats; dropping the stream');
            fail(call, grpc.status.DEADLINE_EXCEEDED, 'missed heartbeats');
          },
        });
        const stop = () => watchdog.stop();
        call.on('end', () => { stop(); call.end(); });
        call.on('error', stop);
        call.on('cancelled', stop);
        call.on('close', stop);
        call.on('data', (msg) => {
          watchdog.seen();
          if (!attached) {
            if (!msg.hello) return fail(call, grpc.status.FAILED_PRECONDITION, 'the first message must be hello');
            const protocol = { major: msg.hello.protocolVersion, minor: msg.hello.protocolMinor };
            const compat = tunnelCompatibility(TUNNEL_PROTOCOL, protocol);
            enrollment.recordProtocol(agentId, formatProtocol(protocol), compat.ok ? null : compat.message)
              .catch((err: unknown) => log.error({ err, agentId }, 'recording the agent\'s protocol failed'));
            if (!compat.ok) {
              log.warn({ agentId, agentProtocol: formatProtocol(protocol), agentVersion: msg.hello.agentVersion }, compat.message);
              return fail(call, grpc.status.FAILED_PRECONDITION, compat.message);
            }
            attached = true;
            call.write({ welcome: { agentId, protocolVersion: TUNNEL_PROTOCOL_VERSION, protocolMinor: TUNNEL_PROTOCOL.minor, heartbeatIntervalMs } });
            touch(agentId, msg.hello.agentVersion);
            log.info({ agentId, runtime: msg.hello.runtime, workspaces: msg.hello.workspaces.length }, 'agent connected');
            hub.attach(agentId, call, msg.hello);
            return;
          }
          if (msg.heartbeat) touch(agentId);
          hub.handleMessage(agentId, msg);
        });
      })().catch((err: unknown) => {
        log.error({ err }, 'control stream failed');
        fail(call, grpc.status.INTERNAL, 'internal error');
      });
    },

    Dial: (call) => {
      void (async () => {
        const agentId = await authenticate(call.metadata);
        if (!agentId) return fail(call, grpc.status.UNAUTHENTICATED, 'unknown agent credential');
        if (!hub.acceptDial(agentId, meta(call.metadata, TunnelMetadata.dialId), call)) {
          fail(call, grpc.status.NOT_FOUND, 'no such dial');
        }
      })().catch(() => fail(call, grpc.status.INTERNAL, 'internal error'));
    },
  };

  server.addService(loadTunnelProto().paddock.tunnel.v1.Tunnel.service, handlers as unknown as grpc.UntypedServiceImplementation);
  const credentials = grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(opts.tls.cert), private_key: Buffer.from(opts.tls.key) }], false);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${opts.host}:${opts.port}`, credentials, (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      hub.closeAll();
      server.tryShutdown(() => resolve());
      // Dial streams can stay open (a terminal); don't let them hold shutdown.
      setTimeout(() => { server.forceShutdown(); resolve(); }, 1000).unref();
    }),
  };
}
