import { describe, expect, it } from 'vitest';
import type { EffectivePolicy } from '@paddock/protocol';
import { opencodePermission } from './opencodeManagedConfig.js';

const policy = (over: Partial<EffectivePolicy> = {}): EffectivePolicy => ({
  mode: 'enforce',
  defaults: { llm_call: 'allow', bash_command: 'allow', file_write: 'allow', git_push: 'ask', http_request: 'deny' },
  rules: [], contentFilters: { secrets: true, privateKeys: true, exfiltration: true }, killSwitch: { engaged: false }, holdTimeoutSeconds: 300,
  ...over,
});

describe("OpenCode's permission config from the policy", () => {
  it('denies in OpenCode itself what enforce denies outright, and leaves the rest to the plugin', () => {
    expect(opencodePermission(policy())).toEqual({ bash: 'allow', edit: 'allow', webfetch: 'deny' });
    // One rule that lets a domain through: the plugin asks about each fetch.
    expect(opencodePermission(policy({ rules: [{ class: 'http_request', match: { domain: 'registry.npmjs.org' }, verdict: 'allow' }] })))
      .toEqual({ bash: 'allow', edit: 'allow', webfetch: 'allow' });
    expect(opencodePermission(policy({ killSwitch: { engaged: true, reason: 'incident' } }))).toEqual({ bash: 'deny', edit: 'deny', webfetch: 'deny' });
  });

  it('says nothing where nothing is enforced', () => {
    expect(opencodePermission(undefined)).toBeUndefined();
    expect(opencodePermission(policy({ mode: 'monitor' }))).toBeUndefined();
    expect(opencodePermission(policy({ mode: 'off', killSwitch: { engaged: true } }))).toBeUndefined();
  });
});
