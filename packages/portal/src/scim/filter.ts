import { ILL_FORMED_TEXT_MESSAGE, isWellFormedText } from '@paddock/protocol';
import { ScimError } from './scimErrors.js';

/**
 * The SCIM filter grammar (RFC 7644 §3.4.2.2), the part Paddock supports:
 *
 *   filter    = orExpr
 *   orExpr    = andExpr *("or" andExpr)
 *   andExpr   = unary *("and" unary)
 *   unary     = "not" "(" filter ")" / "(" filter ")" / attrExpr
 *   attrExpr  = attrPath "pr" / attrPath compareOp compValue
 *   compareOp = eq / ne / co / sw / ew / gt / ge / lt / le
 *   compValue = false / null / true / number / string (JSON)
 *   attrPath  = [URI ":"] attrName ["." subAttr]
 *
 * Operators and attribute names are case-insensitive. Value paths inside a query
 * (`emails[type eq "work"]`) are refused; PATCH paths use them (parsePatchPath).
 */
export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterValue = string | number | boolean | null;

export interface AttrPath {
  /** The schema URI when the path was fully qualified, e.g. urn:ietf:params:scim:schemas:core:2.0:User. */
  uri?: string;
  attr: string;
  sub?: string;
}

export type Filter =
  | { kind: 'compare'; path: AttrPath; op: CompareOp; value: FilterValue }
  | { kind: 'present'; path: AttrPath }
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'not'; filter: Filter };

/** A PATCH target (RFC 7644 §3.5.2): `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`. */
export interface PatchPath {
  uri?: string;
  attr: string;
  filter?: Filter;
  sub?: string;
}

const COMPARE_OPS = new Set<string>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);

type Token =
  | { t: 'word'; v: string; at: number }
  | { t: 'string'; v: string; at: number }
  | { t: '(' | ')' | '[' | ']'; at: number };

function tokenize(text: string, errorType: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    if (c === '(' || c === ')' || c === '[' || c === ']') { tokens.push({ t: c, at: i }); i++; continue; }
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) throw new ScimError(400, errorType, `unterminated string at position ${i + 1}`);
      let v: string;
      try { v = JSON.parse(text.slice(i, j + 1)) as string; } catch { throw new ScimError(400, errorType, `bad string at position ${i + 1}`); }
      // Its escapes can spell what the query string can't carry: \u0000, or half a surrogate pair.
      if (!isWellFormedText(v)) throw new ScimError(400, errorType, `the string at position ${i + 1} ${ILL_FORMED_TEXT_MESSAGE}`);
      tokens.push({ t: 'string', v, at: i });
      i = j + 1;
      continue;
    }
    const m = /^[A-Za-z0-9_:.$+\-]+/.exec(text.slice(i));
    if (!m) throw new ScimError(400, errorType, `unexpected "${c}" at position ${i + 1}`);
    tokens.push({ t: 'word', v: m[0], at: i });
    i += m[0].length;
  }
  return tokens;
}

