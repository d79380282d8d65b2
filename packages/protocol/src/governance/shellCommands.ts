import { createRequire } from 'node:module';
import { Language, Parser, type Node } from 'web-tree-sitter';

/**
 * A shell command line as the policy sees it: every simple command it would
 * run, wherever it sits (after `&& || ; | &`, on its own line, inside `$(…)`,
 * backticks, `<(…)`, subshells, loops, functions, `bash -c '…'`, `eval …`, a
 * here-document fed to a shell), each as its words with the quoting removed
 * and process wrappers (`timeout`, `nohup`, `env`, `nice`, `time`, `stdbuf`,
 * `command`, `exec`) stripped. Parsed by tree-sitter's bash grammar (the one
 * Claude Code itself uses), never by splitting strings: an attacker writes
 * `"r"m`, `$'\x72m'`, `echo "$(rm …)"` and newlines.
 *
 * `opaque` says the policy can't know what the line runs: it doesn't parse,
 * a command's name is computed (`$CMD`, `$(…)`), or a wrapper has an option
 * this module doesn't know. An opaque line never gets `allow` from a rule.
 */
export interface ParsedCommandLine {
  subcommands: string[][];
  opaque: boolean;
}

let parser: Parser | undefined;
let loading: Promise<void> | undefined;

/** Loads the bash grammar (WebAssembly) once per process; `parseCommandLine` needs it. */
export function loadShellParser(): Promise<void> {
  loading ??= (async () => {
    await Parser.init();
    const require = createRequire(import.meta.url);
    const bash = await Language.load(require.resolve('tree-sitter-bash/tree-sitter-bash.wasm'));
    const p = new Parser();
    p.setLanguage(bash);
    parser = p;
  })();
  return loading;
}

/** Re-parsing `bash -c` strings stops here: deeper nesting is opaque. */
const MAX_DEPTH = 4;
const SHELLS = new Set(['bash', 'sh', 'dash', 'zsh', 'ksh', 'ash', 'busybox']);

export function parseCommandLine(text: string): ParsedCommandLine {
  const out: ParsedCommandLine = { subcommands: [], opaque: false };
  collect(text, 0, out);
  return out;
}

function collect(text: string, depth: number, out: ParsedCommandLine): void {
  if (!parser) throw new Error('the shell parser is not loaded (await loadShellParser() first)');
  if (depth > MAX_DEPTH) {
    out.opaque = true;
    return;
  }
  const tree = parser.parse(text);
  if (!tree) {
    out.opaque = true;
    return;
  }
  try {
    if (tree.rootNode.hasError) out.opaque = true;
    walk(tree.rootNode, depth, out);
  } finally {
    tree.delete();
  }
}

function walk(node: Node, depth: number, out: ParsedCommandLine): void {
  if (node.type === 'command') simpleCommand(node, depth, out);
  else if (node.type === 'declaration_command' || node.type === 'unset_command') {
    const keyword = node.child(0)?.text ?? node.type;
    out.subcommands.push([keyword, ...node.namedChildren.filter((c) => c !== null).map((c) => wordValue(c).text)]);
  } else if (node.type === 'redirected_statement') shellInput(node, depth, out);
  for (const child of node.namedChildren) if (child) walk(child, depth, out);
}

function simpleCommand(node: Node, depth: number, out: ParsedCommandLine): void {
  const name = node.childForFieldName('name');
  if (!name) return; // only assignments (`A=1`): their values' substitutions are walked as children
  const words = [name, ...node.childrenForFieldName('argument').filter((c) => c !== null)].map(wordValue);
  if (words[0]?.dynamic) out.opaque = true;
  const stripped = stripWrappers(words.map((w) => w.text));
  if (stripped.opaque) out.opaque = true;
  out.subcommands.push(stripped.words);
  nestedShell(stripped.words, depth, out);
  findExec(stripped.words, depth, out);
  if (SHELLS.has(basename(stripped.words[0] ?? ''))) herestrings(node, depth, out);
}

/** `bash -c '…'`, `sh -lc '…'`, `eval …`: the string is a command line of its own. */
function nestedShell(words: string[], depth: number, out: ParsedCommandLine): void {
  const [head, ...rest] = words;
  if (head === undefined) return;
  const program = basename(head);
  if (program === 'eval') {
    if (rest.length) collect(rest.join(' '), depth + 1, out);
    return;
  }
  if (!SHELLS.has(program)) return;
  const flag = rest.findIndex((w) => /^-[a-zA-Z]*c[a-zA-Z]*$/.test(w));
  const script = flag >= 0 ? rest[flag + 1] : undefined;
  if (script !== undefined) collect(script, depth + 1, out);
}

