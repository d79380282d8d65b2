import { describe, expect, it } from 'vitest';
import { matchForClass, outcomeWords } from './governanceWords';

describe('governance words', () => {
  it('says what monitor mode would have done, not that it was done', () => {
    expect(outcomeWords('deny', true).text).toBe('Denied');
    expect(outcomeWords('deny', false).text).toBe('Would deny');
    expect(outcomeWords('ask', true).text).toBe('Held for approval');
    expect(outcomeWords('ask', false).text).toBe('Would ask');
    expect(outcomeWords('allow', false).text).toBe('Allowed');
  });

  it("keeps only the match keys a rule's class has, and no empty text", () => {
    const match = { command: 'rm -rf /', domain: ' ', path: '/api/**', method: 'POST', force: true };
    expect(matchForClass('http_request', match)).toEqual({ path: '/api/**', method: 'POST' });
    expect(matchForClass('bash_command', match)).toEqual({ command: 'rm -rf /' });
    expect(matchForClass('git_push', { ...match, delete: false })).toEqual({ force: true, delete: false });
    expect(matchForClass('llm_call', match)).toEqual({});
  });
});
