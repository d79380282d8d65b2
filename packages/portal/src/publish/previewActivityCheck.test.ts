import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultGovernancePolicy, type GovernanceAction, type GovernanceEventReport } from '@paddock/protocol';
import { recordedAction, summaryOf } from '@paddock/protocol/governance';
import { AuditLog } from '../audit/auditLog.js';
import { BOOTSTRAP, type UserActor } from '../auth/actor.js';
import { Identity } from '../auth/identity.js';
import { BlueprintAccessControl } from '../blueprints/blueprintAccess.js';
import { Blueprints } from '../blueprints/blueprints.js';
import { FakeClock } from '../clock.js';
import { InProcessEventBus } from '../events/eventBus.js';
import { GovernanceEvents } from '../governance/governanceEvents.js';
import { GovernancePolicies } from '../governance/governancePolicies.js';
import { PortalMetrics } from '../metrics/portalMetrics.js';
import { BlueprintSecrets } from '../secrets/blueprintSecrets.js';
import { MasterKeyRing } from '../secrets/masterKeys.js';
import { Secrets } from '../secrets/secrets.js';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase.js';
import { Workspaces } from '../workspaces/workspaces.js';
import { previewActivityCheck } from './previewActivityCheck.js';

const AGENT = 'agent-preview';

/**
 * The preview-activity check reads what governance recorded of a workspace: events
 * go in the way an agent's reports do (GovernanceEvents.record), credentials the way
 * an admin puts them (BlueprintSecrets), on a real database.
 */