/** `find … -exec rm -rf {} ;` runs `rm -rf {}`: each -exec/-execdir/-ok/-okdir is a subcommand too. */
function findExec(words: string[], depth: number, out: ParsedCommandLine): void {
  if (basename(words[0] ?? '') !== 'find') return;
  for (let i = 1; i < words.length; i++) {
    if (!['-exec', '-execdir', '-ok', '-okdir'].includes(words[i] ?? '')) continue;
    const end = words.findIndex((w, j) => j > i && (w === ';' || w === '+'));
    const inner = words.slice(i + 1, end < 0 ? undefined : end);
    if (end < 0) out.opaque = true;
    if (inner.length) {
      const stripped = stripWrappers(inner);
      if (stripped.opaque) out.opaque = true;
      out.subcommands.push(stripped.words);
      nestedShell(stripped.words, depth, out);
    }
    if (end < 0) return;
    i = end;
  }
}

/** A here-document or here-string fed to a shell (`bash <<EOF … EOF`) is a command line too. */
function shellInput(node: Node, depth: number, out: ParsedCommandLine): void {
  const body = node.childForFieldName('body');
  const name = body?.type === 'command' ? body.childForFieldName('name') : null;
  if (!name || !SHELLS.has(basename(wordValue(name).text))) return;
  for (const redirect of node.namedChildren) {
    if (redirect?.type !== 'heredoc_redirect') continue;
    const text = redirect.namedChildren.find((c) => c?.type === 'heredoc_body')?.text;
    if (text) collect(text, depth + 1, out);
  }
}

function herestrings(command: Node | null, depth: number, out: ParsedCommandLine): void {
  for (const child of command?.namedChildren ?? []) {
    if (child?.type !== 'herestring_redirect') continue;
    const word = child.namedChildren[0];
    if (word) collect(wordValue(word).text, depth + 1, out);
  }
}

interface WordValue { text: string; dynamic: boolean }

