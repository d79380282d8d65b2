import { describe, expect, it } from 'vitest';
import { toolActivity } from './toolActivity';
import { describeExit, explainExitIn } from '../workspaces/processExit';

const bash = (command: string, status: 'running' | 'completed' = 'completed') =>
  toolActivity('bash', status === 'completed' ? { status, input: { command } } : { status, input: { command } });

describe('chat steps in plain words', () => {
  it('says "Started the app" for a dev server, with the full command behind details', () => {
    const started = bash('cd /workspace && (nohup node serve.mjs > .dev-server.log 2>&1 &) && sleep 0.3 && cat .dev-server.log');
    expect(started).toEqual({
      text: 'Started the app', state: 'done',
      technical: '(nohup node serve.mjs > .dev-server.log 2>&1 &) && sleep 0.3 && cat .dev-server.log',
    });
    expect(bash('npm run dev -- --host', 'running').text).toBe('Starting the app…');
    expect(bash('npx vite --port 5173 &').text).toBe('Started the app');
    expect(bash('python3 -m http.server 8000').text).toBe('Started the app');
  });

  it('names the other common commands as a builder would, and anything else "a command"', () => {
    expect(bash('npm install chart.js').text).toBe('Installed what the app needs');
    expect(bash('npm test').text).toBe('Ran the tests');
    expect(bash('npm run build').text).toBe('Built the app');
    expect(bash('pkill -f serve.mjs').text).toBe('Stopped the app');
    expect(bash('ls -la').text).toBe('Looked at the files');
    expect(bash('jq .version package.json')).toEqual({ text: 'Ran a command', state: 'done', technical: 'jq .version package.json' });
    // A node script that is not a server is no app start.
    expect(bash('node scripts/seed.mjs').text).toBe('Ran a command');
  });

  it('never shows the command as the headline', () => {
    for (const command of ['(nohup node serve.mjs &)', 'npm i', 'echo hi', 'cd /workspace && make']) {
      expect(bash(command).text).not.toContain(command);
    }
  });

  it('explains a process ended by a signal instead of naming it', () => {
    const failed = toolActivity('bash', { status: 'error', input: { command: 'node serve.mjs' }, error: 'Command exited with code 143' });
    expect(failed.text).toBe('Failed: Starting the app');
    expect(failed.detail).toBe('The app was stopped.');
    expect(failed.technical).toContain('exited with code 143');
    expect(explainExitIn('process killed by SIGKILL')).toBe('The app was stopped by force — it may have used more memory than the workspace allows.');
    expect(explainExitIn('exit status 127')).toBe('The app stopped: a program it needs is not installed.');
    expect(explainExitIn('all good')).toBeNull();
    expect(describeExit('The shell', { signal: 15 })).toBe('The shell was stopped.');
    expect(describeExit('The shell', { code: 130 })).toBe('The shell was interrupted (Ctrl+C).');
    expect(describeExit('The shell', { code: 0 })).toBe('The shell ended.');
  });
});
