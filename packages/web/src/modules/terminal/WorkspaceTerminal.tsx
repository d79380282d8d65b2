import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { RotateCcw, TerminalSquare } from 'lucide-react';
import { Button } from '../../components/Button';
import { Spinner } from '../../components/Spinner';
import { cn } from '../../components/cn';
import { TerminalConnection, type ConnectionStatus } from './terminalConnection';

const theme = {
  background: '#0b0b0e',
  foreground: '#e4e4e7',
  cursor: '#e4e4e7',
  cursorAccent: '#0b0b0e',
  selectionBackground: '#3f3f46',
  black: '#18181b',
  red: '#f87171',
  green: '#4ade80',
  yellow: '#facc15',
  blue: '#60a5fa',
  magenta: '#c084fc',
  cyan: '#22d3ee',
  white: '#e4e4e7',
  brightBlack: '#52525b',
  brightRed: '#fca5a5',
  brightGreen: '#86efac',
  brightYellow: '#fde047',
  brightBlue: '#93c5fd',
  brightMagenta: '#d8b4fe',
  brightCyan: '#67e8f9',
  brightWhite: '#fafafa',
};

interface WorkspaceTerminalProps {
  workspaceId: string;
  session?: string;
  className?: string;
  /**
   * Shown over the top of the terminal, never beside it: the terminal's box (and so
   * its rows and columns, which xterm's fit reads) stays the same size whatever it says.
   */
  overlay?: ReactNode;
}

/** The workspace's shell in xterm.js, fitted to its box, reattaching after drops. */
export function WorkspaceTerminal({ workspaceId, session = 'main', className, overlay }: WorkspaceTerminalProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const connectionRef = useRef<TerminalConnection | null>(null);
  const [status, setStatus] = useState<ConnectionStatus>('connecting');
  const [detail, setDetail] = useState<string | undefined>();

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;

    const term = new Terminal({
      cursorBlink: true,
      fontFamily: 'ui-monospace, "JetBrains Mono", "SF Mono", Menlo, Consolas, "Liberation Mono", monospace',
      fontSize: 13,
      lineHeight: 1.2,
      scrollback: 5000,
      theme,
    });
    const fitAddon = new FitAddon();
    term.loadAddon(fitAddon);
    term.open(host);

    const fit = () => {
      try {
        fitAddon.fit();
      } catch {
        // Not laid out yet (zero size); the next resize fits.
      }
    };
    fit();

    const connection = new TerminalConnection({
      workspaceId,
      session,
      size: () => ({ cols: term.cols, rows: term.rows }),
      onReset: () => term.reset(),
      onOutput: (bytes) => term.write(bytes),
      onStatus: (next, why) => {
        setStatus(next);
        setDetail(why);
        if (next === 'connected') term.focus();
      },
    });
    connectionRef.current = connection;

    const disposables = [
      term.onData((data) => connection.sendInput(data)),
      term.onBinary((data) => connection.sendBinaryString(data)),
      term.onResize(({ cols, rows }) => connection.resize(cols, rows)),
    ];

    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(fit);
    });
    observer.observe(host);

    connection.start();

    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      connection.dispose();
      connectionRef.current = null;
      for (const d of disposables) d.dispose();
      term.dispose();
    };
  }, [workspaceId, session]);

  return (
    <div className={cn('stay-dark flex min-h-0 flex-col overflow-hidden rounded-lg border border-zinc-800 bg-[#0b0b0e] shadow-sm', className)}>
      <div className="flex h-9 shrink-0 items-center justify-between border-b border-zinc-800 bg-zinc-900 px-3 text-xs text-zinc-400">
        <span className="flex items-center gap-2 font-medium text-zinc-300">
          <TerminalSquare className="size-3.5" aria-hidden />
          Terminal
          <span className="font-normal text-zinc-500">· {session}</span>
        </span>
        <ConnectionIndicator status={status} />
      </div>
      <div className="relative min-h-0 flex-1">
        <div
          ref={hostRef}
          data-testid="terminal"
          aria-label="Workspace terminal"
          className="absolute inset-0 py-2 pl-3 pr-1"
        />
        {/* Clicks pass through to the terminal, except on what the overlay itself makes clickable. */}
        {overlay && <div className="pointer-events-none absolute inset-x-3 top-2 z-10">{overlay}</div>}
        {status === 'connecting' && (
          <Overlay>
            <Spinner className="size-5 text-zinc-400" />
            <p>Connecting to the terminal…</p>
          </Overlay>
        )}
        {(status === 'exited' || status === 'unavailable') && (
          <Overlay>
            <p className="font-medium text-zinc-200">{status === 'exited' ? 'Session ended' : 'Terminal unavailable'}</p>
            {detail && <p className="text-zinc-400">{detail}</p>}
            <Button
              size="sm"
              className="mt-2"
              icon={<RotateCcw className="size-3.5" aria-hidden />}
              onClick={() => connectionRef.current?.restart()}
            >
              {status === 'exited' ? 'Start a new session' : 'Try again'}
            </Button>
          </Overlay>
        )}
      </div>
    </div>
  );
}

function Overlay({ children }: { children: ReactNode }) {
  return (
    <div className="absolute inset-0 flex flex-col items-center justify-center gap-2 bg-[#0b0b0e]/85 text-sm text-zinc-300">
      {children}
    </div>
  );
}

function ConnectionIndicator({ status }: { status: ConnectionStatus }) {
  switch (status) {
    case 'connected':
      return (
        <span className="flex items-center gap-1.5 text-emerald-400">
          <span className="size-1.5 rounded-full bg-emerald-400" aria-hidden />
          Connected
        </span>
      );
    case 'reconnecting':
      return (
        <span role="status" className="flex items-center gap-1.5 text-amber-400">
          <Spinner className="size-3" />
          Reconnecting…
        </span>
      );
    case 'connecting':
      return (
        <span className="flex items-center gap-1.5">
          <Spinner className="size-3" />
          Connecting…
        </span>
      );
    case 'exited':
      return <span>Exited</span>;
    case 'unavailable':
      return <span className="text-red-400">Disconnected</span>;
  }
}
