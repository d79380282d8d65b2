import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BACKEND = '/usr/lib/git-core/git-http-backend';

/**
 * A git forge in miniature, for pushing to: Debian's `git http-backend` run as a CGI
 * program behind a small node HTTP server on loopback, over bare repositories in a
 * temporary directory. The server checks HTTP Basic credentials itself (401 with a
 * challenge without them, as a forge answers) and sets REMOTE_USER, without which
 * http-backend refuses receive-pack. Every request's path and Authorization header are
 * kept, so a test can see what the client sent.
 */
export class GitHttpBackend {
  readonly requests: Array<{ method: string; path: string; authorization?: string }> = [];

  private constructor(
    private readonly server: Server,
    readonly root: string,
    private readonly credentials: { username: string; password: string },
  ) {}

  static async start(credentials: { username: string; password: string }): Promise<GitHttpBackend> {
    const root = mkdtempSync(join(tmpdir(), 'paddock-git-remote-'));
    let backend: GitHttpBackend | undefined;
    const server = createServer((req, res) => {
      backend!.requests.push({ method: req.method ?? '', path: req.url ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
      const user = backend!.authorized(req);
      if (!user) {
        req.resume();
        res.writeHead(401, { 'www-authenticate': 'Basic realm="test forge"', 'content-type': 'text/plain' }).end('authentication required\n');
        return;
      }
      backend!.cgi(req, user, res);
    });
    backend = new GitHttpBackend(server, root, credentials);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return backend;
  }

  get port(): number { return (this.server.address() as AddressInfo).port; }

  /** The http URL of a repository under the root, created bare (and empty) first. */
  repository(name: string): string {
    const dir = join(this.root, `${name}.git`);
    mkdirSync(dir, { recursive: true });
    this.gitIn(dir, ['init', '--quiet', '--bare']);
    return `http://127.0.0.1:${this.port}/${name}.git`;
  }

  /** git run on a repository of the remote (as the forge sees it), its output trimmed. */
  git(name: string, args: readonly string[]): string {
    return this.gitIn(join(this.root, `${name}.git`), args);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.root, { recursive: true, force: true });
  }

  private gitIn(gitDir: string, args: readonly string[]): string {
    return execFileSync('git', args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GIT_DIR: gitDir, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } }).toString('utf8').trim();
  }

  private authorized(req: IncomingMessage): string | undefined {
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
    if (!match) return undefined;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    return colon > 0 && user === this.credentials.username && password === this.credentials.password ? user : undefined;
  }

  /** One request through http-backend (RFC 3875): the request's body on its stdin, its headers and body on stdout. */
  private cgi(req: IncomingMessage, user: string, res: import('node:http').ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://forge');
    const child = spawn(BACKEND, [], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_PROJECT_ROOT: this.root,
        GIT_HTTP_EXPORT_ALL: '1',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        REMOTE_USER: user,
        REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
        ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
        ...(typeof req.headers['git-protocol'] === 'string' ? { GIT_PROTOCOL: req.headers['git-protocol'] } : {}),
      },
      // Its complaints (a repository that isn't there) reach the client as the HTTP status.
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(child.stdin);
    child.stdin.on('error', () => undefined);
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      const endLf = head.indexOf('\n\n');
      const split = end !== -1 ? { at: end, size: 4 } : endLf !== -1 ? { at: endLf, size: 2 } : undefined;
      if (!split) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, split.at).toString('latin1').split(/\r?\n/)) {
        const colon = line.indexOf(':');
        const [name, value] = [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
        if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(split.at + split.size));
    });
    child.on('close', () => {
      if (!headersDone) res.writeHead(502).end('git http-backend gave no answer\n');
      else res.end();
    });
  }
}
