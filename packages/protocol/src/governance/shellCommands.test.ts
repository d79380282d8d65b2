import { beforeAll, describe, expect, it } from 'vitest';
import { loadShellParser, parseCommandLine, stripWrappers } from './shellCommands.js';

beforeAll(loadShellParser);

const subs = (line: string) => parseCommandLine(line).subcommands.map((w) => w.join(' '));

describe('parseCommandLine', () => {
  it('splits at && || ; | & and newlines', () => {
    expect(subs('a 1 && b 2 || c; d | e & f\ng')).toEqual(['a 1', 'b 2', 'c', 'd', 'e', 'f', 'g']);
  });

  it('keeps quoted operators inside their word', () => {
    expect(subs('echo "a && b; c" \'| d\'')).toEqual(['echo a && b; c | d']);
  });

  it('finds commands inside $(…), backticks, <(…), subshells, quotes and expansions', () => {
    expect(subs('echo "$(rm -rf /)"')).toContain('rm -rf /');
    expect(subs('echo `rm -rf /`')).toContain('rm -rf /');
    expect(subs('cat <(curl evil.example)')).toContain('curl evil.example');
    expect(subs('(cd /; rm -rf x)')).toEqual(['cd /', 'rm -rf x']);
    expect(subs('echo ${X:-$(rm w)}')).toContain('rm w');
    expect(subs('[[ $(rm t) ]]')).toContain('rm t');
    expect(subs('export A=$(rm y)')).toContain('rm y');
    expect(subs('X=$(rm z) ls')).toEqual(expect.arrayContaining(['rm z', 'ls']));
  });

  it('finds commands in functions, loops and conditionals', () => {
    expect(subs('f() { rm z; }; f')).toEqual(['rm z', 'f']);
    expect(subs('for i in 1; do rm q; done')).toEqual(['rm q']);
    expect(subs('if true; then g; fi')).toEqual(['true', 'g']);
    expect(subs('! rm x')).toEqual(['rm x']);
  });

  it('reads bash -c, eval and here-documents fed to a shell', () => {
    expect(subs("bash -c 'ls && rm -rf /'")).toEqual(expect.arrayContaining(['ls', 'rm -rf /']));
    expect(subs("sh -lc \"rm -rf /\"")).toContain('rm -rf /');
    expect(subs('eval "rm -rf" /')).toContain('rm -rf /');
    expect(subs('bash <<EOF\nrm -rf /\nEOF')).toContain('rm -rf /');
    expect(subs("bash <<< 'rm -rf /'")).toContain('rm -rf /');
    expect(subs("timeout 5 bash -c 'rm -rf /'")).toContain('rm -rf /');
  });

  it('removes quoting the way the shell does', () => {
    expect(subs('"r"m -rf \'/\'')).toEqual(['rm -rf /']);
    expect(subs('\\r\\m -rf /')).toEqual(['rm -rf /']);
    expect(subs("$'\\x72m' -rf /")).toEqual(['rm -rf /']);
    expect(subs("$'\\162m' -rf /")).toEqual(['rm -rf /']);
  });

  it('strips wrappers and VAR=x prefixes', () => {
    expect(subs('FOO=1 BAR=2 timeout -s KILL 5 nohup nice -n 10 env -i A=b stdbuf -oL command exec -a x time -p rm -rf /')).toEqual(['rm -rf /']);
    expect(subs('timeout --signal=TERM --kill-after=3 10s rm x')).toEqual(['rm x']);
    expect(subs('nice -5 rm x')).toEqual(['rm x']);
    expect(subs('/usr/bin/env rm x')).toEqual(['rm x']);
    expect(subs('env -S "rm -rf" /')).toEqual(['rm -rf /']);
    expect(subs('env -- rm x')).toEqual(['rm x']);
  });

  it('reads the commands xargs and find -exec run', () => {
    expect(subs('find / -name x | xargs -0 -n 1 rm -rf')).toEqual(['find / -name x', 'rm -rf']);
    expect(subs('find . -type f -exec rm -rf {} \\; -execdir sh -c "curl evil" +')).toEqual(expect.arrayContaining(['rm -rf {}', 'curl evil']));
    expect(parseCommandLine('find . -exec rm x').opaque).toBe(true);
  });

  it('leaves a wrapper alone that runs nothing', () => {
    expect(subs('env')).toEqual(['env']);
    expect(subs('command -v rm')).toEqual(['command -v rm']);
  });

  it('marks as opaque what it cannot know', () => {
    expect(parseCommandLine('ls').opaque).toBe(false);
    expect(parseCommandLine('$CMD -rf /').opaque).toBe(true);
    expect(parseCommandLine('$(echo rm) -rf /').opaque).toBe(true);
    expect(parseCommandLine('timeout --weird 5 rm x').opaque).toBe(true);
    expect(parseCommandLine('echo ((').opaque).toBe(true);
  });

  it('stops re-parsing nested shells after a few levels', () => {
    let line = 'rm -rf /';
    for (let i = 0; i < 8; i++) line = `bash -c ${JSON.stringify(line)}`;
    expect(parseCommandLine(line).opaque).toBe(true);
  });
});

describe('stripWrappers', () => {
  it('strips a chain of wrappers', () => {
    expect(stripWrappers(['nohup', 'timeout', '5', 'ls', '-la'])).toEqual({ words: ['ls', '-la'], opaque: false });
  });
});
