import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PORTAL_NAME, DEFAULT_WELCOME } from '@paddock/protocol';
import { InProcessPortal, type Credential } from './harness/inProcessPortal.js';

/**
 * The admin console's settings, in-process on a real portal and database: the brand (its
 * public read, its admin writes, the image uploads with every escape we could think of)
 * and the audit log's filters, names and export.
 */

let fx: InProcessPortal;
beforeAll(async () => { fx = await InProcessPortal.start(); });
afterAll(async () => { await fx?.close(); });

const PNG_1PX = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const svg = (inner: string, attrs = '') =>
  `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10"${attrs}>${inner}</svg>`;
const BRAND = { name: 'Acme <Builder> & Co', accentColor: '#2563EB', welcome: { title: 'Build with Acme', text: 'Ask for an app.', cta: 'Go' } };

const admin = (): Credential => ({ bearer: fx.members.admin.token });

/** An image upload: raw bytes with their declared type, as the Branding page sends them. */
async function upload(slot: string, body: Buffer | string, contentType: string, credential: Credential = admin()) {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (credential && 'bearer' in credential) headers.authorization = `Bearer ${credential.bearer}`;
  const res = await fx.portal.app.inject({ method: 'PUT', url: `/api/v1/admin/branding/${slot}`, headers, payload: body });
  return { status: res.statusCode, body: res.json() as any };
}

const brandingRows = () => fx.db.selectFrom('branding_assets').select(['slot', 'sha256']).orderBy('slot').execute();

