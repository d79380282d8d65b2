import createDOMPurify from 'dompurify';
import { JSDOM } from 'jsdom';
import { ApiError } from '../errors.js';

/**
 * SVG logos, sanitised with DOMPurify's SVG profile over jsdom. What only clutters a file
 * (editor metadata, unknown attributes) is stripped; what could run or reach out is refused
 * with the reason, rather than stripped: a logo that needed a script or an external image
 * would not look like what its admin uploaded anyway, and refusing says so.
 * Refused: scripts, event handlers, <foreignObject> (HTML inside an SVG), any reference
 * that leaves the file (href, xlink:href, url() and @import to anything but `#fragment`
 * or an embedded raster data: image), javascript: anywhere, and a DOCTYPE (entities).
 */

class UnsafeSvgError extends ApiError {
  constructor(reason: string) { super(400, 'unsafe_svg', `this SVG can't be made safe: ${reason}; export it again without it`); }
}

const { window } = new JSDOM('');
const purify = createDOMPurify(window as unknown as Parameters<typeof createDOMPurify>[0]);

/** Elements that run code or embed other documents; refused even where the profile would drop them. */
const DANGEROUS_ELEMENTS = new Set(['script', 'foreignobject', 'iframe', 'embed', 'object', 'handler', 'listener', 'audio', 'video', 'set', 'animate']);

/** A reference that stays inside the file, or an embedded raster image (which can't run anything). */
const SAFE_REFERENCE = /^(#[^\s]*|data:image\/(png|jpeg|gif|webp);base64,[a-z0-9+/=\s]*)$/i;
const URL_FUNCTION = /url\s*\(\s*(['"]?)(.*?)\1\s*\)/gi;

/** Why a value is unsafe, or null: javascript: anywhere, a url() or @import that leaves the file. */
function unsafeValue(value: string, css = false): string | null {
  // CSS escapes (`@\69mport`, `url(\68ttp:…)`) would hide what the checks below look for.
  if (css && value.includes('\\')) return 'a CSS escape';
  const compact = value.replace(/[\s\u0000-\u001f]/g, '').toLowerCase();
  if (compact.includes('javascript:') || compact.includes('vbscript:')) return 'a javascript: link';
  if (/@import/i.test(value)) return 'an @import';
  if (/expression\s*\(/i.test(value)) return 'a CSS expression';
  for (const m of value.matchAll(URL_FUNCTION)) {
    const target = m[2]!.trim();
    if (!SAFE_REFERENCE.test(target)) return `a reference to ${JSON.stringify(target.slice(0, 80))}`;
  }
  return null;
}

let findings: string[] = [];

purify.addHook('uponSanitizeElement', (node, data) => {
  const name = data.tagName.toLowerCase();
  if (DANGEROUS_ELEMENTS.has(name)) findings.push(`a <${(node as Element).nodeName}> element`);
  if (name === 'style') {
    const why = unsafeValue(node.textContent ?? '', true);
    if (why) findings.push(`${why} in a <style>`);
  }
});
purify.addHook('uponSanitizeAttribute', (_node, data) => {
  const name = data.attrName.toLowerCase();
  const value = data.attrValue;
  if (name.startsWith('on')) { findings.push(`an event handler (${name}=)`); return; }
  if (name === 'href' || name === 'xlink:href' || name === 'src') {
    if (!SAFE_REFERENCE.test(value.trim())) findings.push(`a reference to ${JSON.stringify(value.trim().slice(0, 80))}`);
    return;
  }
  const why = unsafeValue(value, name === 'style');
  if (why) findings.push(`${why} in ${name}=`);
});

/** The start of the text, past a byte-order mark, whitespace, an XML declaration and comments. */
function prologEnd(text: string): string {
  return text.replace(/^\uFEFF?(\s+|<\?xml[^>]*\?>|<!--[\s\S]*?-->)*/, '');
}

/** Whether the bytes are UTF-8 text whose first element is <svg> (a DOCTYPE before it is allowed here and refused later). */
export function looksLikeSvg(bytes: Buffer): boolean {
  let text: string;
  try { text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, 4096)); } catch { return false; }
  if (text.includes('\u0000')) return false;
  return /^(<!DOCTYPE\s+svg[\s\S]*?>\s*)?<svg[\s>]/i.test(prologEnd(text));
}

/** The SVG made safe to serve, as well-formed XML; throws UnsafeSvgError naming what it refused. */
export function sanitizeSvg(bytes: Buffer): Buffer {
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) throw new UnsafeSvgError('a DOCTYPE or entity declaration');
  findings = [];
  const fragment = purify.sanitize(text, {
    USE_PROFILES: { svg: true, svgFilters: true },
    RETURN_DOM_FRAGMENT: true,
  });
  const found = findings;
  findings = [];
  if (found.length > 0) throw new UnsafeSvgError([...new Set(found)].slice(0, 3).join(', '));
  const root = [...fragment.childNodes].find((n) => n.nodeType === 1) as Element | undefined;
  if (!root || root.localName !== 'svg') throw new ApiError(400, 'invalid_image', 'the file has no <svg> drawing in it');
  // XMLSerializer writes XML (namespaces declared, no HTML-only entities): the file is served as image/svg+xml.
  return Buffer.from(new window.XMLSerializer().serializeToString(root), 'utf8');
}
