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
