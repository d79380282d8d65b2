import { execFile } from 'node:child_process';
import type { Clock } from '../../clock.js';

export interface DiskMeasurement {
  bytes: number;
  at: Date;
}

/**
 * Bytes a directory takes on disk, by du(1): blocks really allocated, each hard
 * link once, symbolic links never followed and no other filesystem entered, so
 * nothing a workspace plants in its files can make the agent look elsewhere.
 * Niced, and killed after `timeoutMs`: a tree of millions of files must not
 * hold the agent up. (It runs outside the workspace's cgroup: moved in, it
 * would take the workspace one process past its limit, which the kernel allows
 * a move to do.)
 */
export function measureDiskUsage(dir: string, timeoutMs = 120_000): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('nice', ['-n', '19', 'du', '-s', '-x', '-P', '-B1', '--', dir], { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout) => {
      // du still prints its total when a file vanished under it (exit 1), as files in a running workspace do.
      const total = /^(\d+)\s/.exec(stdout);
      if (total) resolve(Number(total[1]));
      else reject(new Error(`du ${dir}: ${error?.message ?? 'no total'}`));
    });
  });
}

/**
 * The last measurement of each workspace's files, renewed in the background
 * when older than `everyMs`: reading is instant, and one du per workspace runs at most.
 */
export class DiskUsageMeter {
  private readonly latest = new Map<string, DiskMeasurement>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly clock: Clock, private readonly everyMs: number, private readonly onError: (key: string, err: Error) => void) {}

  read(key: string, dir: string): DiskMeasurement | undefined {
    const last = this.latest.get(key);
    if ((!last || this.clock.now().getTime() - last.at.getTime() >= this.everyMs) && !this.running.has(key)) {
      const measuring = measureDiskUsage(dir)
        .then((bytes) => { this.latest.set(key, { bytes, at: this.clock.now() }); }, (err: Error) => this.onError(key, err))
        .finally(() => this.running.delete(key));
      this.running.set(key, measuring);
    }
    return last;
  }

  forget(key: string): void {
    this.latest.delete(key);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }
}
