import { describe, expect, it } from 'vitest';
import { heldOutcomeWords, killSwitchScopeWords, killSwitchWords, matchForClass, outcomeWords, waitingWords } from './governanceWords';

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

  it('tells the builder in plain words what waits, what stopped the agents and why, and what was refused', () => {
    expect(waitingWords('git push --force to origin/main')).toBe('Waiting for an admin to approve: git push --force to origin/main');
    expect(killSwitchWords('runaway agent drill')).toBe('Agents are stopped by an admin: runaway agent drill');
    expect(killSwitchWords(undefined)).toBe('Agents are stopped by an admin.');
    expect(killSwitchScopeWords('org')).toMatch(/every workspace in the organisation/);
    expect(killSwitchScopeWords('blueprint')).toMatch(/this workspace's blueprint/);
    expect(heldOutcomeWords({ state: 'denied', summary: 'dropdb prod' })).toBe('An admin denied: dropdb prod');
    expect(heldOutcomeWords({ state: 'expired', summary: 'dropdb prod' })).toBe('No admin decided in time, so it was denied: dropdb prod');
  });
});
