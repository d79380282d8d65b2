// `npm start`: everything a fresh machine needs, then the portal and a local agent.
import { spawn } from 'node:child_process';
import { ensureBuilt, ensureDebianPackages, ensureNodeModules, ensureTemplateModules, log, root } from './lib/setup.mjs';

try {
  ensureNodeModules();
  ensureTemplateModules();
  ensureDebianPackages({ bwrap: 'bubblewrap' });
  ensureBuilt();
} catch (err) {
  process.stderr.write(`\n${err.message}\n`);
  process.exit(1);
}
log('Starting Paddock…');
const child = spawn(process.execPath, ['packages/cli/dist/main.js', 'start', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
