/** What a filter match shows of a secret: its first 4 characters, never more. */
export function mask(secret: string): string {
  return `${[...secret].slice(0, 4).join('')}***`;
}
