import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ExternalLink, Monitor, RefreshCw, RotateCwSquare, Smartphone, Tablet } from 'lucide-react';
import { aiLastToolStepKey } from '../../api/ai';
import { previewPortsQuery, createPreviewLink } from '../../api/previews';
import { errorMessage } from '../../api/client';
import { cn } from '../../components/cn';
import { IconButton } from '../../components/IconButton';

type Viewport = 'desktop' | 'tablet' | 'mobile';

/** A port that starts listening this soon after a step of the AI's is taken as the app it started. */
const FOLLOW_AFTER_STEP_MS = 30_000;

/** Device sizes in CSS pixels (portrait); desktop fills the panel. */
const sizes: Record<Exclude<Viewport, 'desktop'>, { width: number; height: number }> = {
  tablet: { width: 768, height: 1024 },
  mobile: { width: 390, height: 844 },
};

const viewportButtons: Array<{ id: Viewport; label: string; Icon: typeof Monitor }> = [
  { id: 'desktop', label: 'Desktop', Icon: Monitor },
  { id: 'tablet', label: 'Tablet', Icon: Tablet },
  { id: 'mobile', label: 'Mobile', Icon: Smartphone },
];

/**
 * The live preview of a workspace's dev server, on its own origin (so its code
 * can never read the portal's cookies). Each load fetches a fresh one-time link
 * that signs this browser in to that origin.
 */
export function PreviewPanel({ workspaceId, className }: { workspaceId: string; className?: string }) {
  const queryClient = useQueryClient();
  const ports = useQuery(previewPortsQuery(workspaceId));
  const listening = (ports.data?.ports ?? []).filter((p) => p.listening);
  /** The port shown: the builder's pick (sticks), or the one the preview followed (see below); kept across reloads. */
  const [{ port, pickedByHand }, setShown] = useState(() => readShownPort(workspaceId));
  const show = useCallback((next: ShownPort) => {
    setShown(next);
    writeShownPort(workspaceId, next);
  }, [workspaceId]);
  const listeningBefore = useRef<ReadonlySet<number> | null>(null);
  const [viewport, setViewport] = useState<Viewport>('desktop');
  const [rotated, setRotated] = useState(false);
  const [src, setSrc] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loads, setLoads] = useState(0);

  const chosen = port !== null && listening.some((p) => p.port === port) ? port : (listening[0]?.port ?? null);

  // The preview follows the AI: a port that starts listening soon after a step of the AI's (a dev
  // server it just started, or restarted) is shown at once, unless the builder chose a port
  // themselves. Servers the blueprint declares (its own tabs start them, e.g. the Data app's on
  // 3000) give way to one the AI started, never the other way round. What listened when the
  // panel opened is no news: the first list only sets what "before" was.
  const listeningKey = listening.map((p) => p.port).join(',');
  useEffect(() => {
    if (!ports.data) return;
    const now = new Set(listening.map((p) => p.port));
    const before = listeningBefore.current;
    listeningBefore.current = now;
    if (!before || pickedByHand) return;
    const lastStep = queryClient.getQueryData<number>(aiLastToolStepKey(workspaceId));
    if (lastStep === undefined || Date.now() - lastStep > FOLLOW_AFTER_STEP_MS) return;
    const declared = new Set(listening.filter((p) => p.sources.includes('blueprint')).map((p) => p.port));
    const appeared = [...now].filter((p) => !before.has(p));
    const started = appeared.filter((p) => !declared.has(p));
    const candidates = started.length > 0 ? started : chosen === null || declared.has(chosen) ? appeared : [];
    if (candidates.length > 0) show({ port: candidates[candidates.length - 1]!, pickedByHand: false });
    // listeningKey stands for `listening`, which is a new array on every render.
  }, [ports.data, listeningKey, pickedByHand, show, queryClient, workspaceId]);

  useEffect(() => {
    // A link works once: never leave the frame on the last one while the next is on its way.
    setSrc(null);
    if (chosen === null) return;
    let cancelled = false;
    setError(null);
    createPreviewLink(workspaceId, chosen).then(
      (link) => { if (!cancelled) setSrc(link.url); },
      (err: unknown) => { if (!cancelled) setError(errorMessage(err)); },
    );
    return () => { cancelled = true; };
  }, [workspaceId, chosen, loads]);

  const openInNewTab = useCallback(async () => {
    if (chosen === null) return;
    // Open the tab first (a popup blocker allows it only during the click), then send it to its own fresh link.
    const tab = window.open('about:blank', '_blank');
    try {
      const link = await createPreviewLink(workspaceId, chosen);
      if (tab) { tab.opener = null; tab.location.href = link.url; }
    } catch (err) {
      tab?.close();
      setError(errorMessage(err));
    }
  }, [workspaceId, chosen]);

  const device = viewport === 'desktop' ? null : sizes[viewport];
  const frameSize = device && (rotated ? { width: device.height, height: device.width } : device);

  return (
    <section aria-label="Preview" className={cn('flex min-h-0 flex-1 flex-col overflow-hidden rounded-lg border border-zinc-200 bg-white', className)}>
      <div className="flex flex-wrap items-center gap-2 border-b border-zinc-200 px-3 py-2">
        {/* Ports are for a workspace running several apps at once; with one, there is nothing to choose. */}
        {listening.length > 1 && (
          <label className="flex items-center gap-2 text-sm text-zinc-600">
            App on port
            <select
              className="h-8 rounded-md border border-zinc-300 bg-white px-2 text-sm text-zinc-900"
              value={chosen ?? ''}
              onChange={(e) => show({ port: Number(e.target.value), pickedByHand: true })}
            >
              {listening.map((p) => <option key={p.port} value={p.port}>{p.port}</option>)}
            </select>
          </label>
        )}
        <div role="group" aria-label="Viewport" className="flex items-center rounded-md border border-zinc-300">
          {viewportButtons.map(({ id, label, Icon }) => (
            <button
              key={id}
              type="button"
              aria-label={label}
              title={label}
              aria-pressed={viewport === id}
              onClick={() => setViewport(id)}
              className={cn('flex h-8 w-9 items-center justify-center text-zinc-600 hover:bg-zinc-100', viewport === id && 'bg-zinc-900 text-white hover:bg-zinc-800')}
            >
              <Icon className="size-4" aria-hidden />
            </button>
          ))}
        </div>
        {/* A device turned on its side: a square with an arrow, unlike Reload's two circling arrows. */}
        <IconButton label={rotated ? 'Turn to portrait' : 'Turn to landscape'} disabled={viewport === 'desktop'} pressed={rotated} onClick={() => setRotated((r) => !r)}>
          <RotateCwSquare className="size-4" aria-hidden />
        </IconButton>
        <div className="ml-auto flex items-center gap-1">
          <IconButton label="Reload preview" disabled={chosen === null} onClick={() => setLoads((n) => n + 1)}>
            <RefreshCw className="size-4" aria-hidden />
          </IconButton>
          <IconButton label="Open in new tab" disabled={chosen === null} onClick={() => void openInNewTab()}>
            <ExternalLink className="size-4" aria-hidden />
          </IconButton>
        </div>
      </div>
      {error && <p role="alert" className="border-b border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">{error}</p>}
      {chosen === null ? (
        <div className="flex flex-1 flex-col items-center justify-center px-6 py-12 text-center">
          <Monitor className="size-6 text-zinc-400" aria-hidden />
          <p className="mt-3 text-sm font-medium text-zinc-900">Nothing to preview yet</p>
          <p className="mt-1 text-sm text-zinc-500">Ask the AI to build something: your app appears here as soon as it runs.</p>
        </div>
      ) : (
        <ScaledFrame src={src} size={frameSize} title={listening.length > 1 ? `Preview of the app on port ${chosen}` : 'Preview of your app'} />
      )}
    </section>
  );
}