/** A word as the shell would pass it, quotes and escapes removed; `dynamic` when it holds an expansion. */
function wordValue(node: Node): WordValue {
  switch (node.type) {
    case 'command_name': {
      const inner = node.namedChildren[0];
      return inner ? wordValue(inner) : { text: node.text, dynamic: false };
    }
    case 'word':
      return { text: node.text.replace(/\\\n/g, '').replace(/\\(.)/gs, '$1'), dynamic: false };
    case 'number':
      return { text: node.text, dynamic: false };
    case 'raw_string':
      return { text: node.text.slice(1, -1), dynamic: false };
    case 'ansi_c_string':
      return { text: ansiC(node.text.slice(2, -1)), dynamic: false };
    case 'string':
    case 'translated_string': {
      let text = '';
      let dynamic = false;
      for (const child of node.namedChildren) {
        if (!child) continue;
        if (child.type === 'string_content') text += child.text.replace(/\\\n/g, '').replace(/\\([$`"\\])/g, '$1');
        else if (child.type === 'string') {
          const inner = wordValue(child);
          text += inner.text;
          dynamic ||= inner.dynamic;
        } else {
          text += child.text;
          dynamic = true;
        }
      }
      return { text, dynamic };
    }
    case 'concatenation': {
      const parts = node.namedChildren.filter((c) => c !== null).map(wordValue);
      return { text: parts.map((p) => p.text).join(''), dynamic: parts.some((p) => p.dynamic) };
    }
    default:
      // $X, ${X}, $(…), `…`, $((…)), {a,b}, globs the shell expands: the text as written, marked dynamic.
      return { text: node.text, dynamic: true };
  }
}

/** `$'…'` escapes, so `$'\x72m'` reads as `rm`. */
function ansiC(body: string): string {
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' };
  return body.replace(/\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|c.|.)/gs, (_m, esc: string) => {
    const kind = esc[0] ?? '';
    if (kind === 'x' || kind === 'u' || kind === 'U') return safeCodePoint(parseInt(esc.slice(1), 16));
    if (/[0-7]/.test(kind)) return safeCodePoint(parseInt(esc, 8));
    if (kind === 'c') return String.fromCharCode((esc.charCodeAt(1) ?? 0) & 0x1f);
    return simple[esc] ?? `\\${esc}`;
  });
}

function safeCodePoint(n: number): string {
  return Number.isFinite(n) && n >= 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '';
}

export function basename(word: string): string {
  const slash = word.lastIndexOf('/');
  return slash >= 0 ? word.slice(slash + 1) : word;
}

/**
 * Each wrapper's options: `withValue` take the next word (or an attached
 * value), `flags` stand alone, `positional` is how many words come before the
 * wrapped command (timeout's duration). An option not listed makes the line
 * opaque: we can't tell where the wrapped command starts.
 */
interface WrapperSpec { withValue: string[]; flags: string[]; positional: number; assignments?: boolean }
const WRAPPERS: Record<string, WrapperSpec> = {
  timeout: { withValue: ['-s', '--signal', '-k', '--kill-after'], flags: ['-v', '--verbose', '--foreground', '--preserve-status'], positional: 1 },
  nohup: { withValue: [], flags: [], positional: 0 },
  env: { withValue: ['-u', '--unset', '-C', '--chdir', '-S', '--split-string'], flags: ['-i', '-', '--ignore-environment', '-0', '--null', '-v', '--debug'], positional: 0, assignments: true },
  nice: { withValue: ['-n', '--adjustment'], flags: [], positional: 0 },
  time: { withValue: ['-f', '--format', '-o', '--output'], flags: ['-p', '-a', '--append', '-v', '--verbose', '--portability'], positional: 0 },
  stdbuf: { withValue: ['-i', '--input', '-o', '--output', '-e', '--error'], flags: [], positional: 0 },
  command: { withValue: [], flags: ['-p'], positional: 0 },
  exec: { withValue: ['-a'], flags: ['-c', '-l', '-cl', '-lc'], positional: 0 },
  // Not on Claude Code's list, but each runs the command it is given.
  xargs: {
    withValue: ['-I', '-L', '-n', '-P', '-s', '-d', '-E', '-a', '--arg-file', '--delimiter', '--max-args', '--max-procs', '--max-chars', '--max-lines', '--replace', '--eof', '--process-slot-var'],
    flags: ['-0', '-r', '-t', '-p', '-x', '-o', '--null', '--no-run-if-empty', '--verbose', '--interactive', '--exit', '--open-tty'],
    positional: 0,
  },
  setsid: { withValue: [], flags: ['-f', '-w', '-c', '--fork', '--wait', '--ctty'], positional: 0 },
  ionice: { withValue: ['-c', '-n', '--class', '--classdata'], flags: ['-t', '--ignore'], positional: 0 },
};

export function stripWrappers(words: string[]): { words: string[]; opaque: boolean } {
  let rest = words;
  let opaque = false;
  for (let guard = 0; guard < 32; guard++) {
    const head = rest[0];
    const spec = head === undefined ? undefined : WRAPPERS[basename(head)];
    if (!spec || head === undefined) break;
    const program = basename(head);
    // `command -v rm` looks a name up; it runs nothing.
    if (program === 'command' && rest.slice(1).some((w) => w === '-v' || w === '-V')) break;
    const inner = afterWrapper(program, spec, rest.slice(1));
    if (inner === 'unknown') {
      opaque = true;
      break;
    }
    if (inner.length === 0) break; // `env`, `time` alone: the wrapper is the command
    rest = inner;
  }
  return { words: rest, opaque };
}

function afterWrapper(program: string, spec: WrapperSpec, args: string[]): string[] | 'unknown' {
  let i = 0;
  let split: string[] = [];
  while (i < args.length) {
    const word = args[i] ?? '';
    if (word === '--') {
      i++;
      break;
    }
    if (!word.startsWith('-') || (word === '-' && !spec.flags.includes('-'))) break;
    if (spec.flags.includes(word)) {
      i++;
      continue;
    }
    const eq = word.indexOf('=');
    const name = eq > 0 && word.startsWith('--') ? word.slice(0, eq) : word;
    if (spec.withValue.includes(name)) {
      const value = name === word ? args[i + 1] ?? '' : word.slice(eq + 1);
      if (program === 'env' && (name === '-S' || name === '--split-string')) split = value.split(/\s+/).filter(Boolean);
      i += name === word ? 2 : 1;
      continue;
    }
    const short = spec.withValue.find((opt) => /^-[a-zA-Z]$/.test(opt) && word.startsWith(opt) && word.length > 2);
    if (short) {
      if (program === 'env' && short === '-S') split = word.slice(2).split(/\s+/).filter(Boolean);
      i++;
      continue;
    }
    if (program === 'nice' && /^-\d+$/.test(word)) {
      i++;
      continue;
    }
    return 'unknown';
  }
  let rest = args.slice(i);
  if (split.length) rest = [...split, ...rest];
  if (spec.assignments) {
    const first = rest.findIndex((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
    rest = first < 0 ? [] : rest.slice(first);
  }
  return rest.slice(spec.positional);
}
