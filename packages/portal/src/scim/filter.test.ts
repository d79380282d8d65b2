import { describe, expect, it } from 'vitest';
import { matchesFilter, parseFilter, parsePatchPath } from './filter.js';
import { ScimError } from './scimErrors.js';
import { applyPatch, parsePatchRequest } from './patch.js';
import { userShape } from './scimUsers.js';

const scimError = (fn: () => unknown): ScimError => {
  try { fn(); } catch (err) { if (err instanceof ScimError) return err; throw err; }
  throw new Error('expected a ScimError');
};

describe('the SCIM filter parser (RFC 7644 §3.4.2.2)', () => {
  it('parses comparisons with every value type', () => {
    expect(parseFilter('userName eq "bjensen"')).toEqual({ kind: 'compare', path: { attr: 'userName' }, op: 'eq', value: 'bjensen' });
    expect(parseFilter('active eq false')).toMatchObject({ value: false });
    expect(parseFilter('x ne null')).toMatchObject({ op: 'ne', value: null });
    expect(parseFilter('x gt -1.5e2')).toMatchObject({ op: 'gt', value: -150 });
    expect(parseFilter('title pr')).toEqual({ kind: 'present', path: { attr: 'title' } });
    expect(parseFilter('name.familyName co "O\\"Malley"')).toMatchObject({ path: { attr: 'name', sub: 'familyName' }, value: 'O"Malley' });
  });

  it('reads fully qualified attribute paths (schema URN, then attribute)', () => {
    expect(parseFilter('urn:ietf:params:scim:schemas:core:2.0:User:name.givenName sw "J"')).toMatchObject({ path: { uri: 'urn:ietf:params:scim:schemas:core:2.0:User', attr: 'name', sub: 'givenName' } });
  });

  it('gives "and" precedence over "or", and honours parentheses and not (§3.4.2.2, Figure 2)', () => {
    const f = parseFilter('a eq "1" or b eq "2" and c eq "3"');
    expect(f).toMatchObject({ kind: 'or', left: { path: { attr: 'a' } }, right: { kind: 'and' } });
    const g = parseFilter('(a eq "1" or b eq "2") and not (c eq "3")');
    expect(g).toMatchObject({ kind: 'and', left: { kind: 'or' }, right: { kind: 'not', filter: { path: { attr: 'c' } } } });
    expect(parseFilter('A EQ "1" AND B Pr')).toMatchObject({ kind: 'and', right: { kind: 'present' } });
  });

  it('rejects what it cannot parse with invalidFilter', () => {
    for (const bad of ['', 'userName', 'userName eq', 'userName xx "a"', 'userName eq bare', '(a eq "1"', 'a eq "1")', 'a eq "1" b eq "2"',
      'emails[type eq "work"]', 'a eq "unterminated', 'not a eq "1"', 'a.b.c eq "1"', 'a eq "1" and']) {
      const err = scimError(() => parseFilter(bad));
      expect(err.status, bad).toBe(400);
      expect(err.scimType, bad).toBe('invalidFilter');
    }
  });

  it('evaluates value filters in memory, ignoring case in strings', () => {
    const f = parseFilter('type eq "WORK" and value co "@corp"');
    expect(matchesFilter(f, { type: 'work', value: 'a@corp.example' })).toBe(true);
    expect(matchesFilter(f, { type: 'home', value: 'a@corp.example' })).toBe(false);
    expect(matchesFilter(parseFilter('primary pr'), { primary: false })).toBe(true);
    expect(matchesFilter(parseFilter('display pr'), { value: 'x' })).toBe(false);
  });
});

describe('PATCH paths and operations (RFC 7644 §3.5.2)', () => {
  it('parses attr, attr.sub, attr[filter] and attr[filter].sub', () => {
    expect(parsePatchPath('active')).toEqual({ attr: 'active' });
    expect(parsePatchPath('name.givenName')).toEqual({ attr: 'name', sub: 'givenName' });
    expect(parsePatchPath('members[value eq "2819c223"]')).toMatchObject({ attr: 'members', filter: { op: 'eq', value: '2819c223' } });
    expect(parsePatchPath('emails[type eq "work"].value')).toMatchObject({ attr: 'emails', filter: { kind: 'compare' }, sub: 'value' });
    for (const bad of ['', 'members[value eq "x"', 'members[value eq "x"]junk', 'name.givenName[value eq "x"]']) {
      expect(scimError(() => parsePatchPath(bad)).scimType, bad).toBe('invalidPath');
    }
  });

  it('needs the PatchOp schema and a known op', () => {
    expect(scimError(() => parsePatchRequest({ Operations: [{ op: 'add', value: {} }] })).scimType).toBe('invalidSyntax');
    expect(scimError(() => parsePatchRequest({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'copy' }] })).scimType).toBe('invalidSyntax');
    expect(parsePatchRequest({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], operations: [{ OP: 'Replace', Path: 'active', Value: 'False' }] }))
      .toEqual([{ op: 'replace', path: 'active', value: 'False' }]);
  });

  it('merges a complex value and leaves unnamed sub-attributes alone (§3.5.2.3)', () => {
    const out = applyPatch(userShape, { userName: 'a@x.example', name: { givenName: 'A', familyName: 'B' } }, [{ op: 'replace', value: { NAME: { givenname: 'C' } } }]);
    expect(out.name).toEqual({ givenName: 'C', familyName: 'B' });
  });

  it('does not touch the resource it was given', () => {
    const current = { userName: 'a@x.example', emails: [{ value: 'a@x.example', type: 'work' }] };
    applyPatch(userShape, current, [{ op: 'remove', path: 'emails[type eq "work"]' }]);
    expect(current.emails).toHaveLength(1);
  });
});
