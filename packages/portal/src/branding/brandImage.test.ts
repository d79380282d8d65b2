import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { checkBrandImage } from './brandImage.js';

/** The smallest real PNG: a 1×1 transparent pixel. */
export const PNG_1PX = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const SVG = (inner: string, attrs = '') => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10"${attrs}>${inner}</svg>`);

function refusal(f: () => unknown): { status: number; code: string; message: string } {
  try { f(); } catch (err) {
    if (err instanceof ApiError) return { status: err.status, code: err.code, message: err.message };
    throw err;
  }
  throw new Error('accepted');
}

describe('an uploaded logo or favicon', () => {
  it('takes a PNG, JPEG, WebP and ICO by their magic bytes, and answers the type the bytes prove', () => {
    expect(checkBrandImage('logo-light', 'image/png', PNG_1PX)).toMatchObject({ contentType: 'image/png' });
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(16)]);
    expect(checkBrandImage('logo-dark', 'image/jpeg', jpeg).contentType).toBe('image/jpeg');
    const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x10, 0, 0, 0]), Buffer.from('WEBPVP8 '), Buffer.alloc(8)]);
    expect(checkBrandImage('logo-light', 'image/webp', webp).contentType).toBe('image/webp');
    const ico = Buffer.concat([Buffer.from([0, 0, 1, 0, 1, 0]), Buffer.alloc(16)]);
    expect(checkBrandImage('favicon', 'image/vnd.microsoft.icon', ico).contentType).toBe('image/x-icon');
  });

  it('refuses a PNG sent as SVG, naming both types', () => {
    const r = refusal(() => checkBrandImage('logo-light', 'image/svg+xml', PNG_1PX));
    expect(r).toMatchObject({ status: 400, code: 'invalid_image' });
    expect(r.message).toMatch(/PNG.*image\/svg\+xml/);
  });

  it('refuses a text file named .png (sent as image/png)', () => {
    const r = refusal(() => checkBrandImage('logo-light', 'image/png', Buffer.from('just some notes, not a picture\n')));
    expect(r).toMatchObject({ status: 400, code: 'invalid_image' });
    expect(r.message).toMatch(/not a PNG, JPEG, WebP, ICO or SVG/);
  });

  it('refuses a file over 512 KiB with 413 and says the limit', () => {
    const big = Buffer.alloc(600 * 1024);
    PNG_1PX.copy(big);
    const r = refusal(() => checkBrandImage('logo-light', 'image/png', big));
    expect(r).toMatchObject({ status: 413, code: 'too_large' });
    expect(r.message).toMatch(/600 KiB.*512 KiB/);
  });

  it('refuses an empty file, and a type the slot does not take (a JPEG favicon)', () => {
    expect(refusal(() => checkBrandImage('favicon', 'image/png', Buffer.alloc(0)))).toMatchObject({ status: 400, code: 'invalid_image' });
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(16)]);
    expect(refusal(() => checkBrandImage('favicon', 'image/jpeg', jpeg)).message).toMatch(/favicon/);
  });
});

describe('an uploaded SVG', () => {
  const svg = (inner: string, attrs = '') => checkBrandImage('logo-light', 'image/svg+xml', SVG(inner, attrs));
  const refused = (inner: string, attrs = '') => refusal(() => svg(inner, attrs));

  it('keeps a plain drawing, as well-formed SVG with its namespace', () => {
    const out = svg('<rect width="10" height="10" fill="#2563eb"/><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient><path d="M0 0L10 10" stroke="url(#g)"/>').bytes.toString('utf8');
    expect(out).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(out).toContain('fill="#2563eb"');
    expect(out).toContain('stroke="url(#g)"');
  });

  it('strips editor clutter it need not refuse (Inkscape metadata)', () => {
    const out = svg('<metadata><x/></metadata><rect width="1" height="1" inkscape:label="a" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"/>').bytes.toString('utf8');
    expect(out).toContain('<rect');
    expect(out).not.toContain('inkscape');
  });

  it('refuses a <script>', () => {
    expect(refused('<script>alert(1)</script><rect width="1" height="1"/>')).toMatchObject({ status: 400, code: 'unsafe_svg' });
    expect(refused('<script>alert(1)</script>').message).toMatch(/script/);
  });

  it('refuses an event handler (onload=)', () => {
    expect(refused('<rect width="1" height="1"/>', ' onload="alert(1)"').message).toMatch(/onload/);
    expect(refused('<rect width="1" height="1" onclick="alert(1)"/>').code).toBe('unsafe_svg');
  });

  it('refuses <foreignObject>', () => {
    expect(refused('<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>').message).toMatch(/foreignObject/i);
  });

  it('refuses an xlink:href to javascript:', () => {
    expect(refused('<a xlink:href="javascript:alert(1)"><rect width="1" height="1"/></a>').code).toBe('unsafe_svg');
    expect(refused('<a href=" JaVaScRiPt:alert(1)"><rect width="1" height="1"/></a>').code).toBe('unsafe_svg');
  });

  it('refuses external references: an <image href="http://…">, a url() in an attribute or a style, an @import', () => {
    expect(refused('<image href="http://evil.example/track.png" width="1" height="1"/>').message).toMatch(/http:\/\/evil\.example/);
    expect(refused('<rect width="1" height="1" fill="url(https://evil.example/x.svg#p)"/>').code).toBe('unsafe_svg');
    expect(refused('<rect width="1" height="1" style="fill:url(//evil.example/x)"/>').code).toBe('unsafe_svg');
    expect(refused('<style>@import url("https://evil.example/a.css");</style>').code).toBe('unsafe_svg');
    expect(refused('<style>@\\69mport "https://evil.example/a.css";</style>').message).toMatch(/CSS escape/);
    expect(refused('<rect width="1" height="1" style="fill:url(\\68ttps://evil.example/x)"/>').code).toBe('unsafe_svg');
  });

  it('refuses what is not an SVG at all, and an SVG with a DOCTYPE that declares entities', () => {
    expect(refusal(() => checkBrandImage('logo-light', 'image/svg+xml', Buffer.from('<html><body>hi</body></html>'))).code).toBe('invalid_image');
    const laughs = Buffer.from('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>');
    expect(refusal(() => checkBrandImage('logo-light', 'image/svg+xml', laughs)).code).toBe('unsafe_svg');
  });
});
