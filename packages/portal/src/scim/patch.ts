import { z } from 'zod';
import { getAttr, matchesFilter, parseAttrPath, parsePatchPath, type Filter } from './filter.js';
import { ScimError } from './scimErrors.js';
import { PATCH_OP_SCHEMA } from './scimSchemas.js';

/** The attributes of a resource type, as far as PATCH and input need to know them. */
export interface AttrDef {
  name: string;
  /** Sub-attributes of a complex attribute (or of an extension). */
  sub?: string[];
  multiValued?: boolean;
  readOnly?: boolean;
}

export interface ResourceShape {
  coreUri: string;
  attrs: AttrDef[];
  /** Extension schema URN → its attributes (held under the URN as an object). */
  extensions: Record<string, string[]>;
}

export type Resource = Record<string, unknown>;

const patchRequestSchema = z.object({
  schemas: z.array(z.string()).refine((s) => s.includes(PATCH_OP_SCHEMA), `schemas must include ${PATCH_OP_SCHEMA}`),
  Operations: z.array(z.object({
    op: z.string().transform((s) => s.toLowerCase()).pipe(z.enum(['add', 'replace', 'remove'])),
    path: z.string().max(1000).optional(),
    value: z.unknown().optional(),
  })).min(1).max(1000),
});
export type PatchOperation = z.infer<typeof patchRequestSchema>['Operations'][number];

