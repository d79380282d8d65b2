// Terminal output throughput: `head -c N /dev/zero | base64` in a PTY, bytes counted at the
// WebSocket client until an end marker, over the full path and over a direct daemon WebSocket.
// While the full-path run streams, the portal's (and agent's) RSS is sampled every 50 ms.
import { createAndWaitRunning, procStatusKb } from './lib/stack.mjs';
import { openPortalTerminal, startDirectDaemon } from './lib/terminal.mjs';
import { nowMs } from './lib/stats.mjs';

const MB = 1024 * 1024;

async function measure(term, inputMb, { timeoutMs, watchPids = {} }) {
  await term.opened;
  await term.firstFrame;
  await new Promise((r) => setTimeout(r, 100));
  const peaks = Object.fromEntries(Object.keys(watchPids).map((k) => [k, 0]));
  const sample = () => {
    for (const [k, pid] of Object.entries(watchPids)) peaks[k] = Math.max(peaks[k], procStatusKb(pid, 'VmRSS') ?? 0);
  };
  sample();
  const startRss = { ...peaks };
  const poll = setInterval(sample, 50);
  let bytes = 0;
  let t0 = 0;
  let tail = '';
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`throughput run of ${inputMb} MB timed out after ${bytes} bytes`)), timeoutMs);
      term.onData = (data) => {
        bytes += data.length;
        tail = (tail + data.subarray(Math.max(0, data.length - 64)).toString('latin1')).slice(-128);
        if (tail.includes('TP_DONE')) { clearTimeout(timer); term.onData = null; resolve(); }
      };
      t0 = nowMs();
      // `exec` would end the session; the marker's quotes keep the command echo from matching.
      term.send(`head -c ${inputMb}M /dev/zero | base64; echo TP_DO''NE\r`);
    });
  } finally {
    clearInterval(poll);
  }
  sample();
  const seconds = (nowMs() - t0) / 1000;
  return { inputMb, bytes, seconds, mbPerSec: bytes / MB / seconds, startRssKb: startRss, peakRssKb: peaks };
}

export async function runTerminalThroughput(stack, { sizesMb = [50, 200], timeoutMs = 90_000 } = {}) {
  const result = { direct: [], full: [], portalHwmKb: {} };
  const biggest = Math.max(...sizesMb);
  const direct = await startDirectDaemon();
  try {
    const term = direct.open('tp');
    try { result.direct.push(await measure(term, biggest, { timeoutMs, watchPids: { bench: process.pid } })); } finally { term.close(); }
  } finally { await direct.close(); }

  const id = await createAndWaitRunning(stack, `bench-tp-${Date.now().toString(36)}`);
  try {
    result.portalHwmKb.before = procStatusKb(stack.portal.pid, 'VmHWM');
    for (const size of sizesMb) {
      const term = await openPortalTerminal(stack, id, `tp${size}`);
      try {
        const r = await measure(term, size, { timeoutMs, watchPids: { portal: stack.portal.pid, agent: stack.agent.pid } });
        r.portalHwmKbAfter = procStatusKb(stack.portal.pid, 'VmHWM');
        result.full.push(r);
      } finally { term.close(); }
    }
  } finally {
    await stack.api('DELETE', `/api/v1/workspaces/${id}`).catch(() => {});
  }
  return result;
}
