import { z } from 'zod';

/**
 * NUL, and UTF-16 surrogates without their pair. Neither survives the trip
 * through the system: PostgreSQL refuses NUL in text and `\u0000`/`\ud800` in
 * jsonb (the audit trail), silently turns a lone surrogate into U+FFFD in text
 * (so what was checked, hashed or audited is not what is stored), and file
 * systems refuse NUL in names. Nothing the API is sent may carry either.
 */
const ILL_FORMED = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const ILL_FORMED_TEXT_MESSAGE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

/** Most text has no NUL and no surrogate at all: one quick look settles it. */
const SUSPECT = /[\0\uD800-\uDFFF]/;

export const isWellFormedText = (s: string): boolean => !SUSPECT.test(s) || !ILL_FORMED.test(s);

/**
 * THE string schema of the API: use it for every string a client, a browser or
 * an identity provider sends, instead of z.string(). It refuses NUL and lone
 * surrogates and otherwise works like z.string():
 *
 *   name: wellFormedString().trim().min(1).max(64)
 *   email: wellFormedString().trim().toLowerCase().pipe(z.email().max(254))   (formats: pipe into them)
 *   userName: wellFormedString({ error: 'userName is required' })
 *
 * The route layer also checks every string of every request (path, query and
 * body, keys included) with the same test, so a field that is forgotten here is
 * still refused; this schema keeps the contract honest for every other reader
 * (the web app, the workspace daemon, tests).
 */
export const wellFormedString = (params?: Parameters<typeof z.string>[0]) =>
  z.string(params).refine(isWellFormedText, ILL_FORMED_TEXT_MESSAGE);

/**
 * An ISO 8601 date-time (RFC 3339) with its offset, in years 0001-9999: what
 * JavaScript and both databases agree on (PostgreSQL refuses year 0, and the
 * two read years past 9999 differently).
 */
export const dateTimeSchema = wellFormedString()
  .pipe(z.iso.datetime({ offset: true }))
  .refine((s) => !s.startsWith('0000'), 'the year must be between 0001 and 9999');
