import { describe, expect, it } from 'vitest';
import { gitPushesIn } from './gitPushes.js';

const push = (remote: string, ref: string, force = false, del = false) => ({ class: 'git_push', remote, ref, force, delete: del });

/**
 * The hook asks the policy's git_push rules about every push it finds in a
 * command, so a push it misses is a force push or a deletion the rules never
 * see at this enforcement point. Each case is what git itself would push.
 */
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

  it('takes every spelling of force: -f anywhere, in a cluster, --force, --force-with-lease, --force-if-includes, +refspecs', () => {
    for (const cmd of [
      'git push -f origin main', 'git push origin main -f', 'git push origin -f main', 'git push -uf origin main', 'git push -fu origin main',
      'git push -vvf origin main', 'git push --force origin main', 'git push origin main --force', 'git push --force-with-lease origin main',
      'git push --force-with-lease=main origin main', 'git push --force-with-lease=main:0123abc origin main', 'git push --force-if-includes origin main',
      'git push origin +main', 'git push origin +main:main', 'git push origin "+main"', 'git push --dry-run -f origin main',
    ]) expect(gitPushesIn(cmd), cmd).toEqual([push('origin', 'main', true)]);
    expect(gitPushesIn('git push origin +refs/heads/a:refs/heads/b')).toEqual([push('origin', 'refs/heads/b', true)]);
    // Only the refspec with a + is forced.
    expect(gitPushesIn('git push origin +a b')).toEqual([push('origin', 'a', true), push('origin', 'b')]);
  });

  it('is not fooled into force by options that merely look like it', () => {
    for (const cmd of [
      'git push --no-force origin main', 'git push --no-force-with-lease origin main', 'git push --follow-tags origin main',
      'git push --set-upstream origin main', 'git push -u origin main', 'git push -n origin main', 'git push --no-verify origin main',
      'git push --push-option=force origin main', 'git push -o force origin main',
    ]) expect(gitPushesIn(cmd), cmd).toEqual([push('origin', 'main')]);
  });

  it('takes every spelling of deletion: --delete, -d, :ref, --prune, --mirror', () => {
    expect(gitPushesIn('git push origin --delete a b')).toEqual([push('origin', 'a', false, true), push('origin', 'b', false, true)]);
    expect(gitPushesIn('git push -d origin a')).toEqual([push('origin', 'a', false, true)]);
    expect(gitPushesIn('git push -fd origin a')).toEqual([push('origin', 'a', true, true)]);
    expect(gitPushesIn('git push origin :old')).toEqual([push('origin', 'old', false, true)]);
    expect(gitPushesIn('git push origin :refs/tags/v1')).toEqual([push('origin', 'refs/tags/v1', false, true)]);
    expect(gitPushesIn('git push origin +:old')).toEqual([push('origin', 'old', true, true)]);
    expect(gitPushesIn('git push --delete')).toEqual([push('origin', 'HEAD', false, true)]);
    // --prune removes every remote branch that has no local one.
    expect(gitPushesIn('git push --prune origin refs/heads/*:refs/heads/*')).toEqual([push('origin', 'refs/heads/*', false, true)]);
    expect(gitPushesIn('git push --mirror')).toEqual([push('origin', '*', true, true)]);
    // `:` alone is the matching branches, not a deletion.
    expect(gitPushesIn('git push origin :')).toEqual([push('origin', '*')]);
  });

  it('defaults the remote to origin and the ref to HEAD, or every ref with --all, --branches, --tags', () => {
    expect(gitPushesIn('git push')).toEqual([push('origin', 'HEAD')]);
    expect(gitPushesIn('git push upstream')).toEqual([push('upstream', 'HEAD')]);
    expect(gitPushesIn('git push --all')).toEqual([push('origin', '*')]);
    expect(gitPushesIn('git push --all upstream')).toEqual([push('upstream', '*')]);
    expect(gitPushesIn('git push --branches origin')).toEqual([push('origin', '*')]);
    expect(gitPushesIn('git push --tags')).toEqual([push('origin', '*')]);
    expect(gitPushesIn('git push origin HEAD')).toEqual([push('origin', 'HEAD')]);
  });

  it('takes the remote from --repo when no repository is named, as git does', () => {
    expect(gitPushesIn('git push --repo=upstream')).toEqual([push('upstream', 'HEAD')]);
    expect(gitPushesIn('git push --repo upstream -f')).toEqual([push('upstream', 'HEAD', true)]);
    // The repository argument wins over --repo.
    expect(gitPushesIn('git push --repo=upstream origin main')).toEqual([push('origin', 'main')]);
  });

  it('skips the values of options that take one, attached or as the next word', () => {
    expect(gitPushesIn('git push -o ci.skip -o merge_request.create origin main')).toEqual([push('origin', 'main')]);
    expect(gitPushesIn('git push --push-option ci.skip origin main')).toEqual([push('origin', 'main')]);
    expect(gitPushesIn('git push --receive-pack /usr/bin/git-receive-pack origin main')).toEqual([push('origin', 'main')]);
    expect(gitPushesIn('git push --exec=/x origin main')).toEqual([push('origin', 'main')]);
    // A cluster ending in -o takes the next word; one with the value attached takes none.
    expect(gitPushesIn('git push -fo ci.skip origin main')).toEqual([push('origin', 'main', true)]);
    expect(gitPushesIn('git push -oci.skip origin main')).toEqual([push('origin', 'main')]);
  });

  it('reads several refspecs, src:dst pairs, tag <name> and everything after --', () => {
    expect(gitPushesIn('git push origin main:main feature')).toEqual([push('origin', 'main'), push('origin', 'feature')]);
    expect(gitPushesIn("git push origin 'feat:main'")).toEqual([push('origin', 'main')]);
    expect(gitPushesIn('git push origin tag v1.0')).toEqual([push('origin', 'refs/tags/v1.0')]);
    expect(gitPushesIn('git push origin -- -weird')).toEqual([push('origin', '-weird')]);
    expect(gitPushesIn('git push -- origin main')).toEqual([push('origin', 'main')]);
    expect(gitPushesIn('git push --no-verify -- origin +main')).toEqual([push('origin', 'main', true)]);
  });

  it('keeps a URL remote as written (the decider strips its credentials before any rule or event sees it)', () => {
    expect(gitPushesIn('git push https://user:tok@github.com/o/r.git main')).toEqual([push('https://user:tok@github.com/o/r.git', 'main')]);
    expect(gitPushesIn('git push git@github.com:o/r.git +main')).toEqual([push('git@github.com:o/r.git', 'main', true)]);
  });

  it('finds each push of a chain, a pipeline, a list or a background job', () => {
    expect(gitPushesIn('a && git push -f; git push --delete origin x || git push origin :y')).toEqual([
      push('origin', 'HEAD', true), push('origin', 'x', false, true), push('origin', 'y', false, true),
    ]);
    expect(gitPushesIn('git push origin main & git push -f other dev')).toEqual([push('origin', 'main'), push('other', 'dev', true)]);
    expect(gitPushesIn('echo x | git push')).toEqual([push('origin', 'HEAD')]);
    expect(gitPushesIn('git push origin main\ngit push -f origin dev')).toEqual([push('origin', 'main'), push('origin', 'dev', true)]);
    expect(gitPushesIn('npm test && git push -f origin main; echo done')).toEqual([push('origin', 'main', true)]);
    expect(gitPushesIn('nohup git push -f &')).toEqual([push('origin', 'HEAD', true)]);
  });

  it('finds pushes inside shell grammar: if/then, loops, braces, subshells, $( ) and backticks', () => {
    for (const cmd of [
      'if git diff --quiet; then git push -f; fi', 'while true; do git push -f; done', 'until false; do git push -f; done',
      '{ git push -f; }', '(git push -f)', '! git push -f', 'echo $(git push -f)', 'echo `git push -f`',
      'if false; then :; else git push -f; fi', 'if false; then :; elif git push -f; then :; fi',
    ]) expect(gitPushesIn(cmd), cmd).toContainEqual(push('origin', 'HEAD', true));
  });

  it('does not take redirections for the remote or refs', () => {
    expect(gitPushesIn('git push -f origin main 2>&1')).toEqual([push('origin', 'main', true)]);
    expect(gitPushesIn('git push -f origin main > /tmp/log')).toEqual([push('origin', 'main', true)]);
    expect(gitPushesIn('git push > /dev/null origin main')).toEqual([push('origin', 'main')]);
    expect(gitPushesIn('git push origin main>>log 2>/dev/null')).toEqual([push('origin', 'main')]);
    expect(gitPushesIn('git push &>/dev/null origin +main')).toEqual([push('origin', 'main', true)]);
    expect(gitPushesIn('git push origin main <<< yes')).toEqual([push('origin', 'main')]);
    expect(gitPushesIn('git push origin main 2>&1 | tee log')).toEqual([push('origin', 'main')]);
  });

  it('looks behind wrappers with their options, assignments, quotes, escapes and git options', () => {
    for (const cmd of [
      'GIT_TRACE=1 timeout 30 nohup git push -f', 'FOO=1 BAR=2 git push -f', 'env FOO=1 git push -f', 'env -i /usr/bin/git push -f',
      'env -u HOME git push -f', 'env -C /workspace git push -f', 'timeout -s KILL 10 git push -f', 'timeout --signal=KILL 10 git push -f',
      'timeout -k 5 10 git push -f', 'nice -n 5 git push -f', 'nice git push -f', 'command git push -f', 'exec git push -f', 'time git push -f',
      '"git" push -f', "'git' 'push' '-f'", 'g\\it push -f', 'git "push" -f', '/usr/bin/git push -f', './git push -f',
      'git -C /workspace push -f', 'git -c push.default=current push -f', 'git --git-dir .git push -f', 'git --git-dir=.git push -f',
      'git --no-pager push -f', 'git -C a -C b push -f',
    ]) expect(gitPushesIn(cmd), cmd).toEqual([push('origin', 'HEAD', true)]);
    expect(gitPushesIn('GIT_TRACE=1 timeout 30 nohup git -C /workspace -c push.default=current push "origin" \'main\'')).toEqual([push('origin', 'main')]);
    expect(gitPushesIn('(cd app && git push origin main)')).toEqual([push('origin', 'main')]);
  });

  it('finds none where nothing is pushed', () => {
    for (const cmd of [
      'git status && git commit -m "push later"', 'echo git push origin main', 'ls', 'git pushx origin', 'git push-all', 'git fetch origin',
      "echo 'git push -f'", 'echo "a; git push -f"', 'git log --grep push', 'git -C push status', 'gitk push', '',
    ]) expect(gitPushesIn(cmd), cmd).toEqual([]);
  });
});
