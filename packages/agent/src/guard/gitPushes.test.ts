import { describe, expect, it } from 'vitest';
import { gitPushesIn } from './gitPushes.js';

const push = (remote: string, ref: string, force = false, del = false) => ({ class: 'git_push', remote, ref, force, delete: del });

describe('git pushes in a shell command', () => {
  it('finds each push, its remote, refs, force and deletion', () => {
    expect(gitPushesIn('git push origin main')).toEqual([push('origin', 'main')]);
    expect(gitPushesIn('git push --force origin main')).toEqual([push('origin', 'main', true)]);
    expect(gitPushesIn('git push -f')).toEqual([push('origin', 'HEAD', true)]);
    expect(gitPushesIn('git push --force-with-lease=main:abc origin main')).toEqual([push('origin', 'main', true)]);
    expect(gitPushesIn('git push origin +feature:main :old')).toEqual([push('origin', 'main', true), push('origin', 'old', false, true)]);
    expect(gitPushesIn('git push --delete upstream topic')).toEqual([push('upstream', 'topic', false, true)]);
    expect(gitPushesIn('git push -u origin HEAD:refs/heads/x')).toEqual([push('origin', 'refs/heads/x')]);
    expect(gitPushesIn('git push --mirror backup')).toEqual([push('backup', '*', true, true)]);
    expect(gitPushesIn('git push -o ci.skip origin main')).toEqual([push('origin', 'main')]);
  });

  it('looks behind operators, wrappers, assignments, quotes and git options', () => {
    expect(gitPushesIn('npm test && git push -f origin main; echo done')).toEqual([push('origin', 'main', true)]);
    expect(gitPushesIn('GIT_TRACE=1 timeout 30 nohup git -C /workspace -c push.default=current push "origin" \'main\'')).toEqual([push('origin', 'main')]);
    expect(gitPushesIn('env -i /usr/bin/git push origin main | cat')).toEqual([push('origin', 'main')]);
    expect(gitPushesIn('(cd app && git push origin main)')).toEqual([push('origin', 'main')]);
  });

  it('finds none where nothing is pushed', () => {
    expect(gitPushesIn('git status && git commit -m "push later"')).toEqual([]);
    expect(gitPushesIn('echo git push origin main')).toEqual([]);
    expect(gitPushesIn('ls')).toEqual([]);
  });
});
