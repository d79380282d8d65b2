import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '@paddock/protocol';
import { SCIM_ACTOR } from '@paddock/portal';
import { testEngine, verifyAuditChainAsAuditor } from '@paddock/portal/testing';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN, TestStack } from './harness/testStack.js';

/**
 * SCIM 2.0 conformance, written from RFC 7643 (schema) and RFC 7644 (protocol),
 * against the whole stack: a real portal, database and agent with sandboxes.
 */
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PADDOCK_USER = 'urn:ietf:params:scim:schemas:extension:paddock:2.0:User';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe('SCIM 2.0', () => {
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    stack = await TestStack.start();
    const res = await stack.api('POST', '/api/v1/admin/scim-tokens');
    expect(res.status).toBe(201);
    token = res.body.token;
  });
  afterAll(async () => { await stack?.close(); });

  async function scim(method: string, path: string, body?: unknown, options: { auth?: string | null; headers?: Record<string, string>; contentType?: string } = {}) {
    const headers: Record<string, string> = { accept: 'application/scim+json', ...options.headers };
    const auth = options.auth === undefined ? token : options.auth;
    if (auth !== null) headers.authorization = `Bearer ${auth}`;
    if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/scim+json';
    const res = await fetch(`${stack.url}/scim/v2${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  }

  const patch = (path: string, ops: unknown[], headers?: Record<string, string>) =>
    scim('PATCH', path, { schemas: [PATCH], Operations: ops }, headers ? { headers } : {});

  const expectError = (res: { status: number; body: any; headers: Headers }, status: number, scimType?: string) => {
    expect(res.status).toBe(status);
    // RFC 7644 §3.12: the error body, with status as a string and scimType for 400/409.
    expect(res.body.schemas).toEqual([ERROR]);
    expect(res.body.status).toBe(String(status));
    expect(typeof res.body.detail).toBe('string');
    if (scimType) expect(res.body.scimType).toBe(scimType);
    expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
  };

  let seq = 0;
  const newUser = async (extra: Record<string, unknown> = {}) => {
    seq++;
    const res = await scim('POST', '/Users', { schemas: [USER], userName: `user${seq}@corp.example`, name: { givenName: 'User', familyName: `N${seq}` }, ...extra });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; userName: string; meta: { version: string; location: string } };
  };

  describe('the SCIM token', () => {
    it('is shown once, replaces the previous one, and is stored encrypted', async () => {
      const before = await scim('GET', '/ServiceProviderConfig');
      expect(before.status).toBe(200);
      const next = await stack.api('POST', '/api/v1/admin/scim-tokens');
      expect(next.status).toBe(201);
      expect(next.body).toEqual({ token: expect.stringMatching(/^pdscim_/) });
      expectError(await scim('GET', '/ServiceProviderConfig'), 401); // the old one stopped working
      token = next.body.token;
      expect((await scim('GET', '/ServiceProviderConfig')).status).toBe(200);

      const rows = await stack.db.selectFrom('secrets').selectAll().where('scope', '=', 'scim').execute();
      expect(rows).toHaveLength(1);
      const tables = (await sql<{ tablename: string }>`select tablename from pg_tables where schemaname = 'public'`.execute(stack.db)).rows;
      let dump = '';
      for (const { tablename } of tables) dump += JSON.stringify((await sql.raw(`select * from ${tablename}`).execute(stack.db)).rows);
      expect(dump).toContain(rows[0]!.ciphertext);
      expect(dump).not.toContain(token);
      expect(dump).not.toContain(token.slice(7)); // nor its random part alone
      expect(stack.logs.text).not.toContain(token);

      const audit = (await stack.api('GET', '/api/v1/audit?action=scim.token.create')).body.entries;
      expect(audit.filter((e: { actorEmail: string }) => e.actorEmail === ADMIN_EMAIL)).toHaveLength(2);
    });

    it('is the only credential /scim/v2 accepts, and is accepted nowhere else (RFC 7644 §2)', async () => {
      expectError(await scim('GET', '/Users', undefined, { auth: null }), 401);
      expectError(await scim('GET', '/Users', undefined, { auth: 'pdscim_wrong' }), 401);
      const noAuth = await scim('GET', '/Users', undefined, { auth: null });
      expect(noAuth.headers.get('www-authenticate')).toMatch(/^Bearer/);
      // An admin's API token is a user credential, not the SCIM token.
      expectError(await scim('GET', '/Users', undefined, { auth: ADMIN_TOKEN }), 401);
      expectError(await scim('POST', '/Users', { userName: 'sneaky@corp.example' }, { auth: ADMIN_TOKEN }), 401);
      // An admin's browser session neither.
      const login = await stack.api('POST', '/api/v1/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, '');
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const viaCookie = await fetch(`${stack.url}/scim/v2/Users`, { headers: { cookie } });
      expect(viaCookie.status).toBe(401);
      // The SCIM token on the portal's own API.
      const onApi = await stack.api('GET', '/api/v1/users', undefined, token);
      expect(onApi.status).toBe(401);
      expect(onApi.body.error.code).toBe('unauthenticated');
      expect((await stack.api('GET', '/api/v1/auth/me', undefined, token)).status).toBe(401);
    });
  });

  describe('discovery (RFC 7643 §5–7, RFC 7644 §4)', () => {
    it('ServiceProviderConfig says what is supported', async () => {
      const res = await scim('GET', '/ServiceProviderConfig');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
      expect(res.body).toMatchObject({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
        patch: { supported: true },
        bulk: { supported: false },
        filter: { supported: true, maxResults: 200 },
        changePassword: { supported: false },
        sort: { supported: false },
        etag: { supported: true },
        authenticationSchemes: [expect.objectContaining({ type: 'oauthbearertoken' })],
        meta: { resourceType: 'ServiceProviderConfig', location: `${stack.url}/scim/v2/ServiceProviderConfig` },
      });
    });

    it('ResourceTypes lists User (with the Paddock extension) and Group', async () => {
      const res = await scim('GET', '/ResourceTypes');
      expect(res.body).toMatchObject({ schemas: [LIST], totalResults: 2, startIndex: 1, itemsPerPage: 2 });
      const user = res.body.Resources.find((r: { id: string }) => r.id === 'User');
      expect(user).toMatchObject({ endpoint: '/Users', schema: USER, schemaExtensions: [{ schema: PADDOCK_USER, required: false }], meta: { resourceType: 'ResourceType' } });
      expect(res.body.Resources.find((r: { id: string }) => r.id === 'Group')).toMatchObject({ endpoint: '/Groups', schema: GROUP });
      expect((await scim('GET', '/ResourceTypes/Group')).body.name).toBe('Group');
      expectError(await scim('GET', '/ResourceTypes/Nope'), 404);
      expectError(await scim('GET', '/ResourceTypes?filter=id%20eq%20%22User%22'), 403);
    });

    it('Schemas define every attribute with its characteristics (RFC 7643 §7)', async () => {
      const res = await scim('GET', '/Schemas');
      expect(res.body.Resources.map((s: { id: string }) => s.id).sort()).toEqual([GROUP, USER, PADDOCK_USER].sort());
      const user = (await scim('GET', `/Schemas/${USER}`)).body;
      const userName = user.attributes.find((a: { name: string }) => a.name === 'userName');
      expect(userName).toEqual(expect.objectContaining({ type: 'string', required: true, uniqueness: 'server', caseExact: false, mutability: 'readWrite', multiValued: false, returned: 'default' }));
      const emails = user.attributes.find((a: { name: string }) => a.name === 'emails');
      expect(emails.multiValued).toBe(true);
      expect(emails.subAttributes.map((a: { name: string }) => a.name)).toEqual(['value', 'type', 'primary']);
      expect(user.attributes.find((a: { name: string }) => a.name === 'groups').mutability).toBe('readOnly');
      const ext = (await scim('GET', `/Schemas/${PADDOCK_USER}`)).body;
      expect(ext.attributes[0]).toMatchObject({ name: 'role', canonicalValues: ['admin', 'builder', 'auditor'] });
      expect((await scim('GET', `/Schemas/${GROUP}`)).body.attributes.map((a: { name: string }) => a.name)).toEqual(['displayName', 'members']);
    });

    it('answers unknown SCIM paths with a SCIM 404', async () => {
      expectError(await scim('GET', '/Nothing'), 404);
    });
  });

  describe('Users', () => {
    it('creates a user (RFC 7644 §3.3): 201, Location, meta and the default role', async () => {
      const res = await scim('POST', '/Users', {
        schemas: [USER], userName: 'Ada.Lovelace@Corp.Example', externalId: 'okta-00u1',
        name: { givenName: 'Ada', familyName: 'Lovelace' }, emails: [{ value: 'ada.lovelace@corp.example', type: 'work', primary: true }],
        active: true, title: 'ignored: an attribute Paddock does not keep',
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
      const u = res.body;
      expect(u).toMatchObject({
        schemas: [USER, PADDOCK_USER], userName: 'ada.lovelace@corp.example', externalId: 'okta-00u1',
        name: { givenName: 'Ada', familyName: 'Lovelace', formatted: 'Ada Lovelace' }, displayName: 'Ada Lovelace',
        emails: [{ value: 'ada.lovelace@corp.example', type: 'work', primary: true }], active: true, groups: [],
        [PADDOCK_USER]: { role: 'builder' },
        meta: { resourceType: 'User', location: `${stack.url}/scim/v2/Users/${u.id}`, version: expect.stringMatching(/^W\/"/) },
      });
      expect(u.title).toBeUndefined();
      expect(res.headers.get('location')).toBe(u.meta.location);
      expect(res.headers.get('etag')).toBe(u.meta.version);
      expect(new Date(u.meta.created).getTime()).toBeLessThanOrEqual(Date.now());
      // RFC 7644 §3.4.1: GET by id returns the same representation.
      const got = await scim('GET', `/Users/${u.id}`);
      expect(got.body).toEqual(u);
      // It is a portal user now: provisioned, builder, no password.
      const portalUser = (await stack.api('GET', '/api/v1/users')).body.users.find((x: { id: string }) => x.id === u.id);
      expect(portalUser).toMatchObject({ email: 'ada.lovelace@corp.example', role: 'builder', source: 'scim', active: true });
      const audit = (await stack.api('GET', '/api/v1/audit?action=scim.user.create')).body.entries;
      expect(audit.find((e: { targetId: string }) => e.targetId === u.id)).toMatchObject({ actor: { kind: 'system', name: 'scim' }, actorEmail: null, outcome: 'success' });
    });

    it('takes the role from the Paddock extension, and accepts application/json (RFC 7644 §3.1)', async () => {
      const res = await scim('POST', '/Users', { userName: 'auditor1@corp.example', [PADDOCK_USER]: { role: 'auditor' } }, { contentType: 'application/json' });
      expect(res.status).toBe(201);
      expect(res.body[PADDOCK_USER]).toEqual({ role: 'auditor' });
      expect(res.body.displayName).toBe('auditor1@corp.example');
    });

    it('refuses a taken userName with 409 uniqueness, including a local account (RFC 7644 §3.3, §3.12)', async () => {
      const u = await newUser();
      expectError(await scim('POST', '/Users', { userName: u.userName.toUpperCase() }), 409, 'uniqueness');
      expectError(await scim('POST', '/Users', { userName: ADMIN_EMAIL }), 409, 'uniqueness');
    });

    it('refuses invalid values with 400 invalidValue and bad JSON with 400 invalidSyntax (RFC 7644 §3.12)', async () => {
      expectError(await scim('POST', '/Users', { name: { givenName: 'No userName' } }), 400, 'invalidValue');
      expectError(await scim('POST', '/Users', { userName: 'not-an-email' }), 400, 'invalidValue');
      expectError(await scim('POST', '/Users', { userName: 'x@corp.example', [PADDOCK_USER]: { role: 'root' } }), 400, 'invalidValue');
      expectError(await scim('POST', '/Users', { userName: 'x@corp.example', active: 'maybe' }), 400, 'invalidValue');
      const bad = await fetch(`${stack.url}/scim/v2/Users`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, body: '{"userName": ' });
      expectError({ status: bad.status, body: await bad.json(), headers: bad.headers }, 400, 'invalidSyntax');
    });

    it('answers an unknown id with 404 (RFC 7644 §3.12)', async () => {
      expectError(await scim('GET', '/Users/00000000-0000-0000-0000-000000000000'), 404);
      expectError(await scim('PUT', '/Users/nope', { userName: 'a@corp.example' }), 404);
      expectError(await patch('/Users/nope', [{ op: 'replace', value: { active: false } }]), 404);
      expectError(await scim('DELETE', '/Users/nope'), 404);
    });

    it('filters with eq on userName, emails.value, externalId and active (RFC 7644 §3.4.2.2)', async () => {
      const a = await newUser({ externalId: 'ext-filter-a', emails: [{ value: 'alias-a@other.example', type: 'home' }] });
      const b = await newUser({ externalId: 'ext-filter-b', active: false });
      const ids = async (filter: string) => {
        const res = await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body.schemas).toEqual([LIST]);
        expect(res.body.totalResults).toBe(res.body.Resources.length);
        return res.body.Resources.map((r: { id: string }) => r.id).sort();
      };
      // userName is caseExact=false (RFC 7643 §4.1.1), and so are operators and attribute names.
      expect(await ids(`userName eq "${a.userName.toUpperCase()}"`)).toEqual([a.id]);
      expect(await ids(`USERNAME EQ "${a.userName}"`)).toEqual([a.id]);
      expect(await ids(`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "${a.userName}"`)).toEqual([a.id]);
      expect(await ids('emails.value eq "alias-a@other.example"')).toEqual([a.id]);
      expect(await ids(`emails.value eq "${b.userName}"`)).toEqual([b.id]);
      expect(await ids('externalId eq "ext-filter-b"')).toEqual([b.id]);
      expect(await ids('externalId eq "EXT-FILTER-B"')).toEqual([]); // externalId is caseExact
      expect(await ids('active eq false')).toEqual([b.id]);
      // ne on a boolean: no value equals (RFC 7644 §3.4.2.2), so `active ne true` is the inactive accounts.
      expect(await ids('active ne true')).toEqual([b.id]);
      expect(await ids('active ne false')).toContain(a.id);
      expect(await ids('active ne false')).not.toContain(b.id);
      expect(await ids('userName eq "nobody@corp.example"')).toEqual([]);
    });

    it('filters with ne, co, sw, ew, pr, and, or, not and parentheses (RFC 7644 §3.4.2.2)', async () => {
      const a = await newUser({ externalId: 'ext-logic-a', name: { givenName: 'Grace', familyName: 'Hopper' } });
      const b = await newUser({ externalId: 'ext-logic-b', name: { givenName: 'Grace', familyName: 'Kelly' } });
      const c = await newUser({ name: { givenName: 'Alan', familyName: 'Turing' } });
      const ids = async (filter: string) =>
        ((await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`)).body.Resources as Array<{ id: string }>).map((r) => r.id).sort();
      const sorted = (...xs: string[]) => xs.sort();
      expect(await ids('name.givenName eq "grace"')).toEqual(sorted(a.id, b.id));
      expect(await ids('name.familyName co "opp"')).toEqual([a.id]);
      expect(await ids('name.familyName sw "K"')).toEqual([b.id]);
      expect(await ids('name.familyName ew "ing"')).toEqual([c.id]);
      expect(await ids('externalId sw "ext-logic-" and name.familyName ne "Kelly"')).toEqual([a.id]);
      expect(await ids('name.givenName eq "Grace" and (name.familyName eq "Kelly" or name.familyName eq "Hopper")')).toEqual(sorted(a.id, b.id));
      expect(await ids('name.familyName eq "Turing" or externalId eq "ext-logic-a"')).toEqual(sorted(a.id, c.id));
      expect(await ids('name.givenName eq "Grace" and not (externalId eq "ext-logic-a")')).toEqual([b.id]);
      expect(await ids('externalId pr and name.givenName eq "Grace"')).toEqual(sorted(a.id, b.id));
      expect(await ids('name.givenName eq "Alan" and externalId pr')).toEqual([]);
      // LIKE wildcards in a value are literal.
      expect(await ids('userName co "%"')).toEqual([]);
      expect(await ids(`meta.created ge "2000-01-01T00:00:00Z" and userName eq "${c.userName}"`)).toEqual([c.id]);
    });

    it('refuses filters it cannot run with 400 invalidFilter (RFC 7644 §3.4.2.2, §3.12)', async () => {
      for (const f of ['userName eq', 'userName zz "x"', 'nosuch eq "x"', 'active eq "yes"', 'active gt true',
        'emails[type eq "work"]', '(userName eq "x"', 'userName eq "x" garbage', 'userName eq unquoted', '']) {
        expectError(await scim('GET', `/Users?filter=${encodeURIComponent(f)}`), 400, 'invalidFilter');
      }
      expectError(await scim('GET', '/Users?sortBy=userName'), 400, 'invalidValue');
    });

    it('pages with startIndex and count (RFC 7644 §3.4.2.4)', async () => {
      for (let i = 0; i < 5; i++) await newUser({ externalId: `page-${i}` });
      const page = async (q: string) => (await scim('GET', `/Users?filter=${encodeURIComponent('externalId sw "page-"')}&${q}`)).body;
      const all = await page('');
      expect(all).toMatchObject({ totalResults: 5, startIndex: 1, itemsPerPage: 5 });
      const first = await page('startIndex=1&count=2');
      expect(first).toMatchObject({ totalResults: 5, startIndex: 1, itemsPerPage: 2 });
      const second = await page('startIndex=3&count=2');
      const third = await page('startIndex=5&count=2');
      expect(third).toMatchObject({ totalResults: 5, startIndex: 5, itemsPerPage: 1 });
      const seen = [...first.Resources, ...second.Resources, ...third.Resources].map((r: { externalId: string }) => r.externalId);
      expect(seen.sort()).toEqual(all.Resources.map((r: { externalId: string }) => r.externalId).sort());
      expect(new Set(seen).size).toBe(5);
      // count=0 asks only for the total; startIndex < 1 means 1; past the end is empty.
      expect(await page('count=0')).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
      expect(await page('startIndex=0&count=1')).toMatchObject({ startIndex: 1, itemsPerPage: 1 });
      expect(await page('startIndex=50')).toMatchObject({ totalResults: 5, itemsPerPage: 0 });
      expectError(await scim('GET', '/Users?count=lots'), 400, 'invalidValue');
    });

    it('replaces a user with PUT (RFC 7644 §3.5.1), keeping active and role when omitted', async () => {
      const u = await newUser({ [PADDOCK_USER]: { role: 'admin' }, externalId: 'put-me' });
      const res = await scim('PUT', `/Users/${u.id}`, { schemas: [USER], userName: u.userName, name: { givenName: 'Renamed', familyName: 'Person' } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ displayName: 'Renamed Person', name: { givenName: 'Renamed', familyName: 'Person' }, active: true, [PADDOCK_USER]: { role: 'admin' } });
      expect(res.body.externalId).toBeUndefined(); // a replace clears what it omits
      expect(res.body.meta.version).not.toBe(u.meta.version);
      const other = await newUser();
      expectError(await scim('PUT', `/Users/${u.id}`, { userName: other.userName }), 409, 'uniqueness');
      const audit = (await stack.api('GET', '/api/v1/audit?action=scim.user.replace')).body.entries;
      expect(audit.find((e: { targetId: string }) => e.targetId === u.id)).toMatchObject({ actor: { kind: 'system', name: 'scim' }, detail: { changed: expect.arrayContaining(['name', 'external_id']) } });
    });

    it('honours If-Match with the ETag (RFC 7644 §3.14)', async () => {
      const u = await newUser();
      expectError(await patch(`/Users/${u.id}`, [{ op: 'replace', path: 'displayName', value: 'x' }], { 'if-match': 'W/"stale"' }), 412);
      const ok = await patch(`/Users/${u.id}`, [{ op: 'replace', path: 'displayName', value: 'Fresh' }], { 'if-match': u.meta.version });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('etag')).toBe(ok.body.meta.version);
      expectError(await scim('DELETE', `/Users/${u.id}`, undefined, { headers: { 'if-match': u.meta.version } }), 412);
    });

    it('PATCHes in the forms Okta and Azure AD send (RFC 7644 §3.5.2)', async () => {
      const u = await newUser();
      // add/replace without a path: the value is a set of attributes (§3.5.2.1, §3.5.2.3).
      let res = await patch(`/Users/${u.id}`, [{ op: 'replace', value: { name: { givenName: 'Katherine' }, externalId: 'k-1' } }]);
      expect(res.status).toBe(200);
      expect(res.body.name).toMatchObject({ givenName: 'Katherine', familyName: expect.stringMatching(/^N\d+$/) });
      expect(res.body.externalId).toBe('k-1');
      // A sub-attribute path, with ops in any case (Azure sends "Replace").
      res = await patch(`/Users/${u.id}`, [{ op: 'Replace', path: 'name.familyName', value: 'Johnson' }]);
      expect(res.body.name).toMatchObject({ givenName: 'Katherine', familyName: 'Johnson' });
      // Azure: a value filter with a sub-attribute updates the matching email (the work address derived from userName)…
      res = await patch(`/Users/${u.id}`, [{ op: 'Add', path: 'emails[type eq "work"].value', value: 'Katherine@Corp.Example' }]);
      expect(res.body.emails).toEqual([{ value: 'katherine@corp.example', type: 'work', primary: true }]);
      // …and creates one when none matches.
      res = await patch(`/Users/${u.id}`, [{ op: 'Add', path: 'emails[type eq "other"].value', value: 'kj@corp.example' }]);
      expect(res.body.emails).toEqual([{ value: 'katherine@corp.example', type: 'work', primary: true }, { value: 'kj@corp.example', type: 'other' }]);
      res = await patch(`/Users/${u.id}`, [{ op: 'replace', path: 'emails', value: [{ value: 'kj@corp.example', type: 'work' }] }]);
      expect(res.body.emails).toEqual([{ value: 'kj@corp.example', type: 'work' }]);
      expect((await scim('GET', `/Users?filter=${encodeURIComponent('emails.value eq "kj@corp.example"')}`)).body.totalResults).toBe(1);
      // add to a multi-valued attribute appends (§3.5.2.1).
      res = await patch(`/Users/${u.id}`, [{ op: 'add', path: 'emails', value: [{ value: 'home@other.example', type: 'home' }] }]);
      expect(res.body.emails.map((e: { value: string }) => e.value)).toEqual(['kj@corp.example', 'home@other.example']);
      // remove: a filtered value, then a single attribute (§3.5.2.2).
      res = await patch(`/Users/${u.id}`, [{ op: 'remove', path: 'emails[type eq "home"]' }, { op: 'remove', path: 'externalId' }]);
      expect(res.body.emails.map((e: { value: string }) => e.value)).toEqual(['kj@corp.example']);
      expect(res.body.externalId).toBeUndefined();
      // The Paddock extension, by its full path.
      res = await patch(`/Users/${u.id}`, [{ op: 'replace', path: `${PADDOCK_USER}:role`, value: 'auditor' }]);
      expect(res.body[PADDOCK_USER].role).toBe('auditor');
      // Unknown attributes (e.g. the enterprise extension) are ignored, not failed.
      res = await patch(`/Users/${u.id}`, [{ op: 'add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', value: 'R&D' }]);
      expect(res.status).toBe(200);
      // Errors: remove without a path is noTarget, read-only attributes are mutability, a bad path is invalidPath.
      expectError(await patch(`/Users/${u.id}`, [{ op: 'remove' }]), 400, 'noTarget');
      expectError(await patch(`/Users/${u.id}`, [{ op: 'replace', path: 'id', value: 'mine' }]), 400, 'mutability');
      expectError(await patch(`/Users/${u.id}`, [{ op: 'replace', path: 'emails[type eq', value: 'x' }]), 400, 'invalidPath');
      expectError(await patch(`/Users/${u.id}`, [{ op: 'replace', path: 'emails[type eq "none"]', value: { value: 'a@b.example' } }]), 400, 'noTarget');
      expectError(await patch(`/Users/${u.id}`, [{ op: 'replace', path: 'userName', value: 'not-an-email' }]), 400, 'invalidValue');
      expectError(await scim('PATCH', `/Users/${u.id}`, { Operations: [{ op: 'replace', value: { active: false } }] }), 400, 'invalidSyntax');
      expectError(await patch(`/Users/${u.id}`, [{ op: 'move', path: 'displayName' }]), 400, 'invalidSyntax');
      // A failed PATCH changes nothing.
      expect((await scim('GET', `/Users/${u.id}`)).body).toMatchObject({ userName: u.userName, active: true });
    });

    it('deletes a user (RFC 7644 §3.6): 404 afterwards, the account kept inactive, revived by a new POST', async () => {
      const u = await newUser();
      const del = await scim('DELETE', `/Users/${u.id}`);
      expect(del.status).toBe(204);
      expect(del.body).toBeUndefined();
      expectError(await scim('GET', `/Users/${u.id}`), 404);
      expectError(await scim('DELETE', `/Users/${u.id}`), 404);
      expect((await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${u.userName}"`)}`)).body.totalResults).toBe(0);
      const kept = (await stack.api('GET', '/api/v1/users')).body.users.find((x: { id: string }) => x.id === u.id);
      expect(kept).toMatchObject({ active: false, email: u.userName });
      const again = await scim('POST', '/Users', { userName: u.userName });
      expect(again.status).toBe(201);
      expect(again.body).toMatchObject({ id: u.id, active: true });
      const actions = (await stack.api('GET', '/api/v1/audit?limit=500')).body.entries
        .filter((e: { targetId: string }) => e.targetId === u.id).map((e: { action: string }) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['scim.user.create', 'user.deactivate', 'scim.user.delete', 'user.reactivate']));
    });
  });

  describe('Groups', () => {
    it('creates, reads, filters, replaces and deletes a group (RFC 7644 §3.3–3.6)', async () => {
      const a = await newUser();
      const b = await newUser();
      const res = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Finance', externalId: 'g-fin', members: [{ value: a.id }] });
      expect(res.status).toBe(201);
      const g = res.body;
      expect(g).toMatchObject({
        schemas: [GROUP], displayName: 'Finance', externalId: 'g-fin',
        members: [{ value: a.id, display: a.userName, type: 'User', $ref: `${stack.url}/scim/v2/Users/${a.id}` }],
        meta: { resourceType: 'Group', location: `${stack.url}/scim/v2/Groups/${g.id}` },
      });
      expect(res.headers.get('location')).toBe(g.meta.location);
      expect((await scim('GET', `/Groups/${g.id}`)).body).toEqual(g);
      // The user's read-only groups attribute reflects it (RFC 7643 §4.1.2).
      expect((await scim('GET', `/Users/${a.id}`)).body.groups).toEqual([{ value: g.id, display: 'Finance', $ref: `${stack.url}/scim/v2/Groups/${g.id}` }]);

      const list = await scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "finance"')}`);
      expect(list.body).toMatchObject({ schemas: [LIST], totalResults: 1, Resources: [{ id: g.id }] });
      const noMembers = await scim('GET', `/Groups/${g.id}?excludedAttributes=members`);
      expect(noMembers.body.members).toBeUndefined();
      expect(noMembers.body.id).toBe(g.id);
      expect((await scim('GET', `/Groups?filter=${encodeURIComponent(`members.value eq "${a.id}"`)}`)).body.totalResults).toBe(1);

      expectError(await scim('POST', '/Groups', { displayName: 'FINANCE' }), 409, 'uniqueness');
      expectError(await scim('POST', '/Groups', { displayName: 'Ghosts', members: [{ value: 'no-such-user' }] }), 400, 'invalidValue');
      expectError(await scim('POST', '/Groups', { members: [] }), 400, 'invalidValue');

      const put = await scim('PUT', `/Groups/${g.id}`, { schemas: [GROUP], displayName: 'Finance EMEA', members: [{ value: b.id }] });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ displayName: 'Finance EMEA', members: [{ value: b.id }] });
      expect(put.body.externalId).toBeUndefined();

      expect((await scim('DELETE', `/Groups/${g.id}`)).status).toBe(204);
      expectError(await scim('GET', `/Groups/${g.id}`), 404);
      expect((await scim('GET', `/Users/${b.id}`)).body.groups).toEqual([]);
      const audit = (await stack.api('GET', '/api/v1/audit?limit=500')).body.entries.filter((e: { targetId: string }) => e.targetId === g.id);
      expect(audit.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['scim.group.create', 'scim.group.replace', 'scim.group.delete']));
      expect(audit.every((e: { actor: { kind: string; name?: string } }) => e.actor.kind === 'system' && e.actor.name === 'scim')).toBe(true);
    });

    it('PATCHes members in every form (RFC 7644 §3.5.2, Okta and Azure AD)', async () => {
      const [a, b, c] = [await newUser(), await newUser(), await newUser()];
      const g = (await scim('POST', '/Groups', { displayName: 'Sales' })).body;
      const members = (res: { body: { members: Array<{ value: string }> } }) => res.body.members.map((m) => m.value).sort();
      // add with a path appends (no duplicates).
      let res = await patch(`/Groups/${g.id}`, [{ op: 'add', path: 'members', value: [{ value: a.id }, { value: b.id }] }]);
      expect(members(res)).toEqual([a.id, b.id].sort());
      res = await patch(`/Groups/${g.id}`, [{ op: 'add', path: 'members', value: [{ value: a.id }] }]);
      expect(res.body.members).toHaveLength(2);
      // add without a path (Okta renames and adds members this way).
      res = await patch(`/Groups/${g.id}`, [{ op: 'add', value: { members: [{ value: c.id }] } }]);
      expect(members(res)).toEqual([a.id, b.id, c.id].sort());
      // remove by a value filter (§3.5.2.2).
      res = await patch(`/Groups/${g.id}`, [{ op: 'remove', path: `members[value eq "${a.id}"]` }]);
      expect(members(res)).toEqual([b.id, c.id].sort());
      // Azure AD: remove with a list of values.
      res = await patch(`/Groups/${g.id}`, [{ op: 'Remove', path: 'members', value: [{ value: b.id }] }]);
      expect(members(res)).toEqual([c.id]);
      // replace the whole list, and rename without a path.
      res = await patch(`/Groups/${g.id}`, [{ op: 'replace', path: 'members', value: [{ value: a.id }, { value: b.id }] }, { op: 'replace', value: { displayName: 'Sales EMEA' } }]);
      expect(members(res)).toEqual([a.id, b.id].sort());
      expect(res.body.displayName).toBe('Sales EMEA');
      // remove the attribute: every member goes.
      res = await patch(`/Groups/${g.id}`, [{ op: 'remove', path: 'members' }]);
      expect(res.body.members).toEqual([]);
      expectError(await patch(`/Groups/${g.id}`, [{ op: 'add', path: 'members', value: [{ value: 'nobody' }] }]), 400, 'invalidValue');
      const audit = (await stack.api('GET', '/api/v1/audit?action=scim.group.patch&limit=50')).body.entries.filter((e: { targetId: string }) => e.targetId === g.id);
      expect(audit.some((e: { detail: { removed: string[] } }) => e.detail.removed.includes(a.id))).toBe(true);
    });
  });

  describe('the last active admin', () => {
    it('is never deactivated, deleted or demoted by SCIM, and a refused PUT writes nothing (RFC 7644 §3.12 mutability)', async () => {
      const boss = await newUser({ [PADDOCK_USER]: { role: 'admin' } });
      // Make the provisioned admin the organisation's only active admin for the length of this test.
      const others = await stack.db.selectFrom('users').select('id').where('role', '=', 'admin').where('active', '=', true).where('id', '<>', boss.id).execute();
      const otherIds = others.map((o) => o.id);
      await stack.db.updateTable('users').set({ role: 'builder' }).where('id', 'in', otherIds).execute();
      try {
        expectError(await patch(`/Users/${boss.id}`, [{ op: 'replace', path: 'active', value: false }]), 400, 'mutability');
        expectError(await patch(`/Users/${boss.id}`, [{ op: 'replace', path: `${PADDOCK_USER}:role`, value: 'builder' }]), 400, 'mutability');
        expectError(await scim('PUT', `/Users/${boss.id}`, { schemas: [USER], userName: boss.userName, name: { givenName: 'Renamed' }, active: false }), 400, 'mutability');
        expectError(await scim('DELETE', `/Users/${boss.id}`), 400, 'mutability');
        const row = await stack.db.selectFrom('users').select(['active', 'role', 'given_name', 'scim_deleted_at']).where('id', '=', boss.id).executeTakeFirstOrThrow();
        expect(row).toEqual({ active: true, role: 'admin', given_name: 'User', scim_deleted_at: null });
      } finally {
        await stack.db.updateTable('users').set({ role: 'admin' }).where('id', 'in', otherIds).execute();
      }
      // With another admin back, the same requests go through.
      const off = await patch(`/Users/${boss.id}`, [{ op: 'replace', path: 'active', value: false }]);
      expect(off.status).toBe(200);
      expect(off.body.active).toBe(false);
    });
    it('keeps one of the last two admins when both are deactivated at once', async () => {
      const a = await newUser({ [PADDOCK_USER]: { role: 'admin' } });
      const b = await newUser({ [PADDOCK_USER]: { role: 'admin' } });
      const others = await stack.db.selectFrom('users').select('id').where('role', '=', 'admin').where('active', '=', true).where('id', 'not in', [a.id, b.id]).execute();
      const otherIds = others.map((o) => o.id);
      await stack.db.updateTable('users').set({ role: 'builder' }).where('id', 'in', otherIds).execute();
      try {
        const { identity } = stack.portal.services;
        const results = await Promise.allSettled([a, b].map((u) => identity.deactivate(u.id, SCIM_ACTOR, 'test')));
        expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
        expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { message: expect.stringContaining('last active admin') } });
        const active = await stack.db.selectFrom('users').select('id').where('role', '=', 'admin').where('active', '=', true).execute();
        expect(active).toHaveLength(1);
      } finally {
        await stack.db.updateTable('users').set({ role: 'admin' }).where('id', 'in', otherIds).execute();
      }
    });
  });

  describe('deactivation, end to end', () => {
    it('PATCH active=false ends sessions and tokens at once, stops workspaces, keeps files and history', async () => {
      const u = await newUser();
      const { identity } = stack.portal.services;
      const { token: apiToken } = await identity.createToken(u.id, 'laptop');
      const { sessionId } = await identity.openSession(u.id, { ip: '127.0.0.1', userAgent: 'test', method: 'oidc' });
      const cookie = `${SESSION_COOKIE}=${sessionId}`;
      expect((await fetch(`${stack.url}/api/v1/auth/me`, { headers: { cookie } })).status).toBe(200);

      const ws = await stack.runningWorkspace('provisioned', apiToken);
      const term = await stack.terminal(ws, apiToken);
      term.type('echo kept-after-deactivation > /workspace/keep.txt && echo WROTE\n');
      await term.waitFor('WROTE\r\n');
      term.close();

      // Okta's form: no path, active false.
      const res = await patch(`/Users/${u.id}`, [{ op: 'replace', value: { active: false } }]);
      expect(res.status).toBe(200);
      expect(res.body.active).toBe(false);

      // At once: the very next requests are refused.
      expect((await stack.api('GET', '/api/v1/workspaces', undefined, apiToken)).status).toBe(401);
      expect((await fetch(`${stack.url}/api/v1/auth/me`, { headers: { cookie } })).status).toBe(401);
      expect(await stack.db.selectFrom('sessions').select('id').where('user_id', '=', u.id).execute()).toEqual([]);
      expect(await stack.db.selectFrom('api_tokens').select('id').where('user_id', '=', u.id).execute()).toEqual([]);

      await stack.waitForState(ws, 'stopped');
      const file = join(stack.dataDir, 'agent', 'workspaces', ws, 'workspace', 'keep.txt');
      expect(existsSync(file)).toBe(true);
      expect(readFileSync(file, 'utf8')).toBe('kept-after-deactivation\n');

      // The history stays, and the chain still verifies.
      const entries = (await stack.api('GET', '/api/v1/audit?limit=500')).body.entries as Array<{ action: string; targetId: string; actorEmail: string; detail: Record<string, unknown> }>;
      expect(entries.find((e) => e.action === 'workspace.create' && e.targetId === ws)).toMatchObject({ actorEmail: u.userName });
      expect(entries.find((e) => e.action === 'user.deactivate' && e.targetId === u.id)).toMatchObject({ actor: { kind: 'system', name: 'scim' } });
      expect(entries.find((e) => e.action === 'workspace.stop' && e.targetId === ws)).toMatchObject({ detail: { reason: 'deactivated by SCIM' } });
      expect((await stack.api('GET', '/api/v1/audit/verify')).body).toMatchObject({ ok: true });
      // And an auditor with outside tools agrees, row by row (docs/operations.md).
      expect((await verifyAuditChainAsAuditor(stack.db)).length).toBeGreaterThan(10);

      // The workspace itself is intact: an admin can start it again.
      expect((await stack.api('POST', `/api/v1/workspaces/${ws}/start`)).status).toBe(202);
      await stack.waitForState(ws, 'running');
      expect(readFileSync(file, 'utf8')).toBe('kept-after-deactivation\n');

      // Azure's form reactivates; the revoked token stays revoked.
      const back = await patch(`/Users/${u.id}`, [{ op: 'Replace', path: 'active', value: 'True' }]);
      expect(back.body.active).toBe(true);
      expect((await stack.api('GET', '/api/v1/workspaces', undefined, apiToken)).status).toBe(401);
      const reactivated = (await stack.api('GET', '/api/v1/audit?action=user.reactivate')).body.entries;
      expect(reactivated.find((e: { targetId: string }) => e.targetId === u.id)).toMatchObject({ actor: { kind: 'system', name: 'scim' } });
    });
  });

  describe('If-Match with writes racing (RFC 7644 §3.14)', () => {
    const waitUntil = async (check: () => Promise<boolean>, timeoutMs = 30_000) => {
      for (const deadline = Date.now() + timeoutMs; !(await check());) {
        if (Date.now() > deadline) throw new Error('condition not met in time');
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    /**
     * Sends the writes at once. On PostgreSQL the test holds the resource's row
     * until every write waits for it, so all of them have read the same version
     * before any can change it (with PGlite, one session, transactions simply queue).
     */
    type Answer = Awaited<ReturnType<typeof scim>>;
    async function race(table: 'users' | 'groups', id: string, writes: Array<() => Promise<Answer>>): Promise<Answer[]> {
      if (testEngine() !== 'postgres') return Promise.all(writes.map((w) => w()));
      let results!: Promise<Answer[]>;
      await stack.db.transaction().execute(async (tx) => {
        await sql`select id from ${sql.table(table)} where id = ${id} for update`.execute(tx);
        results = Promise.all(writes.map((w) => w()));
        await waitUntil(async () => {
          const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock'`.execute(stack.db);
          return rows[0]!.n >= writes.length;
        });
      });
      return results;
    }

    it('lets exactly one write with a given ETag win on a user', async () => {
      const u = await newUser();
      const ifMatch = { 'if-match': u.meta.version };
      const results = await race('users', u.id, [
        () => patch(`/Users/${u.id}`, [{ op: 'replace', path: 'displayName', value: 'Writer one' }], ifMatch),
        () => patch(`/Users/${u.id}`, [{ op: 'replace', path: 'displayName', value: 'Writer two' }], ifMatch),
        () => scim('PUT', `/Users/${u.id}`, { schemas: [USER], userName: u.userName, displayName: 'Writer three', active: false }, { headers: ifMatch }),
        () => patch(`/Users/${u.id}`, [{ op: 'replace', path: 'active', value: false }], ifMatch),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 412, 412, 412]);
      const winner = results.find((r) => r.status === 200)!;
      const now = (await scim('GET', `/Users/${u.id}`)).body;
      expect({ displayName: now.displayName, active: now.active }).toEqual({ displayName: winner.body.displayName, active: winner.body.active });
      for (const lost of results.filter((r) => r.status === 412)) expectError(lost, 412);
      const changes = (await stack.api('GET', '/api/v1/audit?limit=100')).body.entries
        .filter((e: { targetId: string; action: string }) => e.targetId === u.id && /^scim\.user\.(patch|replace)$|^user\.deactivate$/.test(e.action));
      expect(changes.length).toBeLessThanOrEqual(2); // one write: its change, and a deactivation if it was one
    });

    it('lets exactly one write with a given ETag win on a group', async () => {
      const [a, b, c] = [await newUser(), await newUser(), await newUser()];
      const g = (await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Racing' })).body;
      const ifMatch = { 'if-match': g.meta.version };
      const results = await race('groups', g.id, [
        () => patch(`/Groups/${g.id}`, [{ op: 'add', path: 'members', value: [{ value: a.id }] }], ifMatch),
        () => patch(`/Groups/${g.id}`, [{ op: 'add', path: 'members', value: [{ value: b.id }] }], ifMatch),
        () => scim('PUT', `/Groups/${g.id}`, { schemas: [GROUP], displayName: 'Racing', members: [{ value: c.id }] }, { headers: ifMatch }),
        () => scim('DELETE', `/Groups/${g.id}`, undefined, { headers: ifMatch }),
      ]);
      // One wins (200, or 204 for the DELETE); the others were written against a version that is gone,
      // or against a group that is: after the DELETE, it is 404 (RFC 7644 §3.12).
      const winners = results.filter((r) => r.status < 300);
      expect(winners.map((r) => r.status), JSON.stringify(results.map((r) => r.status))).toHaveLength(1);
      const winner = winners[0]!;
      const lostWith = winner.status === 204 ? 404 : 412;
      expect(results.filter((r) => r !== winner).map((r) => r.status)).toEqual([lostWith, lostWith, lostWith]);
      const now = await scim('GET', `/Groups/${g.id}`);
      if (winner.status === 204) expect(now.status).toBe(404);
      else expect(now.body.members).toEqual(winner.body.members);
    });
  });
});
