import type { GovernanceAction } from '@paddock/protocol';

type GitPush = Extract<GovernanceAction, { class: 'git_push' }>;

/**
 * The git pushes a shell command makes in plain sight (`git push --force
 * origin main`, also after `&&`, `;`, `|` and behind `env`, `timeout`,
 * `nohup`), so the hook asks the policy's git_push rules about them as well as
 * its command rules: a force push or a branch deletion is its own class. A
 * push hidden in a script, an alias or `$(…)` is not seen here: the egress
 * proxy sees every push over HTTPS.
 */
export function gitPushesIn(command: string): GitPush[] {
  const pushes: GitPush[] = [];
  for (const words of simpleCommands(command)) {
    const args = gitSubcommandArgs(stripWrappers(words));
    if (args) pushes.push(...pushActions(args));
  }
  return pushes;
}

/** Words of each simple command, split at `&& || ; | &` and newlines outside quotes. */
function simpleCommands(command: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
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
    if (c === '&' || c === '|' || c === ';' || c === '\n' || c === '(' || c === ')') { endCommand(); continue; }
    if (c === ' ' || c === '\t') { endWord(); continue; }
    word += c;
    inWord = true;
  }
  endCommand();
  return commands;
}

/** What runs behind variable assignments and the wrappers that only change how it runs. */
function stripWrappers(words: string[]): string[] {
  let i = 0;
  for (;;) {
    const w = words[i];
    if (w === undefined) return [];
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) i++;
    else if (w === 'env' || w === 'nohup' || w === 'command' || w === 'exec' || w === 'nice' || w === 'time') {
      i++;
      while (words[i]?.startsWith('-')) i++;
    } else if (w === 'timeout') {
      i++;
      while (words[i]?.startsWith('-')) i++;
      i++; // the duration
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
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') { positionals.push(...args.slice(i + 1)); break; }
    if (!a.startsWith('-') || a === '-') { positionals.push(a); continue; }
    if (pushValueOptions.has(a)) { i++; continue; }
    if (a === '--force' || a.startsWith('--force-with-lease') || a === '--force-if-includes') force = true;
    else if (a === '--delete') deleting = true;
    else if (a === '--mirror') { force = true; deleting = true; all = true; }
    else if (a === '--all' || a === '--branches' || a === '--tags') all = true;
    else if (/^-[a-zA-Z]+$/.test(a)) {
      if (a.includes('f')) force = true;
      if (a.includes('d')) deleting = true;
    }
  }
  const remote = positionals[0] ?? 'origin';
  const refspecs = positionals.slice(1);
  if (refspecs.length === 0) return [{ class: 'git_push', remote, ref: all ? '*' : 'HEAD', force, delete: deleting }];
  return refspecs.map((spec) => {
    const plus = spec.startsWith('+');
    const body = plus ? spec.slice(1) : spec;
    const colon = body.indexOf(':');
    const src = colon < 0 ? body : body.slice(0, colon);
    const dst = colon < 0 ? body : body.slice(colon + 1);
    return { class: 'git_push', remote, ref: dst || src, force: force || plus, delete: deleting || (colon >= 0 && src === '') };
  });
}
