import { describe, expect, it } from 'vitest';
import { healthShareWords, heldOutcomeWords, killSwitchScopeWords, killSwitchWords, matchForClass, outcomeWords, waitingWords } from './governanceWords';

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

  it('says the governance health share, rounded down, and when nothing runs', () => {
    expect(healthShareWords({ runningWorkspaces: 0, healthy: 0, share: null })).toBe('No workspace runs');
    expect(healthShareWords({ runningWorkspaces: 3, healthy: 3, share: 1 })).toBe('3 of 3 healthy (100%)');
    expect(healthShareWords({ runningWorkspaces: 200, healthy: 199, share: 0.995 })).toBe('199 of 200 healthy (99%)');
    expect(healthShareWords({ runningWorkspaces: 3, healthy: 0, share: 0 })).toBe('0 of 3 healthy (0%)');
  });
});
