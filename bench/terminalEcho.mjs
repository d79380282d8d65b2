// Keystroke echo round trip: one byte out, the same byte back, over (a) the full path
// WS client → portal → gRPC tunnel → agent → daemon → PTY and back, and (b) a direct
// WebSocket to a daemon PTY in this process. The session runs `stty raw -echo; exec cat`,
// so the echo comes from a process reading the PTY, as with a real shell's line editor.
import { createAndWaitRunning } from './lib/stack.mjs';
import { openPortalTerminal, startDirectDaemon } from './lib/terminal.mjs';
import { nowMs, summary } from './lib/stats.mjs';

const alphabet = 'abcdefghijklmnopqrstuvwxyz';

async function measureEcho(term, { warmup, samples, budgetMs }) {
  await term.startRawCat();
  const out = [];
  const deadline = Date.now() + budgetMs;
  for (let i = 0; i < warmup + samples && Date.now() < deadline; i++) {
    const ch = alphabet[i % alphabet.length];
    const rtt = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => { term.onData = null; reject(new Error(`no echo for sample ${i}`)); }, 2000);
      let t0;
      term.onData = (data) => {
        if (data.toString('latin1').includes(ch)) { clearTimeout(timer); term.onData = null; resolve(nowMs() - t0); }
      };
      t0 = nowMs();
      term.send(ch);
    });
    if (i >= warmup) out.push(rtt);
  }
  return out;
}

export async function runTerminalEcho(stack, { warmup = 100, samples = 500, budgetMs = 30_000 } = {}) {
  const direct = await startDirectDaemon();
  let directSamples, fullSamples;
  try {
    const term = direct.open('echo');
    try { directSamples = await measureEcho(term, { warmup, samples, budgetMs }); } finally { term.close(); }
  } finally { await direct.close(); }

  const id = await createAndWaitRunning(stack, `bench-echo-${Date.now().toString(36)}`);
  try {
    const term = await openPortalTerminal(stack, id, 'echo');
    try { fullSamples = await measureEcho(term, { warmup, samples, budgetMs }); } finally { term.close(); }
  } finally {
    await stack.api('DELETE', `/api/v1/workspaces/${id}`).catch(() => {});
  }
  // A second direct pass after the full one, so drift in machine load shows up.
  const direct2 = await startDirectDaemon();
  let direct2Samples;
  try {
    const term = direct2.open('echo');
    try { direct2Samples = await measureEcho(term, { warmup, samples, budgetMs }); } finally { term.close(); }
  } finally { await direct2.close(); }
  return {
    warmup,
    direct: summary(directSamples),
    directAfter: summary(direct2Samples),
    full: summary(fullSamples),
  };
}
