#!/usr/bin/env node
// paddock-guard's entry in every workspace (/opt/paddock/bin/paddock-guard runs it). It must
// start fast (it runs before every tool call of an agent), so it loads node's http and little else.
import { GUARD_SOCKET_PATH } from './guardPaths.js';
import { DENY_EXIT, runGuard } from './guard.js';

function readStdin(maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    process.stdin.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) reject(new Error('the hook input is too large'));
      else chunks.push(chunk);
    });
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

const write = (stream: NodeJS.WriteStream) => (text: string) => { stream.write(text); };

runGuard(process.argv.slice(2), {
  socketPath: GUARD_SOCKET_PATH,
  readStdin,
  stdout: write(process.stdout),
  stderr: write(process.stderr),
  now: () => Date.now(),
}).then(
  (code) => { process.exitCode = code; },
  () => { process.exitCode = DENY_EXIT; },
);
// Whatever else goes wrong (an uncaught error) is a deny too, never node's exit code 1.
process.on('uncaughtException', (err) => {
  process.stderr.write(`paddock-guard: denied: ${err.message}\n`);
  process.exit(DENY_EXIT);
});
