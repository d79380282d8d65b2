/**
 * A command rule's pattern against one subcommand (its words joined by single
 * spaces), the way Claude Code's `Bash(…)` rules read: `*` matches any run of
 * characters, spaces included; a pattern that ends in ` *` with no other `*`
 * also matches the bare command (`npm *` matches `npm`), at a word boundary
 * (it never matches `npmx`); the older `npm:*` means the same; no `*` means
 * the exact command. Whitespace in the pattern is collapsed like the command's.
 */
export function commandPatternMatches(pattern: string, words: readonly string[]): boolean {
  return commandRegex(pattern).test(words.join(' '));
}

const cache = new Map<string, RegExp>();

function commandRegex(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let source = pattern.trim().replace(/\s+/g, ' ');
  if (source.endsWith(':*') && source.indexOf('*') === source.length - 1) source = `${source.slice(0, -2)} *`;
  const stars = source.split('*').length - 1;
  let regex: string;
  if (stars === 1 && source.endsWith(' *')) regex = `^${escape(source.slice(0, -2))}( .*)?$`;
  else regex = `^${source.split('*').map(escape).join('.*')}$`;
  const compiled = new RegExp(regex, 's');
  if (cache.size > 2000) cache.clear();
  cache.set(pattern, compiled);
  return compiled;
}

function escape(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
