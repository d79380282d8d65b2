import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LlmGateway } from '../gateway/llm/llmGateway.js';
import type { RuntimeDriver } from '../runtime/driver.js';
import type { TunnelClient } from '../tunnel/tunnelClient.js';

/**
 * The agent's Prometheus metrics, served on its own metrics address
 * (metricsServer.ts), never through the tunnel. Names follow Prometheus' naming
 * guide; no workspace id labels a series.
 */
export class AgentMetrics {
  readonly registry = new Registry();

  readonly tunnelConnections = new Counter({
    name: 'paddock_agent_tunnel_connections_total',
    help: 'Times the agent connected to the portal: its rate beyond the first is reconnections.',
    registers: [this.registry],
  });

  readonly gatewayRequestDuration = new Histogram({
    name: 'paddock_agent_gateway_request_duration_seconds',
    help: 'Requests workspaces made to the LLM gateway, until their answer ended (streams included), by status code.',
    labelNames: ['status_code'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });

  readonly modelTokens = new Counter({
    name: 'paddock_agent_model_tokens_total',
    help: 'Tokens of model calls through the LLM gateway, by kind (input, output, cache_read, cache_write).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  constructor(parts: { client: TunnelClient; runtime: RuntimeDriver; llmGateway: LlmGateway }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'paddock_agent_' });
    const { client, runtime, llmGateway } = parts;
    client.on('connected', () => this.tunnelConnections.inc());
    llmGateway.on('request', ({ status, seconds }) => this.gatewayRequestDuration.observe({ status_code: String(status) }, seconds));
    llmGateway.on('usage', (r) => {
      this.modelTokens.inc({ kind: 'input' }, r.inputTokens);
      this.modelTokens.inc({ kind: 'output' }, r.outputTokens);
      this.modelTokens.inc({ kind: 'cache_read' }, r.cacheReadTokens);
      this.modelTokens.inc({ kind: 'cache_write' }, r.cacheWriteTokens);
    });
    new Gauge({
      name: 'paddock_agent_tunnel_connected',
      help: '1 while the agent is connected to the portal.',
      registers: [this.registry],
      collect() { this.set(client.connected ? 1 : 0); },
    });
    new Gauge({
      name: 'paddock_agent_workspaces',
      help: 'Workspaces on this agent, by the state its runtime sees.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const listed = await runtime.list();
        this.reset();
        const counts = new Map<string, number>();
        for (const w of listed) counts.set(w.state, (counts.get(w.state) ?? 0) + 1);
        for (const [state, n] of counts) this.set({ state }, n);
      },
    });
  }
}
