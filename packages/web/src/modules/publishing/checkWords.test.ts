import { describe, expect, it } from 'vitest';
import { checkName, findingText } from './checkWords';

describe('publish check words', () => {
  it('names the preview-activity check in plain words', () => {
    expect(checkName('preview-activity')).toBe('What the app touched in preview');
    expect(checkName('secret-scan')).toBe('Secret scan');
  });

  it('says which credentials were read and which domains reached, with their counts', () => {
    expect(findingText({ kind: 'credential', name: 'DATA_SOURCE_TOKEN', commands: 1 })).toBe('Read credential DATA_SOURCE_TOKEN (named in 1 command)');
    expect(findingText({ kind: 'domain', domain: 'api.example.com', requests: 12, denied: 2, held: 0, monitored: 0, byRule: false }))
      .toBe('Reached api.example.com (12 requests, 2 denied)');
    expect(findingText({ kind: 'domain', domain: 'registry.npmjs.org', requests: 3, denied: 0, held: 0, monitored: 0, byRule: true }))
      .toBe('Reached registry.npmjs.org (3 requests, allowed by a policy rule)');
    expect(findingText({ kind: 'domain', domain: 'evil.example.net', requests: 2, denied: 2, held: 0, monitored: 0, byRule: false }))
      .toBe('Tried to reach evil.example.net (2 requests, 2 denied)');
    expect(findingText({ kind: 'domain', domain: 'cdn.example.com', requests: 1, denied: 0, held: 0, monitored: 1, byRule: false }))
      .toBe('Reached cdn.example.com (1 request, 1 let through by monitor mode)');
    expect(findingText({ kind: 'credential-sent', to: 'the model', requests: 2 })).toBe("Sent a credential's value to the model (2 times)");
    expect(findingText({ kind: 'environment', commands: 1 })).toBe('Printed the whole environment, every credential with it (1 command)');
    expect(findingText({ kind: 'governance-off', message: 'Governance is off for this workspace' })).toBe('Governance is off for this workspace');
  });

  it('still reads the other checks\' findings', () => {
    expect(findingText({ file: 'src/config.js', line: 2, rule: 'aws', match: 'AKIA***' })).toBe('src/config.js:2 aws AKIA***');
  });
});
