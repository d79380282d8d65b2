/**
 * Where a workspace's model calls go: what the portal's reconciler builds from the
 * blueprint (its provider, else the portal's default) and sends in WorkspaceSpec.llm,
 * and what the agent's gateway serves the workspace with. The key never enters the
 * workspace: the gateway holds it and hands the sandbox a virtual key.
 */
export interface LlmRoute {
  /**
   * The upstream's base URL: Anthropic-compatible (https://api.anthropic.com), or for
   * format 'openai' one that Chat Completions hang under (https://api.openai.com/v1).
   */
  upstreamBaseUrl: string;
  /** The real provider key; it stays in the agent. */
  upstreamApiKey: string;
  /** The model the workspace's tools should ask for ('' for their default). */
  model: string;
  /** How the upstream speaks: the Messages API (default), or Chat Completions, which the gateway translates both ways. */
  upstreamFormat?: LlmUpstreamFormat;
  /**
   * Set when a monthly budget with action "block" is used up (the portal decides, the gateway
   * enforces): every model call is answered with this message, in plain words, and reaches no model.
   */
  refusal?: string;
}

export type LlmUpstreamFormat = 'anthropic' | 'openai';
