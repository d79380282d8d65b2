/**
 * The environment that points a workspace's AI tools at the gateway: Claude
 * Code reads ANTHROPIC_*, OpenCode its inline config. Only the virtual key is
 * here; the provider key never is. Neither tool may phone home (there is no
 * network in a workspace; the attempts would only slow them down).
 */
export function llmWorkspaceEnv(input: { baseUrl: string; virtualKey: string; model: string }): Record<string, string> {
  const { baseUrl, virtualKey, model } = input;
  const opencodeModel = model ? { model: `anthropic/${model}`, small_model: `anthropic/${model}` } : {};
  const opencodeConfig = {
    $schema: 'https://opencode.ai/config.json',
    autoupdate: false,
    share: 'disabled',
    ...opencodeModel,
    provider: {
      anthropic: {
        options: { baseURL: `${baseUrl}/v1`, apiKey: virtualKey },
        ...(model ? { models: { [model]: { name: model } } } : {}),
      },
    },
  };
  return {
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_API_KEY: virtualKey,
    ...(model ? { ANTHROPIC_MODEL: model, ANTHROPIC_SMALL_FAST_MODEL: model } : {}),
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    OPENCODE_CONFIG_CONTENT: JSON.stringify(opencodeConfig),
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_MODELS_FETCH: '1',
  };
}