describe('branding', () => {
  it('is public: the sign-in page reads it without a session, with Paddock\'s defaults at first', async () => {
    const res = await fx.request('GET', '/api/v1/branding');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ name: DEFAULT_PORTAL_NAME, accentColor: '#18181b', welcome: DEFAULT_WELCOME });
  });

  it('is changed by admins only, whole, audited; a colour is kept in lower case', async () => {
    for (const who of ['builder', 'auditor'] as const) {
      expect((await fx.request('PUT', '/api/v1/admin/branding', { credential: { bearer: fx.members[who].token }, body: BRAND })).status).toBe(403);
    }
    expect((await fx.request('PUT', '/api/v1/admin/branding', { body: BRAND })).status).toBe(401);
    const res = await fx.request('PUT', '/api/v1/admin/branding', { credential: admin(), body: BRAND });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ...BRAND, accentColor: '#2563eb' });
    expect((await fx.request('GET', '/api/v1/branding')).body).toMatchObject({ name: BRAND.name, accentColor: '#2563eb', welcome: BRAND.welcome });
    const [entry] = (await fx.request('GET', '/api/v1/audit?action=branding.update&limit=1', { credential: admin() })).body.entries;
    expect(entry).toMatchObject({ actor: { kind: 'user', id: fx.members.admin.id }, detail: { name: BRAND.name, accentColor: '#2563eb' } });
  });

  it('names the portal, escaped, on the pages the server writes itself (a published app\'s address with no app)', async () => {
    const res = await fx.portal.app.inject({ method: 'GET', url: '/', headers: { host: `no-such-app.${fx.services.config.appsDomain}` } });
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('<title>No app here · Acme &#60;Builder&#62; &#38; Co</title>');
    expect(res.body).toContain('Back to Acme &#60;Builder&#62; &#38; Co</a>');
    expect(res.body).not.toContain('<Builder>');
  });

  it('refuses a bad colour, an empty or two-line name, an over-long welcome, and keeps what was there', async () => {
    const bad = [
      { ...BRAND, accentColor: 'blue' }, { ...BRAND, accentColor: '#12345' }, { ...BRAND, accentColor: 'red;}body{display:none' },
      { ...BRAND, name: '   ' }, { ...BRAND, name: 'Acme\nEvil' }, { ...BRAND, name: 'x'.repeat(61) },
      { ...BRAND, welcome: { ...BRAND.welcome, text: 'x'.repeat(601) } }, { ...BRAND, welcome: { ...BRAND.welcome, cta: '' } },
    ];
    for (const body of bad) {
      const res = await fx.request('PUT', '/api/v1/admin/branding', { credential: admin(), body });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_input', message: expect.any(String) });
    }
    expect((await fx.request('GET', '/api/v1/branding')).body.name).toBe(BRAND.name);
  });

  it('serves an uploaded PNG at a URL naming its hash, exactly typed, unsniffable and unable to run anything', async () => {
    const res = await upload('logo-light', PNG_1PX, 'image/png');
    expect(res.status).toBe(200);
    const url = res.body.logoLightUrl as string;
    expect(url).toMatch(/^\/api\/v1\/branding\/assets\/logo-light\/[0-9a-f]{16}$/);
    expect(res.body.logoDarkUrl).toBeUndefined();
    const image = await fx.portal.app.inject({ method: 'GET', url });
    expect(image.statusCode).toBe(200);
    expect(image.rawPayload.equals(PNG_1PX)).toBe(true);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.headers['x-content-type-options']).toBe('nosniff');
    expect(image.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox");
    expect(image.headers['cache-control']).toMatch(/immutable/);
    // Another version's URL names nothing.
    expect((await fx.portal.app.inject({ method: 'GET', url: url.replace(/[0-9a-f]{16}$/, '0'.repeat(16)) })).statusCode).toBe(404);
    const [entry] = (await fx.request('GET', '/api/v1/audit?action=branding.asset.upload&limit=1', { credential: admin() })).body.entries;
    // The record names the image by its hash; its bytes are not in the audit trail.
    expect(entry.detail).toEqual({ slot: 'logo-light', contentType: 'image/png', bytes: PNG_1PX.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), sanitized: false });
  });

  it('serves a sanitised SVG as image/svg+xml under a sandboxing policy', async () => {
    const res = await upload('logo-dark', svg('<circle cx="5" cy="5" r="4" fill="#0f0" inkscape:label="dot"/>'), 'image/svg+xml');
    expect(res.status).toBe(200);
    const image = await fx.portal.app.inject({ method: 'GET', url: res.body.logoDarkUrl });
    expect(image.headers['content-type']).toBe('image/svg+xml');
    expect(image.headers['content-security-policy']).toContain('sandbox');
    expect(image.body).toContain('<circle');
    expect(image.body).not.toContain('inkscape');
  });

  it('refuses every escape, says why, and stores nothing', async () => {
    const before = await brandingRows();
    const cases: Array<{ what: string; body: Buffer | string; type: string; status: number; code: string; message?: RegExp }> = [
      { what: 'a <script>', body: svg('<script>alert(document.cookie)</script><rect width="1" height="1"/>'), type: 'image/svg+xml', status: 400, code: 'unsafe_svg', message: /script/ },
      { what: 'onload=', body: svg('<rect width="1" height="1"/>', ' onload="alert(1)"'), type: 'image/svg+xml', status: 400, code: 'unsafe_svg', message: /onload/ },
      { what: '<foreignObject>', body: svg('<foreignObject width="9" height="9"><iframe xmlns="http://www.w3.org/1999/xhtml" src="https://evil.example"/></foreignObject>'), type: 'image/svg+xml', status: 400, code: 'unsafe_svg', message: /foreignObject/i },
      { what: 'xlink:href to javascript:', body: svg('<a xlink:href="javascript:alert(1)"><rect width="9" height="9"/></a>'), type: 'image/svg+xml', status: 400, code: 'unsafe_svg', message: /javascript/ },
      { what: 'an external <image href>', body: svg('<image href="http://evil.example/pixel.png" width="1" height="1"/>'), type: 'image/svg+xml', status: 400, code: 'unsafe_svg', message: /evil\.example/ },
      { what: 'a PNG sent as SVG', body: PNG_1PX, type: 'image/svg+xml', status: 400, code: 'invalid_image', message: /PNG.*svg/ },
      { what: 'an SVG sent as PNG', body: svg('<rect width="1" height="1"/>'), type: 'image/png', status: 400, code: 'invalid_image', message: /SVG.*image\/png/ },
      { what: 'a 600 KiB file', body: Buffer.concat([PNG_1PX, Buffer.alloc(600 * 1024 - PNG_1PX.length)]), type: 'image/png', status: 413, code: 'too_large', message: /600 KiB.*512 KiB/ },
      { what: 'a text file named .png', body: 'shopping list: eggs, milk\n', type: 'image/png', status: 400, code: 'invalid_image', message: /not a PNG/ },
      { what: 'a file far over the limit', body: Buffer.alloc(3 * 1024 * 1024, 1), type: 'image/png', status: 413, code: expect.any(String) as unknown as string },
      { what: 'a JPEG favicon', body: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64)]), type: 'image/jpeg', status: 400, code: 'invalid_image', message: /favicon/ },
      { what: 'no image at all', body: '{"a":1}', type: 'application/json', status: 415, code: 'unsupported_media_type' },
    ];
    for (const c of cases) {
      const slot = c.what === 'a JPEG favicon' ? 'favicon' : 'logo-light';
      const res = await upload(slot, c.body, c.type);
      expect(res.status, c.what).toBe(c.status);
      expect(res.body.error, c.what).toMatchObject({ code: c.code, message: c.message ?? expect.any(String) });
    }
    expect(await brandingRows()).toEqual(before);
    // Only admins upload at all.
    expect((await upload('logo-light', PNG_1PX, 'image/png', { bearer: fx.members.builder.token })).status).toBe(403);
    expect((await upload('favicon', PNG_1PX, 'image/png', null)).status).toBe(401);
    expect(await brandingRows()).toEqual(before);
  });

  it('takes a favicon and removes an image again (a second removal finds nothing)', async () => {
    const ico = Buffer.concat([Buffer.from([0, 0, 1, 0, 1, 0]), Buffer.alloc(32)]);
    const res = await upload('favicon', ico, 'image/x-icon');
    expect(res.status).toBe(200);
    expect((await fx.portal.app.inject({ method: 'GET', url: res.body.faviconUrl })).headers['content-type']).toBe('image/x-icon');
    const removed = await fx.request('DELETE', '/api/v1/admin/branding/favicon', { credential: admin() });
    expect(removed.status).toBe(200);
    expect(removed.body.faviconUrl).toBeUndefined();
    expect((await fx.portal.app.inject({ method: 'GET', url: res.body.faviconUrl })).statusCode).toBe(404);
    expect((await fx.request('DELETE', '/api/v1/admin/branding/favicon', { credential: admin() })).status).toBe(404);
    expect((await fx.request('DELETE', '/api/v1/admin/branding/no-such-slot', { credential: admin() })).status).toBe(404);
  });
});

