const MAX_NAME = 40;
const SUFFIX_LENGTH = 4;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SUFFIX_LENGTH));
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
}

/**
 * A name for a new workspace from its blueprint's name, so Create is one
 * click: "Data Starter" becomes "data-starter-k3f9". Always matches
 * /^[a-z0-9][a-z0-9-]{0,39}$/.
 */
export function generateWorkspaceName(blueprintName: string): string {
  const base =
    blueprintName
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, MAX_NAME - SUFFIX_LENGTH - 1)
      .replace(/-+$/, '') || 'workspace';
  return `${base}-${randomSuffix()}`;
}

/** A display name from a prompt is a few words: enough to tell workspaces apart in a list. */
const PROMPT_NAME_WORDS = 6;
const PROMPT_NAME_CHARS = 40;

/** How prompts often begin, which names nothing: "Build me a…", "Please create an…", "I want a…". */
const LEAD_IN = /^(?:(?:please|can you|could you|i want(?: you)? to|i want|i'd like(?: you)? to|i would like(?: you)? to|let's|help me)\s+)*(?:(?:build|create|make|write|design|generate|develop|code|set up|add)\s+)?(?:(?:me|us)\s+)?(?:(?:a|an|the|some)\s+)?/iu;

/** Characters a display name refuses (protocol's workspaceDisplayNameSchema): control, separators, bidi controls. */
const UNSAFE = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/gu;

/**
 * The display name of a workspace made from the home prompt: its first words, without the
 * lead-in every prompt has ("Build me a"), cut at a word (never mid-word) to at most 6 words
 * and 40 characters, first letter capitalised; any script and emoji kept. "Build a page that
 * says Hello Finance" is "Page that says Hello Finance". A prompt of only lead-in, "New app".
 */
export function displayNameFromPrompt(prompt: string): string {
  const firstLine = prompt.replace(UNSAFE, ' ').trim().split(/[.!?。！？]\s|[.!?。！？]$/u)[0] ?? '';
  const flat = firstLine.replace(/\s+/gu, ' ').trim();
  const rest = flat.replace(LEAD_IN, '');
  // Too little left after the lead-in ("make a UI", "build me a"): the whole line reads better.
  const words = ([...rest].length >= 3 ? rest : flat).split(' ').filter(Boolean);
  let name = '';
  for (const word of words.slice(0, PROMPT_NAME_WORDS)) {
    const next = name ? `${name} ${word}` : word;
    if ([...next].length > PROMPT_NAME_CHARS) break;
    name = next;
  }
  // A single word longer than the limit (a URL, a run-on): its first characters, marked as cut.
  if (!name && words[0]) name = `${[...words[0]].slice(0, PROMPT_NAME_CHARS - 1).join('')}…`;
  name = name.replace(/[\s,;:–—-]+$/u, '');
  if (!name) return 'New app';
  const [first = '', ...others] = [...name];
  return first.toLocaleUpperCase() + others.join('');
}