/** Reads a PatchOp body (RFC 7644 §3.5.2); `Operations` and `op` are matched ignoring case. */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  const raw = (body ?? {}) as Record<string, unknown>;
  const normalized = { schemas: getAttr(raw, 'schemas'), Operations: getAttr(raw, 'Operations') };
  if (Array.isArray(normalized.Operations)) {
    normalized.Operations = normalized.Operations.map((o: unknown) => (o && typeof o === 'object'
      ? { op: getAttr(o as Resource, 'op'), path: getAttr(o as Resource, 'path'), value: getAttr(o as Resource, 'value') }
      : o));
  }
  const parsed = patchRequestSchema.safeParse(normalized);
  if (!parsed.success) {
    throw new ScimError(400, 'invalidSyntax', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  return parsed.data.Operations;
}

const isObject = (v: unknown): v is Resource => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A target inside a resource: a top-level key (or an extension URN), maybe a sub-attribute and a value filter. */
interface Target { def: AttrDef; key: string; sub?: string; filter?: Filter }

/**
 * Maps attribute names (any case, with or without the core schema URN) to their
 * canonical spelling. Null means an attribute Paddock doesn't keep: it is ignored,
 * as RFC 7644 §3.3 lets a provider do with attributes it doesn't support.
 */
function resolveTarget(shape: ResourceShape, path: string): Target | null {
  const ext = Object.keys(shape.extensions).find((u) => path.toLowerCase() === u.toLowerCase());
  if (ext) return { def: { name: ext, sub: shape.extensions[ext]! }, key: ext };
  const extPrefix = Object.keys(shape.extensions).find((u) => path.toLowerCase().startsWith(`${u.toLowerCase()}:`));
  if (extPrefix) {
    const name = shape.extensions[extPrefix]!.find((a) => a.toLowerCase() === path.slice(extPrefix.length + 1).toLowerCase());
    if (!name) return null;
    return { def: { name: extPrefix, sub: shape.extensions[extPrefix]! }, key: extPrefix, sub: name };
  }
  const p = parsePatchPath(path);
  if (p.uri && p.uri.toLowerCase() !== shape.coreUri.toLowerCase()) return null;
  const def = shape.attrs.find((a) => a.name.toLowerCase() === p.attr.toLowerCase());
  if (!def) return null;
  let sub: string | undefined;
  if (p.sub) {
    sub = def.sub?.find((s) => s.toLowerCase() === p.sub!.toLowerCase());
    if (!sub) return null;
  }
  if (p.filter && !def.multiValued) throw new ScimError(400, 'invalidPath', `${def.name} is not multi-valued; it takes no value filter`);
  return { def, key: def.name, ...(sub ? { sub } : {}), ...(p.filter ? { filter: p.filter } : {}) };
}

/** Spells the keys of a complex value canonically, dropping sub-attributes we don't keep. */
function canonicalObject(def: AttrDef, value: unknown): Resource {
  if (!isObject(value)) throw new ScimError(400, 'invalidValue', `${def.name} takes an object`);
  const out: Resource = {};
  for (const [k, v] of Object.entries(value)) {
    const name = def.sub?.find((s) => s.toLowerCase() === k.toLowerCase());
    if (name) out[name] = v;
  }
  return out;
}

const sameValue = (a: Resource, b: Resource) =>
  String(a.value ?? '').toLowerCase() === String(b.value ?? '').toLowerCase();

/** Turns a whole resource body (POST, PUT) into canonical spelling, ignoring what we don't keep. */
export function canonicalResource(shape: ResourceShape, body: unknown): Resource {
  if (!isObject(body)) throw new ScimError(400, 'invalidSyntax', 'the body must be a JSON object');
  const out: Resource = {};
  for (const [k, v] of Object.entries(body)) {
    const t = resolveTargetLenient(shape, k);
    if (!t || t.def.readOnly || t.filter) continue;
    if (t.sub) {
      out[t.key] = { ...(isObject(out[t.key]) ? out[t.key] as Resource : {}), [t.sub]: v };
    } else if (v === null || v === undefined) out[t.key] = v;
    else if (t.def.multiValued) {
      if (!Array.isArray(v)) throw new ScimError(400, 'invalidValue', `${t.key} takes a list`);
      out[t.key] = v.map((item) => canonicalObject(t.def, item));
    } else out[t.key] = t.def.sub ? canonicalObject(t.def, v) : v;
  }
  return out;
}

/** Keys of a body are attribute names, never filters; a bad one is just ignored. */
function resolveTargetLenient(shape: ResourceShape, key: string): Target | null {
  try { return resolveTarget(shape, key); } catch { return null; }
}

function matching(list: Resource[], filter: Filter): Resource[] {
  return list.filter((item) => matchesFilter(filter, item));
}

/** The eq terms of a filter (`type eq "work"`), to build a value an add creates. */
function eqTerms(f: Filter): Resource {
  if (f.kind === 'compare' && f.op === 'eq' && !f.path.sub) return { [f.path.attr]: f.value };
  if (f.kind === 'and') return { ...eqTerms(f.left), ...eqTerms(f.right) };
  return {};
}

function addOrReplace(res: Resource, t: Target, value: unknown, op: 'add' | 'replace') {
  const { def, key } = t;
  if (def.readOnly) throw new ScimError(400, 'mutability', `${key} is read-only`);
  if (def.multiValued) {
    const list = Array.isArray(res[key]) ? [...(res[key] as Resource[])] : [];
    if (t.filter) {
      const hits = matching(list, t.filter);
      if (t.sub) {
        // Azure AD adds `emails[type eq "work"].value`: create the value when none matches.
        if (hits.length === 0) list.push({ ...canonicalObject(def, eqTerms(t.filter)), [t.sub]: value });
        for (const h of hits) h[t.sub] = value;
      } else {
        if (hits.length === 0) throw new ScimError(400, 'noTarget', `no value of ${key} matches the filter`);
        const replacement = canonicalObject(def, value);
        for (const h of hits) list[list.indexOf(h)] = op === 'replace' ? replacement : { ...h, ...replacement };
      }
      res[key] = list.map((v) => ({ ...v }));
      return;
    }
    if (t.sub) throw new ScimError(400, 'invalidPath', `${key}.${t.sub} needs a value filter, e.g. ${key}[type eq "work"].${t.sub}`);
    const values = (Array.isArray(value) ? value : [value]).map((v) => canonicalObject(def, v));
    if (op === 'replace') { res[key] = values; return; }
    for (const v of values) if (!list.some((existing) => sameValue(existing, v))) list.push(v);
    res[key] = list;
    return;
  }
  if (t.sub) {
    res[key] = { ...(isObject(res[key]) ? res[key] as Resource : {}), [t.sub]: value };
    return;
  }
  // A complex value merges: sub-attributes not given stay as they are (RFC 7644 §3.5.2.1, §3.5.2.3).
  res[key] = def.sub ? { ...(isObject(res[key]) ? res[key] as Resource : {}), ...canonicalObject(def, value) } : value;
}

function remove(res: Resource, t: Target, value: unknown) {
  const { def, key } = t;
  if (def.readOnly) throw new ScimError(400, 'mutability', `${key} is read-only`);
  if (def.multiValued) {
    const list = Array.isArray(res[key]) ? (res[key] as Resource[]) : [];
    if (t.filter) {
      const hits = new Set(matching(list, t.filter));
      res[key] = t.sub ? list.map((v) => { if (!hits.has(v)) return v; const { [t.sub!]: _gone, ...rest } = v; return rest; })
        : list.filter((v) => !hits.has(v));
      return;
    }
    // Azure AD removes members as {"path": "members", "value": [{"value": id}]}: only those go.
    if (Array.isArray(value)) {
      const gone = value.map((v) => canonicalObject(def, v));
      res[key] = list.filter((v) => !gone.some((g) => sameValue(v, g)));
    } else res[key] = [];
    return;
  }
  if (t.sub) {
    if (isObject(res[key])) { const { [t.sub]: _gone, ...rest } = res[key] as Resource; res[key] = rest; }
    return;
  }
  delete res[key];
}

/**
 * Applies PATCH operations (RFC 7644 §3.5.2) to a resource's current
 * representation and returns the result; the caller validates and stores it as a
 * replace. Supports path-less add/replace (Okta: `{"op":"replace","value":{"active":false}}`),
 * attribute and sub-attribute paths, and value filters (`members[value eq "…"]`).
 */
export function applyPatch(shape: ResourceShape, current: Resource, ops: PatchOperation[]): Resource {
  const res: Resource = structuredClone(current);
  for (const o of ops) {
    if (o.path === undefined || o.path === '') {
      if (o.op === 'remove') throw new ScimError(400, 'noTarget', 'remove needs a path');
      if (!isObject(o.value)) throw new ScimError(400, 'invalidValue', `${o.op} without a path takes an object of attributes`);
      for (const [k, v] of Object.entries(o.value)) {
        const t = resolveTargetLenient(shape, k);
        if (t && !t.def.readOnly) addOrReplace(res, t, v, o.op);
      }
      continue;
    }
    const t = resolveTarget(shape, o.path);
    if (!t) {
      parseAttrPath(o.path.replace(/\[.*$/, ''), 'invalidPath'); // a malformed path is an error; an unknown one is ignored
      continue;
    }
    if (o.op === 'remove') remove(res, t, o.value);
    else {
      if (o.value === undefined) throw new ScimError(400, 'invalidValue', `${o.op} needs a value`);
      addOrReplace(res, t, o.value, o.op);
    }
  }
  return res;
}
