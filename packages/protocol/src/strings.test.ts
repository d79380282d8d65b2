import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { dateTimeSchema, isWellFormedText, wellFormedString } from './strings.js';

describe('wellFormedString', () => {
  it('refuses NUL and lone surrogates, and keeps surrogate pairs', () => {
    for (const s of ['', 'plain', 'naïve', '\ud83d\udca9', 'a\ud800\udc00b']) expect(isWellFormedText(s), JSON.stringify(s)).toBe(true);
    for (const s of ['\0', 'a\0b', '\ud800', 'a\ud800', '\udc00b', '\udc00\ud800', 'x\ud83d\udca9\ud800']) expect(isWellFormedText(s), JSON.stringify(s)).toBe(false);
  });

  it('chains like z.string(), and pipes into formats', () => {
    const name = wellFormedString().trim().min(1).max(5);
    expect(name.parse('  ab  ')).toBe('ab');
    expect(name.safeParse('a\0').success).toBe(false);
    expect(name.safeParse('abcdef').success).toBe(false);
    const email = wellFormedString().trim().toLowerCase().pipe(z.email());
    expect(email.parse(' A@Example.com ')).toBe('a@example.com');
    expect(email.safeParse('a\ud800@example.com').success).toBe(false);
    // A URL parser would percent-encode the NUL and accept it; the refinement comes first.
    expect(wellFormedString().pipe(z.url()).safeParse('http://a.example/\0').success).toBe(false);
    expect(wellFormedString({ error: 'a name is required' }).safeParse(undefined).error?.issues[0]?.message).toBe('a name is required');
  });

  it('reads date-times the databases agree on', () => {
    expect(dateTimeSchema.safeParse('2026-01-31T12:00:00Z').success).toBe(true);
    expect(dateTimeSchema.safeParse('2026-01-31T12:00:00+02:00').success).toBe(true);
    for (const bad of ['0000-01-01T00:00:00Z', '99999-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '2026-01-31', 'Tue Jan 31 2026', '2026-13-45T99:99:99Z']) {
      expect(dateTimeSchema.safeParse(bad).success, bad).toBe(false);
    }
  });
});
