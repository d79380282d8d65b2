import { createHash, randomBytes } from 'node:crypto';
import { constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { lstat, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import { KeyedQueue } from '../keyedQueue.js';
import { assertWorkspaceId } from '../runtime/driver.js';
import { parsePushTarget, pushCommand, pushFailure, type PushResult, type PushTarget } from './gitPush.js';
import { catObjects, runGit, splitNul, type GitOptions } from './isolatedGit.js';
import { PublishError } from './publishError.js';
import { linkStaysInside } from './treeLinks.js';
import { readWorkspaceFiles } from './workspaceFiles.js';

/**
 * Published versions, kept where the workspaces run and never in the portal:
 * one bare git repository per workspace, `<agent data dir>/versions/<id>.git`
 * (0700, beside `workspaces/`, so no sandbox binds it). A version is a commit
 * on `refs/paddock/versions`; its tree is the workspace's files as they were.
 * Every git process runs isolated (isolatedGit.ts) with our own git dir and a
 * private index, so the builder's `.git` is never read or written; git lists
 * a workspace's files, but their contents are read by workspaceFiles.ts,
 * which cannot be led outside the workspace while the sandbox changes it.
 */
export interface SnapshotLimits {
  maxFiles: number;
  maxFileBytes: number;
  maxTotalBytes: number;
}

export const defaultSnapshotLimits: SnapshotLimits = { maxFiles: 20_000, maxFileBytes: 25 * 1024 * 1024, maxTotalBytes: 512 * 1024 * 1024 };

export interface Author {
  name: string;
  email: string;
}

export interface SnapshotOptions {
  message: string;
  author: Author;
  /** The blueprint says the app runs from its node_modules (they are left out otherwise). */
  includeNodeModules?: boolean;
}

export interface Snapshot {
  version: string;
  parent?: string;
  tree: string;
  files: number;
  bytes: number;
}

export interface VersionInfo {
  version: string;
  parent?: string;
  author: Author;
  createdAt: Date;
  message: string;
}

export interface TreeEntry {
  path: string;
  /** 100644, 100755, 120000 (a symlink), 160000 (a gitlink). */
  mode: string;
  object: string;
  size: number;
}

export interface DiffFile {
  path: string;
  /** The path before, for a rename. */
  from?: string;
  status: 'added' | 'modified' | 'deleted' | 'renamed';
  additions: number;
  deletions: number;
  binary: boolean;
}

export interface VersionDiff {
  files: DiffFile[];
  patch: string;
  /** The file list or the patch was cut at its cap. */
  truncated: boolean;
}

export interface DiffLimits {
  maxFiles: number;
  maxPatchBytes: number;
}

export const defaultDiffLimits: DiffLimits = { maxFiles: 5_000, maxPatchBytes: 2 * 1024 * 1024 };

/** The left side of a diff: a version, a template's tree (`baseTree`), or nothing. */
export type DiffBase = string | 'empty';

const REF = 'refs/paddock/versions';
/** The last commit pushed to each remote branch, `refs/paddock/pushed/<hash of url and branch>`. */
const PUSHED_REFS = 'refs/paddock/pushed';
/** A push moves a workspace's whole app history over the network: give a slow remote time. */
const PUSH_TIMEOUT_MS = 5 * 60_000;
const OBJECT_ID = /^[0-9a-f]{40}$/;
const PADDOCKIGNORE_MAX_BYTES = 64 * 1024;
const LINK_MAX_BYTES = 4096;

/**
 * Content conversion off for every path, whatever a `.gitattributes` in the
 * workspace says: no eol rewriting, no filters, no ident, no export-ignore or
 * export-subst, so a version's bytes are the workspace's bytes. (Attributes in
 * info/ outrank the tree's.)
 */
const ATTRIBUTES = '* -text -ident -filter -working-tree-encoding !diff !merge !export-ignore !export-subst\n';

/** The version stores of one agent's workspaces; snapshots of one workspace run one at a time. */
export class VersionStores {
  private readonly root: string;
  private readonly home: string;
  private readonly queue = new KeyedQueue();

  constructor(
    dataDir: string,
    private readonly options: { limits?: Partial<SnapshotLimits>; clock?: Clock } = {},
  ) {
    this.root = join(dataDir, 'versions');
    this.home = join(this.root, '.home');
  }

  /** The store of a workspace, created on first use. */
  async of(workspaceId: string): Promise<VersionStore> {
    assertWorkspaceId(workspaceId);
    const gitDir = join(this.root, `${workspaceId}.git`);
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    mkdirSync(this.home, { recursive: true, mode: 0o700 });
    const store = new VersionStore(gitDir, this.home, this.queue, workspaceId, { ...defaultSnapshotLimits, ...this.options.limits }, this.options.clock ?? systemClock);
    await this.queue.run(workspaceId, () => store.init());
    return store;
  }

  /** Every version of a workspace goes (when the platform is done with its published app too). */
  async remove(workspaceId: string): Promise<void> {
    assertWorkspaceId(workspaceId);
    await this.queue.run(workspaceId, () => rm(join(this.root, `${workspaceId}.git`), { recursive: true, force: true }));
  }
}

export class VersionStore {
  private emptyTree: string | undefined;

  constructor(
    readonly gitDir: string,
    private readonly home: string,
    private readonly queue: KeyedQueue,
    private readonly key: string,
    private readonly limits: SnapshotLimits,
    private readonly clock: Clock,
  ) {}

  /** @internal called once by VersionStores.of */
  async init(): Promise<void> {
    mkdirSync(this.gitDir, { recursive: true, mode: 0o700 });
    try {
      await lstat(join(this.gitDir, 'HEAD'));
    } catch {
      // No template: no sample hooks, nothing in the repository but what git needs.
      await this.git(['init', '--quiet', '--bare', '--template=']);
    }
    mkdirSync(join(this.gitDir, 'info'), { recursive: true, mode: 0o700 });
    writeFileSync(join(this.gitDir, 'info', 'attributes'), ATTRIBUTES, { mode: 0o600 });
  }

  /**
   * An immutable version of the workspace's files: what git would track there
   * (its .gitignore files honoured), less `.paddockignore` (gitignore syntax,
   * at the root) and node_modules unless `includeNodeModules`; never `.git`.
   * Refused whole, naming the paths, when a symlink leads outside the
   * workspace, a directory is a repository of its own, or a limit is passed.
   */
  snapshot(workspaceDir: string, options: SnapshotOptions): Promise<Snapshot> {
    return this.queue.run(this.key, async () => {
      const staged = await this.stage(workspaceDir, options.includeNodeModules ?? false);
      const parent = await this.head();
      const seconds = Math.floor(this.clock.now().getTime() / 1000);
      const author = identity(options.author);
      const date = `${seconds} +0000`;
      const env = {
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_NAME: 'Paddock agent',
        GIT_COMMITTER_EMAIL: 'agent@paddock.invalid',
        GIT_COMMITTER_DATE: date,
      };
      const message = cleanMessage(options.message);
      const commit = await this.git(['commit-tree', staged.tree, ...(parent ? ['-p', parent] : []), '-F', '-'], { env, input: message });
      const version = commit.stdout.toString('utf8').trim();
      // Compare-and-swap: a version is only ever added after the one it names as parent.
      await this.git(['update-ref', '-m', 'snapshot', REF, version, parent ?? '0'.repeat(40)]);
      return { version, ...(parent ? { parent } : {}), tree: staged.tree, files: staged.files, bytes: staged.bytes };
    });
  }

  /**
   * The tree of a directory (a blueprint's template), stored but not a
   * version: the baseline a first publish is compared with. Without one, the
   * baseline is the empty tree ('empty').
   */
  baseTree(dir: string, options: { includeNodeModules?: boolean } = {}): Promise<string> {
    return this.queue.run(this.key, async () => (await this.stage(dir, options.includeNodeModules ?? false)).tree);
  }

  /**
   * Whether the files a snapshot would take from `workspaceDir` now differ from
   * the version `since` ('empty': whether there are any). Nothing is added to the
   * versions: the files' blobs and tree are written as objects no ref names (the
   * same the next snapshot would write, and `git gc` would prune), so the store's
   * versions and its ref are as they were. Trees are content-addressed: the same
   * files give the same tree id, whatever their timestamps.
   */
  async changed(workspaceDir: string, since: DiffBase, options: { includeNodeModules?: boolean } = {}): Promise<boolean> {
    const before = since === 'empty' ? await this.empty() : await this.tree(await this.commit(since));
    return (await this.baseTree(workspaceDir, options)) !== before;
  }

  /** The versions, newest first. */
  async list(): Promise<VersionInfo[]> {
    if (!(await this.head())) return [];
    const out = await this.git(['log', '--format=%H%x1f%P%x1f%an%x1f%ae%x1f%at%x1f%B%x1e', REF]);
    return out.stdout
      .toString('utf8')
      .split('\x1e')
      .map((record) => record.replace(/^\n/, ''))
      .filter((record) => record.length > 0)
      .map((record) => {
        const [version = '', parent = '', name = '', email = '', at = '0', message = ''] = record.split('\x1f');
        return { version, ...(parent ? { parent } : {}), author: { name, email }, createdAt: new Date(Number(at) * 1000), message: message.trimEnd() };
      });
  }

  /** Every file of a version or a base tree (blobs, links, gitlinks), by path; none for 'empty'. */
  async files(version: DiffBase): Promise<TreeEntry[]> {
    return version === 'empty' ? [] : this.entries(await this.tree(version));
  }

  /** What changed from `from` (a version, a base tree, or 'empty') to the version `to`. */
  async diff(from: DiffBase, to: string, limits: Partial<DiffLimits> = {}): Promise<VersionDiff> {
    const caps = { ...defaultDiffLimits, ...limits };
    const left = from === 'empty' ? await this.empty() : await this.tree(from);
    const right = await this.tree(await this.commit(to));
    const common = ['diff-tree', '-r', '-z', '-M', '--no-ext-diff', '--no-textconv'];
    const [status, numstat, patch] = await Promise.all([
      this.git([...common, '--name-status', left, right]),
      this.git([...common, '--numstat', left, right]),
      this.git([...common.filter((a) => a !== '-z'), '-p', '--no-color', left, right], { maxOutputBytes: caps.maxPatchBytes, truncate: true }),
    ]);
    const counts = parseNumstat(splitNul(numstat.stdout));
    const all = parseNameStatus(splitNul(status.stdout)).map((file) => ({ ...file, ...(counts.get(file.path) ?? { additions: 0, deletions: 0, binary: false }) }));
    const files = all.slice(0, caps.maxFiles);
    return { files, patch: patch.stdout.toString('utf8'), truncated: patch.truncated || all.length > files.length };
  }

  /**
   * Writes a version's files into `targetDir`, an empty directory (where an
   * app's sandbox will run it). Symlinks are written as links, never
   * followed, and a version with one leading outside is refused before
   * anything is written. The directory must be the agent's own: nothing in a
   * sandbox may write there while this runs.
   */
  async materialise(version: string, targetDir: string): Promise<void> {
    const commit = await this.commit(version);
    await this.checkEntries(await this.entries(commit));
    const target = await lstat(targetDir).catch(() => undefined);
    if (!target?.isDirectory()) throw new PublishError('invalid', `${targetDir} is not a directory`);
    if ((await readdir(targetDir)).length > 0) throw new PublishError('invalid', `${targetDir} is not empty`);
    const indexFile = this.scratchIndex();
    try {
      await this.git(['read-tree', commit], { indexFile });
      // checkout-index writes links as links and refuses to write through one (git's own rule).
      await this.git(['checkout-index', '--all', '--force'], { indexFile, workTree: targetDir });
    } finally {
      await rm(indexFile, { force: true });
    }
  }

  /**
   * Pushes a version to `refs/heads/<branch>` of an http(s) remote, without force.
   *
   * What is pushed is not the version's commit but one made for the remote: the version's
   * tree, its author and message, on top of the last commit pushed to that branch. A
   * version's own parents are every snapshot before it, those never approved included (a
   * secret the scan caught and the builder then removed is still in them): the remote gets
   * only the approved trees, one commit per push. A rollback is one more commit on top, with
   * the older tree. The branch's history is Paddock's publishes of the app; if anyone else
   * moved it, the push is refused (non-fast-forward) rather than forced.
   */
  async push(version: string, target: PushTarget): Promise<PushResult> {
    const input = parsePushTarget(target);
    // Pushes of a workspace go one at a time, apart from its snapshots: a slow remote holds up no publish request.
    return this.queue.run(`${this.key}#push`, async () => {
      const commit = await this.commit(version);
      const checked = await this.git(['check-ref-format', `refs/heads/${input.branch}`]).then(() => true, () => false);
      if (!checked) throw new PublishError('invalid', `branch: ${JSON.stringify(input.branch.slice(0, 80))} is not a git branch name`);
      const pushedRef = `${PUSHED_REFS}/${createHash('sha256').update(`${input.url}\n${input.branch}`).digest('hex').slice(0, 32)}`;
      const previous = (await this.git(['for-each-ref', '--format=%(objectname)', pushedRef])).stdout.toString('utf8').trim() || undefined;
      const tree = await this.tree(commit);
      const head = previous && (await this.tree(previous)) === tree ? previous : await this.pushCommit(commit, tree, previous);
      const { args, env, secrets } = pushCommand(input, head);
      try {
        await this.git(args, { env, timeoutMs: PUSH_TIMEOUT_MS, maxOutputBytes: 1024 * 1024 });
      } catch (err) {
        throw pushFailure(err, input, secrets);
      }
      await this.git(['update-ref', '-m', 'push', pushedRef, head, previous ?? '0'.repeat(40)]);
      return { commit: head, branch: input.branch };
    });
  }

  /** A commit of the version's tree for a remote: its author, date and message, on top of what was pushed before. */
  private async pushCommit(version: string, tree: string, parent: string | undefined): Promise<string> {
    const info = (await this.git(['log', '-1', '--format=%an%x00%ae%x00%at%x00%B', version])).stdout.toString('utf8');
    const [name = '', email = '', at = '0', message = ''] = info.split('\0');
    const seconds = Math.floor(this.clock.now().getTime() / 1000);
    const env = {
      GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_AUTHOR_DATE: `${at} +0000`,
      GIT_COMMITTER_NAME: 'Paddock agent', GIT_COMMITTER_EMAIL: 'agent@paddock.invalid', GIT_COMMITTER_DATE: `${seconds} +0000`,
    };
    const body = `${message.trimEnd() || 'Publish'}\n\nPaddock-Version: ${version}\n`;
    const out = await this.git(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-F', '-'], { env, input: body });
    return out.stdout.toString('utf8').trim();
  }

  /** One regular file of a version. Links, directories and paths that leave the tree are refused. */
  async read(version: string, path: string, maxBytes = this.limits.maxFileBytes): Promise<Buffer> {
    const commit = await this.commit(version);
    assertTreePath(path);
    const out = await this.git(['ls-tree', '-z', '-l', '--full-tree', commit, '--', path]);
    const entry = parseTree(splitNul(out.stdout)).find((e) => e.path === path);
    if (!entry) throw new PublishError('not-found', `${path} is not in version ${commit}`);
    if (entry.mode === '120000') throw new PublishError('refused', `${path} is a symlink: it is not followed`);
    if (entry.mode !== '100644' && entry.mode !== '100755') throw new PublishError('refused', `${path} is not a file`);
    if (entry.size > maxBytes) throw new PublishError('too-large', `${path} is ${entry.size} bytes, more than ${maxBytes}`);
    for await (const content of this.blobs([entry.object])) return content;
    throw new PublishError('not-found', `${path} is missing its content`);
  }

  /** The contents of these objects in order, read as they are consumed. */
  blobs(objects: readonly string[]): AsyncGenerator<Buffer> {
    return catObjects(objects, this.gitOptions());
  }

  /** A version id (a commit of this store), or not found. */
  async commit(version: string): Promise<string> {
    if (!OBJECT_ID.test(version)) throw new PublishError('invalid', `${JSON.stringify(version.slice(0, 80))} is not a version id`);
    const type = await this.git(['cat-file', '-t', version]).catch(() => undefined);
    if (type?.stdout.toString('utf8').trim() !== 'commit') throw new PublishError('not-found', `no version ${version}`);
    return version;
  }

  private async tree(id: string): Promise<string> {
    if (!OBJECT_ID.test(id)) throw new PublishError('invalid', `${JSON.stringify(id.slice(0, 80))} is not a version or tree id`);
    const out = await this.git(['rev-parse', '--verify', '--quiet', `${id}^{tree}`]).catch(() => undefined);
    const tree = out?.stdout.toString('utf8').trim();
    if (!tree) throw new PublishError('not-found', `no version or tree ${id}`);
    return tree;
  }

  private async empty(): Promise<string> {
    this.emptyTree ??= (await this.git(['mktree', '-z'])).stdout.toString('utf8').trim();
    return this.emptyTree;
  }

  private async head(): Promise<string | undefined> {
    const out = await this.git(['for-each-ref', '--format=%(objectname)', REF]);
    return out.stdout.toString('utf8').trim() || undefined;
  }

  private async entries(treeish: string): Promise<TreeEntry[]> {
    const out = await this.git(['ls-tree', '-r', '-z', '-l', '--full-tree', treeish]);
    return parseTree(splitNul(out.stdout));
  }

  /**
   * The files git would take from `dir`, written as a tree. git only lists
   * them (it reads directories and .gitignore files there); their contents are
   * read by readWorkspaceFiles, which never leaves the workspace however the
   * sandbox changes it meanwhile, and handed to `git fast-import` on its stdin.
   * The limits are checked as files are read, and again on the stored tree.
   */
  private async stage(dir: string, includeNodeModules: boolean): Promise<{ tree: string; files: number; bytes: number }> {
    const root = await lstat(dir).catch(() => undefined);
    if (!root?.isDirectory()) throw new PublishError('invalid', `${dir} is not a directory`);
    const excludeFile = join(this.gitDir, 'info', 'exclude');
    writeFileSync(excludeFile, `${includeNodeModules ? '' : 'node_modules/\n'}${await readPaddockignore(dir)}\n`, { mode: 0o600 });
    const indexFile = this.scratchIndex();
    const marksFile = `${indexFile}.marks`;
    try {
      const listed = splitNul((await this.git(['ls-files', '--others', '-z', '--exclude-standard'], { workTree: dir, indexFile })).stdout);
      if (includeNodeModules) {
        // node_modules is usually in .gitignore: taken here in spite of it, less what .paddockignore leaves out.
        const modules = await this.git(['ls-files', '--others', '-z', `--exclude-from=${excludeFile}`, '--', ':(glob)**/node_modules/**'], { workTree: dir, indexFile, literalPathspecs: false });
        const seen = new Set(listed.map((p) => p.toString('latin1')));
        for (const path of splitNul(modules.stdout)) if (!seen.has(path.toString('latin1'))) listed.push(path);
      }
      const nested = listed.filter((p) => p[p.length - 1] === 0x2f).map((p) => p.toString('utf8'));
      if (nested.length > 0) throw new PublishError('refused', `a directory is a git repository of its own (remove its .git, or list it in .paddockignore): ${describe(nested)}`);
      if (listed.length > this.limits.maxFiles) throw new PublishError('too-large', `${listed.length} files, more than ${this.limits.maxFiles}`);

      const stored: Array<{ mode: string; path: Buffer }> = [];
      let total = 0;
      await this.git(['fast-import', '--quiet', '--done', `--export-marks=${marksFile}`], {
        input: async (write) => {
          for await (const file of readWorkspaceFiles(dir, listed, this.limits.maxFileBytes)) {
            const content = file.kind === 'file' ? file.content : file.target;
            total += content.length;
            if (total > this.limits.maxTotalBytes) throw new PublishError('too-large', `more than ${this.limits.maxTotalBytes} bytes of files`);
            stored.push({ mode: file.kind === 'link' ? '120000' : file.executable ? '100755' : '100644', path: file.path });
            await write(`blob\nmark :${stored.length}\ndata ${content.length}\n`);
            await write(content);
            await write('\n');
          }
          await write('done\n');
        },
      });
      const marks = new Map(readFileSync(marksFile, 'utf8').split('\n').filter(Boolean).map((line) => line.split(' ') as [string, string]));
      const lines = stored.map((entry, i) => Buffer.concat([Buffer.from(`${entry.mode} ${marks.get(`:${i + 1}`)}\t`), entry.path, Buffer.from([0])]));
      await this.git(['update-index', '-z', '--index-info'], { indexFile, input: Buffer.concat(lines) });
      const tree = (await this.git(['write-tree'], { indexFile })).stdout.toString('utf8').trim();
      const entries = await this.entries(tree);
      const bytes = await this.checkEntries(entries);
      return { tree, files: entries.length, bytes };
    } finally {
      await rm(indexFile, { force: true });
      await rm(marksFile, { force: true });
    }
  }

  /** The limits, links and gitlinks of a stored tree; returns its size in bytes. */
  private async checkEntries(entries: readonly TreeEntry[]): Promise<number> {
    if (entries.length > this.limits.maxFiles) throw new PublishError('too-large', `${entries.length} files, more than ${this.limits.maxFiles}`);
    let total = 0;
    for (const entry of entries) {
      if (entry.mode === '160000') throw new PublishError('refused', `${entry.path} is a git repository of its own`);
      if (entry.size > this.limits.maxFileBytes) throw new PublishError('too-large', `${entry.path} is ${entry.size} bytes, more than ${this.limits.maxFileBytes}`);
      total += entry.size;
    }
    if (total > this.limits.maxTotalBytes) throw new PublishError('too-large', `more than ${this.limits.maxTotalBytes} bytes of files`);
    const linkEntries = entries.filter((e) => e.mode === '120000');
    const links = new Map<string, string>();
    const tooLong = linkEntries.filter((e) => e.size > LINK_MAX_BYTES);
    if (tooLong.length > 0) throw new PublishError('refused', `a symlink's target is too long: ${describe(tooLong.map((e) => e.path))}`);
    let i = 0;
    for await (const target of this.blobs(linkEntries.map((e) => e.object))) links.set(linkEntries[i++]!.path, target.toString('utf8'));
    const outside = [...links.keys()].filter((path) => !linkStaysInside(links, path));
    if (outside.length > 0) throw new PublishError('refused', `a symlink leads outside the workspace (or loops): ${describe(outside)}`);
    return total;
  }

  private scratchIndex(): string {
    return join(this.gitDir, `paddock-index-${randomBytes(8).toString('hex')}`);
  }

  private gitOptions(extra: Partial<GitOptions> = {}): GitOptions {
    return { gitDir: this.gitDir, home: this.home, ...extra };
  }

  private git(args: readonly string[], extra: Partial<GitOptions> = {}) {
    return runGit(args, this.gitOptions(extra));
  }
}

/** `.paddockignore` at the workspace's root, read without following a link (a link there is refused, not trusted). */
async function readPaddockignore(dir: string): Promise<string> {
  let handle;
  try {
    handle = await open(join(dir, '.paddockignore'), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return '';
    if (code === 'ELOOP') throw new PublishError('refused', '.paddockignore is a symlink: it must be a file');
    throw err;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new PublishError('refused', '.paddockignore must be a file');
    if (stat.size > PADDOCKIGNORE_MAX_BYTES) throw new PublishError('too-large', `.paddockignore is more than ${PADDOCKIGNORE_MAX_BYTES} bytes`);
    return (await handle.readFile()).toString('utf8');
  } finally {
    await handle.close();
  }
}

function parseTree(records: readonly Buffer[]): TreeEntry[] {
  return records.map((record) => {
    const tab = record.indexOf(9);
    const [mode = '', , object = '', size = '-'] = record.subarray(0, tab).toString('utf8').split(/ +/);
    return { path: record.subarray(tab + 1).toString('utf8'), mode, object, size: size === '-' ? 0 : Number(size) };
  });
}

function parseNameStatus(records: readonly string[] | readonly Buffer[]): Array<Pick<DiffFile, 'path' | 'from' | 'status'>> {
  const items = records.map((r) => r.toString());
  const files: Array<Pick<DiffFile, 'path' | 'from' | 'status'>> = [];
  for (let i = 0; i < items.length; i++) {
    const code = items[i]![0];
    if (code === 'R') {
      files.push({ from: items[i + 1]!, path: items[i + 2]!, status: 'renamed' });
      i += 2;
    } else {
      files.push({ path: items[i + 1]!, status: code === 'A' ? 'added' : code === 'D' ? 'deleted' : 'modified' });
      i += 1;
    }
  }
  return files;
}

function parseNumstat(records: readonly Buffer[]): Map<string, Pick<DiffFile, 'additions' | 'deletions' | 'binary'>> {
  const counts = new Map<string, Pick<DiffFile, 'additions' | 'deletions' | 'binary'>>();
  for (let i = 0; i < records.length; i++) {
    const [added = '0', deleted = '0', ...rest] = records[i]!.toString('utf8').split('\t');
    let path = rest.join('\t');
    if (path === '') {
      path = records[i + 2]?.toString('utf8') ?? '';
      i += 2;
    }
    const binary = added === '-';
    counts.set(path, { additions: binary ? 0 : Number(added), deletions: binary ? 0 : Number(deleted), binary });
  }
  return counts;
}

/** A path inside a tree as git spells it: relative, no `.` or `..` segment, no empty one. */
function assertTreePath(path: string): void {
  const parts = path.split('/');
  if (path.length === 0 || path.length > 4096 || path.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new PublishError('invalid', `${JSON.stringify(path.slice(0, 200))} is not a path inside a version`);
  }
}

function identity(author: Author): Author {
  const clean = (text: string) => text.replace(/[<>\x00-\x1f\x7f]/g, '').trim();
  return { name: clean(author.name) || 'unknown', email: clean(author.email) || 'unknown@paddock.invalid' };
}

function cleanMessage(message: string): string {
  const text = message.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '').trim();
  return `${text || 'Snapshot'}\n`;
}

function describe(paths: readonly string[]): string {
  const shown = paths.slice(0, 10).map((p) => JSON.stringify(p));
  return paths.length > 10 ? `${shown.join(', ')} and ${paths.length - 10} more` : shown.join(', ');
}