interface ShownPort { port: number | null; pickedByHand: boolean }

const shownPortKey = (workspaceId: string) => `paddock.preview-port.${workspaceId}`;

/** What the preview showed last in this browser, so a reload stays on the app the AI started (not the first port listening). */
function readShownPort(workspaceId: string): ShownPort {
  try {
    const stored = JSON.parse(window.localStorage.getItem(shownPortKey(workspaceId)) ?? 'null') as Partial<ShownPort> | null;
    if (stored && typeof stored.port === 'number') return { port: stored.port, pickedByHand: stored.pickedByHand === true };
  } catch {
    // Storage off or unreadable: start from the first port listening.
  }
  return { port: null, pickedByHand: false };
}

function writeShownPort(workspaceId: string, shown: ShownPort): void {
  try {
    window.localStorage.setItem(shownPortKey(workspaceId), JSON.stringify(shown));
  } catch {
    // Storage off: it follows again after a reload.
  }
}

/** The preview frame at a device's size, scaled down to fit the panel (never up). */
function ScaledFrame({ src, size, title }: { src: string | null; size: { width: number; height: number } | null; title: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [space, setSpace] = useState({ width: 0, height: 0 });
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => setSpace({ width: el.clientWidth, height: el.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const scale = size && space.width > 0 ? Math.min(1, (space.width - 16) / size.width, (space.height - 16) / size.height) : 1;
  return (
    <div ref={box} className={cn('relative min-h-0 flex-1 overflow-hidden', size && 'bg-zinc-100')}>
      {src && (
        <iframe
          // A new element for every link: each load starts clean at its own one-time link.
          key={src}
          title={title}
          src={src}
          data-testid="preview-frame"
          // Its own origin already isolates it; the sandbox adds no popups or top navigation.
          sandbox="allow-scripts allow-same-origin allow-forms allow-modals allow-downloads"
          className={cn('border-0 bg-white', size ? 'absolute left-1/2 top-2 origin-top shadow-lg' : 'h-full w-full')}
          style={size ? { width: size.width, height: size.height, transform: `translateX(-50%) scale(${scale})` } : undefined}
        />
      )}
    </div>
  );
}
