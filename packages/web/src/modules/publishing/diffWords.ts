import type { VersionDiffResult } from '@paddock/protocol';

/** "2 files added, 1 changed, 1 removed", in plain words. */
export function diffSummary(diff: VersionDiffResult): string {
  const count = (s: string) => diff.files.filter((f) => f.status === s).length;
  const parts = [['added', count('added')], ['changed', count('modified') + count('renamed')], ['removed', count('deleted')]] as const;
  const said = parts.filter(([, n]) => n > 0).map(([what, n], i) => (i === 0 ? `${n} file${n === 1 ? '' : 's'} ${what}` : `${n} ${what}`));
  return said.length ? said.join(', ') : 'No file changed';
}