/** Splits `urn:…:User:name.givenName` into its schema URI, attribute and sub-attribute. */
export function parseAttrPath(text: string, errorType = 'invalidFilter'): AttrPath {
  let uri: string | undefined;
  let rest = text;
  if (text.toLowerCase().startsWith('urn:')) {
    const colon = text.lastIndexOf(':');
    uri = text.slice(0, colon);
    rest = text.slice(colon + 1);
  }
  const m = /^([A-Za-z$][\w$-]*)(?:\.([A-Za-z$][\w$-]*))?$/.exec(rest);
  if (!m) throw new ScimError(400, errorType, `"${text}" is not an attribute path`);
  return { ...(uri ? { uri } : {}), attr: m[1]!, ...(m[2] ? { sub: m[2] } : {}) };
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[], private readonly errorType: string) {}

  private fail(message: string): never { throw new ScimError(400, this.errorType, message); }
  private peek(): Token | undefined { return this.tokens[this.pos]; }
  private keyword(word: string): boolean {
    const tok = this.peek();
    if (tok?.t === 'word' && tok.v.toLowerCase() === word) { this.pos++; return true; }
    return false;
  }
  private expect(t: '(' | ')' | ']') {
    const tok = this.peek();
    if (tok?.t !== t) this.fail(`expected "${t}"${tok ? ` at position ${tok.at + 1}` : ' at the end'}`);
    this.pos++;
  }
  get done() { return this.pos >= this.tokens.length; }
  next(): Token | undefined { return this.tokens[this.pos++]; }

  filter(): Filter {
    let left = this.and();
    while (this.keyword('or')) left = { kind: 'or', left, right: this.and() };
    return left;
  }

  private and(): Filter {
    let left = this.unary();
    while (this.keyword('and')) left = { kind: 'and', left, right: this.unary() };
    return left;
  }

  private unary(): Filter {
    if (this.keyword('not')) {
      this.expect('(');
      const inner = this.filter();
      this.expect(')');
      return { kind: 'not', filter: inner };
    }
    if (this.peek()?.t === '(') {
      this.pos++;
      const inner = this.filter();
      this.expect(')');
      return inner;
    }
    return this.attrExpr();
  }

  private attrExpr(): Filter {
    const tok = this.next();
    if (tok?.t !== 'word') this.fail(tok ? `expected an attribute at position ${tok.at + 1}` : 'the filter ends too early');
    const path = parseAttrPath(tok.v, this.errorType);
    if (this.peek()?.t === '[') this.fail('value filters ("attr[…]") are not supported in queries');
    const opTok = this.next();
    if (opTok?.t !== 'word') this.fail(`expected an operator after "${tok.v}"`);
    const op = opTok.v.toLowerCase();
    if (op === 'pr') return { kind: 'present', path };
    if (!COMPARE_OPS.has(op)) this.fail(`unknown operator "${opTok.v}"`);
    return { kind: 'compare', path, op: op as CompareOp, value: this.value() };
  }

  private value(): FilterValue {
    const tok = this.next();
    if (!tok) this.fail('expected a value at the end');
    if (tok.t === 'string') return tok.v;
    if (tok.t !== 'word') this.fail(`expected a value at position ${tok.at + 1}`);
    const w = tok.v.toLowerCase();
    if (w === 'true') return true;
    if (w === 'false') return false;
    if (w === 'null') return null;
    if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(tok.v)) return Number(tok.v);
    return this.fail(`"${tok.v}" is not a value (strings are quoted)`);
  }

  /** For PATCH paths: attrPath, then an optional "[filter]" and ".sub". */
  patchPath(): PatchPath {
    const tok = this.next();
    if (tok?.t !== 'word') this.fail('a path starts with an attribute name');
    const path = parseAttrPath(tok.v, this.errorType);
    if (this.peek()?.t !== '[') {
      if (!this.done) this.fail('unexpected text after the path');
      return path;
    }
    if (path.sub) this.fail('a value filter follows an attribute, not a sub-attribute');
    this.pos++;
    const filter = this.filter();
    this.expect(']');
    let sub: string | undefined;
    const after = this.next();
    if (after) {
      const m = after.t === 'word' ? /^\.([A-Za-z$][\w$-]*)$/.exec(after.v) : null;
      if (!m || !this.done) this.fail('only ".subAttribute" may follow a value filter');
      sub = m[1];
    }
    return { ...(path.uri ? { uri: path.uri } : {}), attr: path.attr, filter, ...(sub ? { sub } : {}) };
  }
}

/** Parses a `filter` query parameter; a 400 invalidFilter error names what is wrong. */
export function parseFilter(text: string): Filter {
  if (text.length > 2000) throw new ScimError(400, 'invalidFilter', 'the filter is too long');
  const p = new Parser(tokenize(text, 'invalidFilter'), 'invalidFilter');
  if (p.done) throw new ScimError(400, 'invalidFilter', 'the filter is empty');
  const f = p.filter();
  if (!p.done) throw new ScimError(400, 'invalidFilter', 'unexpected text after the filter');
  return f;
}

/** Parses a PATCH operation's `path`; errors are 400 invalidPath. */
export function parsePatchPath(text: string): PatchPath {
  const p = new Parser(tokenize(text, 'invalidPath'), 'invalidPath');
  if (p.done) throw new ScimError(400, 'invalidPath', 'the path is empty');
  return p.patchPath();
}

const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);

/** Reads an attribute of a plain object, ignoring case (SCIM attribute names are case-insensitive). */
export function getAttr(obj: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : obj[key];
}

/**
 * Evaluates a filter against one value of a multi-valued attribute (a PATCH value
 * filter such as `members[value eq "…"]`). Strings compare case-insensitively.
 */
export function matchesFilter(f: Filter, item: Record<string, unknown>): boolean {
  switch (f.kind) {
    case 'and': return matchesFilter(f.left, item) && matchesFilter(f.right, item);
    case 'or': return matchesFilter(f.left, item) || matchesFilter(f.right, item);
    case 'not': return !matchesFilter(f.filter, item);
    case 'present': {
      const v = read(item, f.path);
      return v !== undefined && v !== null && v !== '';
    }
    case 'compare': {
      const actual = lower(read(item, f.path));
      const expected = lower(f.value);
      switch (f.op) {
        case 'eq': return (actual ?? null) === expected;
        case 'ne': return (actual ?? null) !== expected;
        case 'co': return typeof actual === 'string' && actual.includes(String(expected));
        case 'sw': return typeof actual === 'string' && actual.startsWith(String(expected));
        case 'ew': return typeof actual === 'string' && actual.endsWith(String(expected));
        case 'gt': return actual != null && expected != null && actual > expected;
        case 'ge': return actual != null && expected != null && actual >= expected;
        case 'lt': return actual != null && expected != null && actual < expected;
        case 'le': return actual != null && expected != null && actual <= expected;
      }
    }
  }
}

function read(item: Record<string, unknown>, path: AttrPath): unknown {
  const v = getAttr(item, path.attr);
  if (!path.sub) return v;
  return v && typeof v === 'object' ? getAttr(v as Record<string, unknown>, path.sub) : undefined;
}
