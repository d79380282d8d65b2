import { describe, expect, it } from 'vitest';
import { diffSummary } from './diffWords';

const file = (path: string, status: 'added' | 'modified' | 'deleted' | 'renamed') => ({ path, status, additions: 1, deletions: 0, binary: false });

describe('what a diff changed, in words', () => {
  it('counts files added, changed (renames too) and removed, leaving out what is none', () => {
    expect(diffSummary({ files: [file('a', 'added'), file('b', 'added')], patch: '', truncated: false })).toBe('2 files added');
    expect(diffSummary({ files: [file('a', 'added'), file('b', 'modified'), file('c', 'renamed'), file('d', 'deleted')], patch: '', truncated: false }))
      .toBe('1 file added, 2 changed, 1 removed');
    expect(diffSummary({ files: [file('d', 'deleted')], patch: '', truncated: false })).toBe('1 file removed');
    expect(diffSummary({ files: [], patch: '', truncated: false })).toBe('No file changed');
  });
});