describe('the preview-activity check', () => {
  let t: TestDatabase;
  const clock = new FakeClock(new Date('2026-12-03T09:00:00Z'));
  let admin: UserActor;
  let blueprintId: string;
  let workspaces: Workspaces;
  let blueprints: Blueprints;
  let governanceEvents: GovernanceEvents;
  let governancePolicies: GovernancePolicies;
  const secretValue = `dst_${randomBytes(12).toString('hex')}`;

  const check = (workspaceId: string) => previewActivityCheck({ db: t.db, governancePolicies }, workspaceId);
  const runningWorkspace = async (inBlueprint = blueprintId) => {
    const w = await workspaces.create(admin, { blueprintId: inBlueprint, name: `w-${randomBytes(3).toString('hex')}` });
    await t.db.updateTable('workspaces').set({ state: 'running', agent_id: AGENT }).where('id', '=', w.id).execute();
    return w.id;
  };
  /** An event as the agent's decider reports it: summary and recorded action made the agent's way. */
  const event = (workspaceId: string, action: GovernanceAction, decision: Partial<GovernanceEventReport> = {}): GovernanceEventReport => ({
    workspaceId, at: clock.now().toISOString(), point: action.class === 'http_request' ? 'proxy' : 'hook', class: action.class,
    summary: summaryOf(action), verdict: 'allow', enforced: true, action: recordedAction(action), ...decision,
  });
  const get = (domain: string, path = '/'): GovernanceAction => ({ class: 'http_request', domain, method: 'GET', path });
  const bash = (command: string): GovernanceAction => ({ class: 'bash_command', command });
  const record = async (reports: GovernanceEventReport[]) => expect(await governanceEvents.record(AGENT, reports)).toBe(reports.length);

  beforeAll(async () => {
    t = await openTestDatabase();
    const audit = new AuditLog(t.db, clock);
    const access = new BlueprintAccessControl(t.db, clock, audit);
    const identity = new Identity(t.db, clock, audit);
    const user = await identity.createUser({ email: 'ada@example.com', name: 'Ada', role: 'admin', password: 'a-long-enough-password' }, BOOTSTRAP);
    admin = (await identity.actorById(user.id))!;
    blueprints = new Blueprints(t.db, clock, audit, access);
    blueprintId = (await blueprints.create({ name: 'Data app', description: '' }, BOOTSTRAP)).id;
    const events = new InProcessEventBus(pino({ level: 'silent' }));
    workspaces = new Workspaces(t.db, clock, audit, events, access);
    governanceEvents = new GovernanceEvents({ db: t.db, clock, events, metrics: new PortalMetrics() });
    governancePolicies = new GovernancePolicies({ db: t.db, clock, audit, events }, () => ['registry.npmjs.org']);
    const secrets = new Secrets(t.db, new MasterKeyRing({ envKey: randomBytes(32).toString('base64'), keyFile: '/nonexistent' }), clock);
    const blueprintSecrets = new BlueprintSecrets(t.db, secrets, audit);
    await blueprintSecrets.put(blueprintId, 'DATA_SOURCE_TOKEN', secretValue, admin);
    await blueprintSecrets.put(blueprintId, 'UNUSED_KEY', 'never-named-anywhere', admin);
    await t.db.insertInto('agents').values({ id: AGENT, name: AGENT, secret_hash: 'x', version: 'test', created_at: clock.now(), last_seen_at: null }).execute();
  });
  afterAll(async () => { await t?.close(); });

  it('passes a workspace that reached nothing and read no credential', async () => {
    const id = await runningWorkspace();
    await record([event(id, bash('npm run dev')), event(id, { class: 'file_write', path: '/workspace/src/App.tsx' })]);
    expect(await check(id)).toEqual({ name: 'preview-activity', status: 'passed', findings: [] });
  });

  it('warns with the credentials named and the domains reached, by name and host only, with their counts', async () => {
    const id = await runningWorkspace();
    const elsewhere = await runningWorkspace();
    await record([
      event(id, bash(`curl -H "Authorization: Bearer $DATA_SOURCE_TOKEN" 'https://ada:pw@api.example.com/v1/rows?token=${secretValue}'`)),
      // The same command from the gateway (the model's tool call) and the hook: one command.
      { ...event(id, bash(`node -e 'console.log(process.env.DATA_SOURCE_TOKEN.length)'`)), point: 'gateway' },
      event(id, bash(`node -e 'console.log(process.env.DATA_SOURCE_TOKEN.length)'`)),
      // A longer name holding the credential's is not it.
      event(id, bash('echo $DATA_SOURCE_TOKEN_URL')),
      event(id, bash('printenv | sort')),
      event(id, bash('set -e; env FOO=1 node build.js')),
      ...Array.from({ length: 10 }, () => event(id, get('api.example.com', '/v1/rows?token=abc'))),
      ...Array.from({ length: 2 }, () => event(id, get('api.example.com', '/admin'), { verdict: 'deny', enforced: true, ruleId: 'no-admin' })),
      ...Array.from({ length: 3 }, () => event(id, get('registry.npmjs.org', '/react'), { ruleId: 'default-registry-1' })),
      event(id, get('upload.example.net', '/'), { verdict: 'deny', enforced: false }),
      // The AI's WebFetch as its hook saw it: the proxy's event for the same request is the one counted.
      { ...event(id, get('api.example.com', '/v1/rows')), point: 'hook' },
      event(id, { class: 'http_request', domain: 'upload.example.net', method: 'POST', path: '/drop' }, {
        verdict: 'deny', enforced: false, filter: { filter: 'exfiltration', rule: 'workspace-credential-base64', masked: 'ZHN0***' },
      }),
      event(id, { class: 'llm_call', model: 'claude' }, { filter: { filter: 'exfiltration', rule: 'workspace-credential', masked: 'dst_***' } }),
      // Another workspace's events are its own.
      event(elsewhere, bash('echo $UNUSED_KEY')),
      event(elsewhere, get('other.example.org')),
    ]);

    const result = await check(id);
    expect(result.status).toBe('warning');
    expect(result.findings).toEqual([
      { kind: 'credential', name: 'DATA_SOURCE_TOKEN', commands: 2 },
      { kind: 'environment', commands: 1 },
      { kind: 'credential-sent', to: 'the model', requests: 1 },
      { kind: 'credential-sent', to: 'upload.example.net', requests: 1 },
      { kind: 'domain', domain: 'api.example.com', requests: 12, denied: 2, held: 0, monitored: 0, byRule: false },
      { kind: 'domain', domain: 'registry.npmjs.org', requests: 3, denied: 0, held: 0, monitored: 0, byRule: true },
      { kind: 'domain', domain: 'upload.example.net', requests: 2, denied: 0, held: 0, monitored: 2, byRule: false },
    ]);
    const text = JSON.stringify(result);
    for (const leaked of [secretValue, 'token=', 'ada:pw', '/v1/rows', 'never-named-anywhere', 'UNUSED_KEY', 'other.example.org']) {
      expect(text.includes(leaked), `the check's answer holds ${leaked}`).toBe(false);
    }
  });

  it('passes a workspace whose only reaches an admin rule allowed, listing them', async () => {
    const id = await runningWorkspace();
    await record([
      event(id, get('registry.npmjs.org', '/vite'), { ruleId: 'default-registry-1' }),
      event(id, get('registry.npmjs.org', '/react'), { ruleId: 'default-registry-1' }),
    ]);
    expect(await check(id)).toEqual({
      name: 'preview-activity', status: 'passed',
      findings: [{ kind: 'domain', domain: 'registry.npmjs.org', requests: 2, denied: 0, held: 0, monitored: 0, byRule: true }],
    });
    // Allowed by the class's default, not by a rule: no admin chose that domain.
    await record([event(id, get('cdn.example.com'))]);
    expect((await check(id)).status).toBe('warning');
  });

  it('passes with a finding saying nothing was recorded where governance is off', async () => {
    const offId = (await blueprints.create({ name: 'Ungoverned', description: '' }, BOOTSTRAP)).id;
    await governancePolicies.putOverride(offId, { mode: 'off' }, admin);
    const id = await runningWorkspace(offId);
    expect(await check(id)).toEqual({
      name: 'preview-activity', status: 'passed',
      findings: [{ kind: 'governance-off', message: expect.stringMatching(/Governance is off for this workspace/) }],
    });
    // The org's policy, on, is what the other blueprint's workspaces get.
    expect((await governancePolicies.org()).mode).toBe(defaultGovernancePolicy([]).mode);
    expect((await check(await runningWorkspace())).findings).toEqual([]);
  });

  it('knows no workspace it cannot find', async () => {
    await expect(check('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ status: 404 });
  });
});
