import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, TestStack } from './harness/testStack.js';

/** The code editor's files API, through the portal, the tunnel and a real sandbox. */
describe('workspace files through the portal', () => {
  let stack: TestStack;
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };
  let audrey: { id: string; token: string };
  let ws: string;

  beforeAll(async () => {
    stack = await TestStack.start();
    alice = await stack.userToken('alice@example.com');
    bob = await stack.userToken('bob@example.com');
    audrey = await stack.userToken('audrey@example.com', 'auditor');
    ws = await stack.runningWorkspace('alice-files', alice.token);
  });
  afterAll(async () => { await stack?.close(); });

  const base = () => `${stack.url}/api/v1/workspaces/${ws}/files`;
  const putFile = (path: string, content: string, token: string, headers: Record<string, string> = {}) =>
    fetch(`${base()}/content?path=${encodeURIComponent(path)}`, {
      method: 'PUT', body: content, headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain; charset=utf-8', ...headers },
    });
  const getFile = (path: string, token: string) => stack.api('GET', `/api/v1/workspaces/${ws}/files/content?path=${encodeURIComponent(path)}`, undefined, token);

  it('writes a file that the terminal then reads, and reads back what the terminal wrote', async () => {
    const put = await putFile('notes/hello.txt', 'Hello from the editor: ' + 6 * 7 + '\n', alice.token);
    expect(put.status).toBe(200);
    const written = await put.json() as { etag: string; path: string };
    expect(written.path).toBe('notes/hello.txt');

    const t = await stack.terminal(ws, alice.token);
    t.type('cat /workspace/notes/hello.txt\n');
    await t.waitFor('Hello from the editor: 42');

    // The AI (here: the shell) writes a file; the editor sees it in the listing and its content.
    t.type('mkdir -p src && printf "const ai = %s;\\n" 7 > src/ai.ts && echo done-writing\n');
    await t.waitFor(/\rdone-writing/);
    const listing = await stack.api('GET', `/api/v1/workspaces/${ws}/files?path=src`, undefined, alice.token);
    expect(listing.status).toBe(200);
    expect(listing.body.entries).toEqual([expect.objectContaining({ name: 'ai.ts', type: 'file' })]);
    const read = await getFile('src/ai.ts', alice.token);
    expect(read.body.content).toBe('const ai = 7;\n');
    expect(read.headers.get('etag')).toBe(read.body.etag);

    // The AI edits the same file after the editor read it: the editor's save is refused, not lost.
    t.type('echo "// changed by the AI" >> src/ai.ts && echo done-appending\n');
    await t.waitFor(/\rdone-appending/);
    const stale = await putFile('src/ai.ts', 'const ai = 8;\n', alice.token, { 'if-match': read.body.etag });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toEqual({ error: { code: 'conflict', message: expect.any(String) } });
    expect((await getFile('src/ai.ts', alice.token)).body.content).toBe('const ai = 7;\n// changed by the AI\n');
    t.close();
  });

  it('confines paths to /workspace through the portal too', async () => {
    expect((await getFile('../home/builder/.bashrc', alice.token)).status).toBe(400);
    expect((await getFile('/etc/passwd', alice.token)).status).toBe(403);
    expect((await putFile('/tmp/x', 'x', alice.token)).status).toBe(403);
    // An empty file is content too (the editor's "New file").
    expect((await putFile('empty.txt', '', alice.token, { 'if-none-match': '*' })).status).toBe(200);
    expect((await getFile('empty.txt', alice.token)).body.content).toBe('');
  });

  it('is 404 for another builder, read-only for an auditor, and read-write for an admin', async () => {
    await putFile('shared.md', '# Alice\n', alice.token);

    for (const [method, path] of [['GET', 'files'], ['GET', 'files/content?path=shared.md'], ['DELETE', 'files?path=shared.md']] as const) {
      const res = await stack.api(method, `/api/v1/workspaces/${ws}/${path}`, undefined, bob.token);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect((await putFile('shared.md', 'bob was here', bob.token)).status).toBe(404);
    expect((await stack.api('POST', `/api/v1/workspaces/${ws}/files/rename`, { from: 'shared.md', to: 'b.md' }, bob.token)).status).toBe(404);

    expect((await getFile('shared.md', audrey.token)).body.content).toBe('# Alice\n');
    expect((await stack.api('GET', `/api/v1/workspaces/${ws}/files`, undefined, audrey.token)).status).toBe(200);
    expect((await putFile('shared.md', 'audited', audrey.token)).status).toBe(403);
    expect((await stack.api('DELETE', `/api/v1/workspaces/${ws}/files?path=shared.md`, undefined, audrey.token)).status).toBe(403);
    expect((await stack.api('POST', `/api/v1/workspaces/${ws}/files/rename`, { from: 'shared.md', to: 'x.md' }, audrey.token)).status).toBe(403);

    expect((await putFile('shared.md', '# Alice\n# Admin\n', ADMIN_TOKEN)).status).toBe(200);
    expect((await stack.api('POST', `/api/v1/workspaces/${ws}/files/rename`, { from: 'shared.md', to: 'docs/shared.md' }, alice.token)).status).toBe(204);
    expect((await getFile('docs/shared.md', alice.token)).body.content).toBe('# Alice\n# Admin\n');
    expect((await stack.api('DELETE', `/api/v1/workspaces/${ws}/files?path=docs`, undefined, alice.token)).status).toBe(204);
    expect((await getFile('docs/shared.md', alice.token)).status).toBe(404);
  });

  it('audits writes with the path and never the content', async () => {
    await putFile('secret-plan.txt', 'the-content-is-never-audited', alice.token);
    const entries = (await stack.api('GET', '/api/v1/audit?limit=200')).body.entries as Array<{ action: string; actorEmail: string; outcome: string; detail: unknown }>;
    const write = entries.find((e) => e.action === 'workspace.file.write' && JSON.stringify(e.detail).includes('secret-plan.txt'));
    expect(write).toMatchObject({ actorEmail: 'alice@example.com', outcome: 'success' });
    expect(entries.some((e) => e.action === 'workspace.file.rename')).toBe(true);
    expect(entries.some((e) => e.action === 'workspace.file.delete')).toBe(true);
    expect(JSON.stringify(entries)).not.toContain('the-content-is-never-audited');
  });

  const rename = (from: string, to: string) => stack.api('POST', `/api/v1/workspaces/${ws}/files/rename`, { from, to }, alice.token);
  const renameAudit = async (to: string) => ((await stack.api('GET', '/api/v1/audit?action=workspace.file.rename&limit=500')).body.entries as Array<{ outcome: string; actorEmail: string; detail: { from: string; to: string } }>)
    .filter((e) => e.detail.to === to);

  it('refuses a rename to a name with NUL or a lone surrogate, and moves nothing', async () => {
    await putFile('a.txt', 'stay here', alice.token);
    for (const to of ['moved-\ud800.txt', 'moved-\udc00.txt', 'moved-\u0000.txt']) {
      const res = await rename('a.txt', to);
      expect(res.status, JSON.stringify(to)).toBe(400);
      expect(res.body).toEqual({ error: { code: 'invalid_input', message: expect.stringContaining('to') } });
    }
    expect((await getFile('a.txt', alice.token)).body.content).toBe('stay here');
    const names = ((await stack.api('GET', `/api/v1/workspaces/${ws}/files`, undefined, alice.token)).body.entries as Array<{ name: string }>).map((e) => e.name);
    expect(names.filter((n) => n.startsWith('moved-'))).toEqual([]);
    expect((await stack.api('GET', '/api/v1/audit/verify')).body).toMatchObject({ ok: true });
  });

  /** Makes the database refuse audit rows of renames to `to` (as a full disk or a lost connection would), for `outcomes`. */
  async function refuseAudit<T>(to: string, outcomes: 'the outcome' | 'the attempt', work: () => Promise<T>): Promise<T> {
    const test = outcomes === 'the attempt' ? sql`new.outcome = 'attempt'` : sql`new.outcome <> 'attempt'`;
    await sql`create function refuse_audit() returns trigger language plpgsql as $$
      begin
        if new.action = 'workspace.file.rename' and new.detail->>'to' = ${sql.lit(to)} and ${test} then
          raise exception 'the audit store refused the row';
        end if;
        return new;
      end $$`.execute(stack.db);
    await sql`create trigger refuse_audit before insert on audit_log for each row execute function refuse_audit()`.execute(stack.db);
    try {
      return await work();
    } finally {
      await sql`drop trigger refuse_audit on audit_log`.execute(stack.db);
      await sql`drop function refuse_audit()`.execute(stack.db);
    }
  }

  it('keeps a change that took effect on the record, and says it happened, even when recording its outcome fails', async () => {
    await putFile('before.txt', 'moved', alice.token);
    const res = await refuseAudit('after.txt', 'the outcome', () => rename('before.txt', 'after.txt'));
    // The file moved: the answer says so, rather than a 500 that hides it.
    expect(res.status).toBe(204);
    expect((await getFile('after.txt', alice.token)).body.content).toBe('moved');
    expect(await renameAudit('after.txt')).toEqual([
      expect.objectContaining({ actorEmail: 'alice@example.com', outcome: 'attempt', detail: { from: 'before.txt', to: 'after.txt' } }),
    ]);
    expect(stack.logs.text).toContain('the audit store refused the row');
    expect((await stack.api('GET', '/api/v1/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('changes nothing when it cannot first record what it is about to do', async () => {
    await putFile('stays.txt', 'put', alice.token);
    const res = await refuseAudit('never.txt', 'the attempt', () => rename('stays.txt', 'never.txt'));
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: { code: 'unavailable', message: expect.stringContaining('nothing was changed') } });
    expect((await getFile('stays.txt', alice.token)).body.content).toBe('put');
    expect((await getFile('never.txt', alice.token)).status).toBe(404);
  });

  it('records the attempt and then the outcome of every change', async () => {
    await putFile('pair.txt', 'x', alice.token);
    expect((await rename('pair.txt', 'paired.txt')).status).toBe(204);
    expect((await rename('no-such-file.txt', 'paired-too.txt')).status).toBe(404);
    expect((await renameAudit('paired.txt')).map((e) => e.outcome)).toEqual(['success', 'attempt']); // newest first
    expect((await renameAudit('paired-too.txt')).map((e) => e.outcome)).toEqual(['failure', 'attempt']);
  });

  it('answers 403 editor_disabled when the blueprint turns the editor off', async () => {
    const starter = await stack.starterId();
    expect((await stack.api('PATCH', `/api/v1/blueprints/${starter}`, { editorEnabled: false })).status).toBe(200);
    try {
      const res = await getFile('notes/hello.txt', alice.token);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('editor_disabled');
      expect((await putFile('x.txt', 'x', alice.token)).status).toBe(403);
    } finally {
      await stack.api('PATCH', `/api/v1/blueprints/${starter}`, { editorEnabled: true });
    }
    expect((await getFile('notes/hello.txt', alice.token)).status).toBe(200);
  });
});
