import type { GovernanceAction } from '@paddock/protocol';

type GitPush = Extract<GovernanceAction, { class: 'git_push' }>;

/**
 * The git pushes a shell command makes in plain sight (`git push --force
 * origin main`, also after `&&`, `;`, `|`, inside `if …; then`, `{ …; }`,
 * `$(…)` and backticks, behind `env`, `timeout`, `nice`, `nohup` with their
 * options, around redirections), so the hook asks the policy's git_push rules
 * about them as well as its command rules: a force push or a branch deletion
 * is its own class. A push hidden in a script, an alias or a string handed to
 * `bash -c` is not seen here: the egress proxy sees every push over HTTPS.
 */
export function gitPushesIn(command: string): GitPush[] {
  const pushes: GitPush[] = [];
  for (const words of simpleCommands(command)) {
    const args = gitSubcommandArgs(stripWrappers(words));
    if (args) pushes.push(...pushActions(args));
  }
  return pushes;
}

/**
 * Words of each simple command, split at `&& || ; | &`, newlines, parentheses and
 * backticks outside quotes. Redirections (`> log`, `2>&1`, `&> out`, `<<< x`) and
 * their targets are no words of the command.
 */
function simpleCommands(command: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  /** The next word is a redirection's target. */
  let target = false;
  const endWord = () => {
    if (inWord) {
      if (target) target = false;
      else words.push(word);
    }
    word = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    target = false;
    if (words.length > 0) commands.push(words);
    words = [];
  };
  const redirection = (i: number): number => {
    // A file descriptor before it (`2>`) belongs to it.
    if (inWord && /^\d+$/.test(word) && !quote) { word = ''; inWord = false; } else endWord();
    let j = i;
    while (j < command.length && /[<>&|-]/.test(command[j]!) && j - i < 3) j++;
    target = true;
    return j - 1;
  };
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < command.length) word += command[++i];
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") { quote = c; inWord = true; continue; }
    if (c === '\\' && i + 1 < command.length) { word += command[++i]; inWord = true; continue; }
    if (c === '<' || c === '>' || (c === '&' && command[i + 1] === '>')) { i = redirection(i); continue; }
    if (c === '&' || c === '|' || c === ';' || c === '\n' || c === '(' || c === ')' || c === '`') { endCommand(); continue; }
    if (c === ' ' || c === '\t') { endWord(); continue; }
    word += c;
    inWord = true;
  }
  endCommand();
  return commands;
}

/** Words that open a command in bash's grammar without being one (`if …; then git push`, `{ git push; }`). */
const reservedWords = new Set(['!', '{', 'if', 'then', 'else', 'elif', 'while', 'until', 'do']);

/** The wrappers that only change how a command runs, and their options that take the next word as a value. */
const wrappers = new Map<string, ReadonlySet<string>>([
  ['env', new Set(['-u', '--unset', '-C', '--chdir', '-S', '--split-string'])],
  ['nice', new Set(['-n', '--adjustment'])],
  ['timeout', new Set(['-s', '--signal', '-k', '--kill-after'])],
  ['nohup', new Set()], ['command', new Set()], ['exec', new Set(['-a'])], ['time', new Set()],
]);

/** What runs behind reserved words, variable assignments and the wrappers. */
function stripWrappers(words: string[]): string[] {
  let i = 0;
  for (;;) {
    const w = words[i];
    if (w === undefined) return [];
    const valueOptions = wrappers.get(w);
    if (reservedWords.has(w) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) i++;
    else if (valueOptions) {
      i++;
      while (words[i]?.startsWith('-')) i += valueOptions.has(words[i]!) ? 2 : 1;
      if (w === 'timeout') i++; // the duration
    } else return words.slice(i);
  }
}

/** git's global options that take a value as the next word. */
const gitValueOptions = new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--config-env']);

function gitSubcommandArgs(words: string[]): string[] | undefined {
  if (words[0] !== 'git' && !words[0]?.endsWith('/git')) return undefined;
  let i = 1;
  while (i < words.length && words[i]!.startsWith('-')) i += gitValueOptions.has(words[i]!) ? 2 : 1;
  return words[i] === 'push' ? words.slice(i + 1) : undefined;
}

/** push's options that take a value as the next word. */
const pushValueOptions = new Set(['-o', '--push-option', '--repo', '--receive-pack', '--exec']);

function pushActions(args: string[]): GitPush[] {
  let force = false;
  let deleting = false;
  let all = false;
  let repo: string | undefined;
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') { positionals.push(...args.slice(i + 1)); break; }
    if (!a.startsWith('-') || a === '-') { positionals.push(a); continue; }
    if (pushValueOptions.has(a)) {
      if (a === '--repo') repo = args[i + 1];
      i++;
      continue;
    }
    if (a.startsWith('--repo=')) repo = a.slice('--repo='.length);
    else if (a === '--force' || a.startsWith('--force-with-lease') || a === '--force-if-includes') force = true;
    // --prune removes every remote ref without a local one.
    else if (a === '--delete' || a === '--prune') deleting = true;
    else if (a === '--mirror') { force = true; deleting = true; all = true; }
    else if (a === '--all' || a === '--branches' || a === '--tags') all = true;
    else if (/^-[a-zA-Z0-9]/.test(a) && !a.startsWith('--')) {
      // A cluster of short options (`-fu`); `-o` takes the rest of it, or the next word, as its value.
      for (let k = 1; k < a.length; k++) {
        const flag = a[k];
        if (flag === 'f') force = true;
        else if (flag === 'd') deleting = true;
        else if (flag === 'o') {
          if (k === a.length - 1) i++;
          break;
        }
      }
    }
  }
  // The repository argument wins over --repo, as in git.
  const remote = positionals[0] ?? repo ?? 'origin';
  const refspecs = refspecsOf(positionals.slice(1));
  if (refspecs.length === 0) return [{ class: 'git_push', remote, ref: all ? '*' : 'HEAD', force, delete: deleting }];
  return refspecs.map((spec) => {
    const plus = spec.startsWith('+');
    const body = plus ? spec.slice(1) : spec;
    // `:` alone pushes the matching branches: no deletion.
    if (body === ':') return { class: 'git_push', remote, ref: '*', force: force || plus, delete: deleting };
    const colon = body.indexOf(':');
    const src = colon < 0 ? body : body.slice(0, colon);
    const dst = colon < 0 ? body : body.slice(colon + 1);
    return { class: 'git_push', remote, ref: dst || src, force: force || plus, delete: deleting || (colon >= 0 && src === '') };
  });
}

/** `tag <name>` is `refs/tags/<name>`. */
function refspecsOf(words: string[]): string[] {
  const specs: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (words[i] === 'tag' && i + 1 < words.length) specs.push(`refs/tags/${words[++i]}`);
    else specs.push(words[i]!);
  }
  return specs;
}
