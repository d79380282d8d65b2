// Bound read-only at /opt/paddock/opencode/paddock-guard.js in every workspace and loaded by
// OpenCode from the config the agent gives it: every tool call asks paddock-guard first,
// which asks the agent's policy. A refusal (exit 2, or the guard failing to run at all)
// throws, and OpenCode tells the model the tool was refused, with the guard's reason.
import { spawn } from 'node:child_process';

const GUARD = '/opt/paddock/bin/paddock-guard';

function ask(input) {
  return new Promise((resolve) => {
    const child = spawn(GUARD, ['hook', 'opencode'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => { if (stderr.length < 8192) stderr += chunk; });
    child.on('error', (err) => resolve({ allowed: false, reason: `paddock-guard could not run: ${err.message}` }));
    child.on('close', (code) => resolve({ allowed: code === 0, reason: stderr.trim() || `paddock-guard refused (exit ${code})` }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(input));
  });
}

export const PaddockGuard = async ({ directory }) => ({
  'tool.execute.before': async (input, output) => {
    const verdict = await ask({ tool: input.tool, args: output.args ?? {}, cwd: directory });
    if (!verdict.allowed) throw new Error(verdict.reason);
  },
});