describe('the audit log: filters, names, export', () => {
  let blueprintId: string;
  let danaId: string;
  let startedAt: Date;
  const auditor = (): Credential => ({ bearer: fx.members.auditor.token });
  const list = async (query: string) => {
    const res = await fx.request('GET', `/api/v1/audit?${query}`, { credential: auditor() });
    expect(res.status, query).toBe(200);
    return res.body as { entries: Array<{ id: string; action: string; actor: { kind: string; id?: string; email?: string }; targetId: string | null; targetType: string | null; at: string }>; names: Record<string, string> };
  };

  beforeAll(async () => {
    fx.clock.advance(60 * 60_000);
    startedAt = fx.clock.now();
    fx.clock.advance(1000);
    blueprintId = (await fx.services.blueprints.create({ name: 'Quarterly Reports', description: 'x' }, fx.members.admin.actor)).id;
    danaId = (await fx.services.identity.createUser({ email: 'dana@example.com', name: 'Dana Reviewer', role: 'builder', password: null }, fx.members.admin.actor)).id;
    await fx.services.blueprints.create({ name: '=HYPERLINK("http://evil.example","x")', description: 'formula' }, fx.members.admin.actor);
    fx.clock.advance(60 * 60_000);
  });

  it('filters by actor (id, or text of an email), action (one, or a family), target (id, or a name), target type and time, and names what it names by id', async () => {
    const byAdmin = await list(`actor=${fx.members.admin.id}&from=${encodeURIComponent(startedAt.toISOString())}`);
    expect(byAdmin.entries.map((e) => e.action).sort()).toEqual(['blueprint.create', 'blueprint.create', 'user.create']);
    expect((await list('actor=BO%40EXAMPLE')).entries.every((e) => e.actor.email === 'bo@example.com')).toBe(true);
    expect((await list('actor=nobody-at-all')).entries).toEqual([]);

    const family = await list(`action=blueprint.*&from=${encodeURIComponent(startedAt.toISOString())}`);
    expect(family.entries.map((e) => e.action)).toEqual(['blueprint.create', 'blueprint.create']);

    const byName = await list('target=quarterly');
    expect(byName.entries.map((e) => e.targetId)).toEqual([blueprintId]);
    expect(byName.names[blueprintId]).toBe('Quarterly Reports');
    expect(byName.names[fx.members.admin.id]).toEqual(expect.any(String));
    const byId = await list(`target=${danaId}&targetType=user`);
    expect(byId.entries.map((e) => e.action)).toEqual(['user.create']);
    expect(byId.names[danaId]).toBe('Dana Reviewer');

    // [from, to): nothing before the suite's own changes, and nothing after them.
    const window = `from=${encodeURIComponent(startedAt.toISOString())}&to=${encodeURIComponent(new Date(startedAt.getTime() + 30 * 60_000).toISOString())}`;
    expect((await list(window)).entries).toHaveLength(3);
    expect((await list(`to=${encodeURIComponent(startedAt.toISOString())}&target=quarterly`)).entries).toEqual([]);
    // The old contract still holds: ?action= exact, paging with ?before=.
    const first = await list('limit=1');
    expect(first.entries).toHaveLength(1);
    expect((await list(`limit=1&before=${first.entries[0]!.id}`)).entries[0]!.id).not.toBe(first.entries[0]!.id);
  });

  it('refuses filters that mean nothing, with a message', async () => {
    for (const query of ['from=yesterday', `from=${encodeURIComponent('2026-01-02T00:00:00Z')}&to=${encodeURIComponent('2026-01-01T00:00:00Z')}`, 'action=a%20b', 'action=*', `actor=${'x'.repeat(300)}`]) {
      const res = await fx.request('GET', `/api/v1/audit?${query}`, { credential: auditor() });
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    }
    expect((await fx.request('GET', '/api/v1/audit/export?format=xml', { credential: auditor() })).status).toBe(400);
  });

  it('exports the filtered trail as CSV, with names and formulas neutralised, and records the export', async () => {
    const res = await fx.request('GET', `/api/v1/audit/export?format=csv&action=blueprint.create&from=${encodeURIComponent(startedAt.toISOString())}`, { credential: auditor() });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="audit-log-[0-9-]+\.csv"$/);
    const lines = res.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,at,actor,actorId,actorName,action,outcome,targetType,targetId,targetName,blueprintId,blueprintName,detail');
    expect(lines).toHaveLength(3);
    expect(lines.some((l) => l.includes(`,${blueprintId},Quarterly Reports,`))).toBe(true);
    // A name an admin typed can't become a formula in a spreadsheet: the cell starts with a quote.
    expect(res.text).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(res.text).not.toMatch(/,=HYPERLINK/);
    const [recorded] = (await list('action=audit.export&limit=1')).entries;
    expect(recorded).toMatchObject({ actor: { kind: 'user', id: fx.members.auditor.id } });
  });

  it('exports JSON: the same entries, with names', async () => {
    const res = await fx.request('GET', `/api/v1/audit/export?format=json&target=quarterly`, { credential: auditor() });
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/\.json"$/);
    const rows = JSON.parse(res.text) as Array<Record<string, unknown>>;
    expect(rows).toEqual([expect.objectContaining({ action: 'blueprint.create', targetId: blueprintId, targetName: 'Quarterly Reports', actorName: expect.any(String) })]);
    expect(JSON.parse((await fx.request('GET', '/api/v1/audit/export?format=json&actor=nobody-at-all', { credential: auditor() })).text)).toEqual([]);
    expect((await fx.request('GET', '/api/v1/audit/export', { credential: { bearer: fx.members.builder.token } })).status).toBe(403);
  });
});
