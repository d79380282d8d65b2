import { useEffect, useMemo, useRef, useState, type PointerEvent, type ReactNode } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { ChartGantt, ChevronLeft, ChevronRight, Globe, Play, Plus, RotateCcw, Square, Trash2, ZoomIn, ZoomOut } from 'lucide-react';
import { TIMELINE_MAX_DAYS, type TimelineAction, type TimelineRow } from '@paddock/protocol';
import { timelineQuery } from '../../api/overview';
import { Button } from '../../components/Button';
import { EmptyState } from '../../components/EmptyState';
import { controlClass } from '../../components/Field';
import { IconButton } from '../../components/IconButton';
import { QueryView } from '../../components/QueryView';
import { Skeleton } from '../../components/Skeleton';
import { cn } from '../../components/cn';
import { formatDateTime } from '../../components/formatTime';
import { useNow } from '../../components/useNow';
import { WorkspaceStateBadge } from '../../modules/workspaces/WorkspaceStateBadge';
import { panWindow, percentAt, ticks, zoomWindow, type Window } from './timelineScale';

const HOUR = 3_600_000;
const presets = { day: { label: 'Last 24 hours', span: 24 * HOUR }, week: { label: 'Last 7 days', span: 7 * 24 * HOUR } } as const;
type Mode = keyof typeof presets | 'custom';

const markers: Record<TimelineAction, { word: string; icon: ReactNode; className: string }> = {
  create: { word: 'Created', icon: <Plus className="size-2.5" aria-hidden />, className: 'bg-blue-600' },
  start: { word: 'Started', icon: <Play className="size-2.5" aria-hidden />, className: 'bg-emerald-700' },
  stop: { word: 'Stopped', icon: <Square className="size-2.5" aria-hidden />, className: 'bg-zinc-600' },
  delete: { word: 'Deleted', icon: <Trash2 className="size-2.5" aria-hidden />, className: 'bg-red-600' },
  publish: { word: 'Asked to publish', icon: <Globe className="size-2.5" aria-hidden />, className: 'bg-violet-600' },
};

/** A datetime-local input's value for a time (local, to the minute), and back. */
const toLocalInput = (ms: number) => { const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000); return d.toISOString().slice(0, 16); };
const fromLocalInput = (value: string) => (value ? new Date(value).getTime() : NaN);

const LABEL_WIDTH = 'w-56';

function Row({ row, view }: { row: TimelineRow; view: Window }) {
  const place = (start: number, end: number) => {
    const left = Math.max(0, percentAt(view, start));
    const right = Math.min(100, percentAt(view, end));
    return right > left ? { left: `${left}%`, width: `max(${right - left}%, 2px)` } : null;
  };
  return (
    <div className="flex border-b border-zinc-100 last:border-0" data-testid="timeline-row" data-workspace-id={row.workspaceId}>
      <div className={cn(LABEL_WIDTH, 'shrink-0 border-r border-zinc-100 px-3 py-1.5')}>
        <div className="flex items-center gap-2">
          {row.state === 'deleted'
            ? <span className="truncate text-sm font-medium text-zinc-500 line-through" title={row.label}>{row.label}</span>
            : <Link to="/workspaces/$workspaceId" params={{ workspaceId: row.workspaceId }} className="truncate text-sm font-medium text-zinc-900 hover:underline" title={row.label}>{row.label}</Link>}
        </div>
        <div className="flex items-center gap-1.5">
          <span className="truncate text-xs text-zinc-500" title={row.ownerName}>{row.ownerName}</span>
          <WorkspaceStateBadge state={row.state} className="!py-0 text-[10px]" />
        </div>
      </div>
      <div className="relative h-12 min-w-0 flex-1 overflow-hidden">
        {row.segments.map((s, i) => {
          const at = place(Date.parse(s.start), Date.parse(s.end));
          if (!at) return null;
          const words = `${s.kind === 'running' ? 'Running' : 'Someone connected'} ${formatDateTime(s.start)} – ${s.ongoing ? 'now' : formatDateTime(s.end)}`;
          return (
            <div key={i} data-testid="timeline-bar" data-kind={s.kind} title={words} aria-label={words} role="img" style={at}
              className={cn('absolute rounded-sm', s.kind === 'running' ? 'top-3 h-6 bg-emerald-200 ring-1 ring-emerald-300 ring-inset' : 'top-4 h-4 bg-emerald-600')} />
          );
        })}
        {row.events.map((e, i) => {
          const left = percentAt(view, Date.parse(e.at));
          if (left < 0 || left > 100) return null;
          const m = markers[e.action];
          const words = `${m.word} by ${e.actorName}, ${formatDateTime(e.at)}`;
          return (
            <span key={i} data-testid="timeline-marker" data-action={e.action} title={words} aria-label={words} role="img" style={{ left: `${left}%` }}
              className={cn('absolute top-0.5 flex size-4 -translate-x-1/2 items-center justify-center rounded-full text-white ring-2 ring-white', m.className)}>
              {m.icon}
            </span>
          );
        })}
      </div>
    </div>
  );
}

function Gantt({ rows, range }: { rows: TimelineRow[]; range: Window }) {
  const [view, setView] = useState<Window>(range);
  // A new range (a preset moving on with the clock, a custom one) resets the view only when it no longer fits.
  useEffect(() => setView((v) => (v.start < range.start || v.end > range.end || v.end - v.start >= (range.end - range.start) * 0.99 ? { ...range } : v)),
    // By value: the answer's range is a new object on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [range.start, range.end]);
  const drag = useRef<{ x: number; view: Window; width: number } | null>(null);
  const axis = useMemo(() => ticks(view), [view]);

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    drag.current = { x: e.clientX, view, width: e.currentTarget.getBoundingClientRect().width };
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (d) setView(panWindow(d.view, range, -(e.clientX - d.x) / Math.max(1, d.width - 224)));
  };
  const endDrag = () => { drag.current = null; };

  return (
    <div>
      <div className="flex flex-wrap items-center gap-1 border-b border-zinc-200 px-3 py-1.5 text-xs text-zinc-500">
        <IconButton label="Zoom in" onClick={() => setView(zoomWindow(view, range, 0.5))}><ZoomIn className="size-4" /></IconButton>
        <IconButton label="Zoom out" onClick={() => setView(zoomWindow(view, range, 2))}><ZoomOut className="size-4" /></IconButton>
        <IconButton label="Earlier" onClick={() => setView(panWindow(view, range, -0.25))}><ChevronLeft className="size-4" /></IconButton>
        <IconButton label="Later" onClick={() => setView(panWindow(view, range, 0.25))}><ChevronRight className="size-4" /></IconButton>
        <IconButton label="Show the whole range" onClick={() => setView(range)}><RotateCcw className="size-4" /></IconButton>
        <span className="ml-2" data-testid="timeline-view">{formatDateTime(new Date(view.start).toISOString())} – {formatDateTime(new Date(view.end).toISOString())}</span>
        <span className="ml-auto flex items-center gap-3">
          <span className="flex items-center gap-1"><span className="h-3 w-5 rounded-sm bg-emerald-200 ring-1 ring-emerald-300 ring-inset" />Running</span>
          <span className="flex items-center gap-1"><span className="h-3 w-5 rounded-sm bg-emerald-600" />Someone connected</span>
          <span>Drag to move</span>
        </span>
      </div>
      <div className="max-h-[560px] overflow-y-auto">
        <div className="sticky top-0 z-10 flex border-b border-zinc-200 bg-white">
          <div className={cn(LABEL_WIDTH, 'shrink-0 px-3 py-1 text-xs font-medium text-zinc-500')}>Workspace</div>
          <div className="relative h-6 flex-1 overflow-hidden">
            {axis.filter((t) => { const p = percentAt(view, t.at); return p > 3 && p < 97; }).map((t) => (
              <span key={t.at} className="absolute top-1 -translate-x-1/2 text-[11px] whitespace-nowrap text-zinc-500 tabular-nums" style={{ left: `${percentAt(view, t.at)}%` }}>{t.label}</span>
            ))}
          </div>
        </div>
        <div className="relative cursor-grab touch-none select-none active:cursor-grabbing" onPointerDown={onPointerDown} onPointerMove={onPointerMove} onPointerUp={endDrag} onPointerCancel={endDrag}>
          {rows.map((row) => <Row key={row.workspaceId} row={row} view={view} />)}
        </div>
      </div>
    </div>
  );
}

/** One row per workspace over a chosen range: when it ran, when someone used it, who created, started, stopped, deleted or published it. */
export function TimelineView() {
  const [mode, setMode] = useState<Mode>('day');
  const now = useNow(60_000);
  const [custom, setCustom] = useState(() => ({ from: toLocalInput(now - 24 * HOUR), to: toLocalInput(now) }));
  const customRange = { start: fromLocalInput(custom.from), end: fromLocalInput(custom.to) };
  const customError = mode !== 'custom' ? null
    : Number.isNaN(customRange.start) || Number.isNaN(customRange.end) ? 'Choose both a start and an end.'
    : customRange.start >= customRange.end ? 'The start must be before the end.'
    : customRange.end - customRange.start > TIMELINE_MAX_DAYS * 24 * HOUR ? `Choose at most ${TIMELINE_MAX_DAYS} days.`
    : null;
  // Presets end at the end of this minute (what happens in it shows), so the query stays the same until the clock moves on.
  const minute = Math.floor(now / 60_000) * 60_000 + 60_000;
  const range: Window = useMemo(() => (mode === 'custom' ? customRange : { start: minute - presets[mode].span, end: minute }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [mode, minute, custom.from, custom.to]);
  const timeline = useQuery({
    ...timelineQuery({ from: new Date(customError ? 0 : range.start).toISOString(), to: new Date(customError ? 1 : range.end).toISOString() }),
    enabled: !customError, placeholderData: keepPreviousData,
  });

  return (
    <div>
      <div className="flex flex-wrap items-end gap-2 border-b border-zinc-200 px-4 py-2.5">
        <div className="flex gap-1" role="group" aria-label="Range">
          {(['day', 'week', 'custom'] as const).map((m) => (
            <Button key={m} size="sm" variant={mode === m ? 'primary' : 'secondary'} aria-pressed={mode === m} onClick={() => setMode(m)}>
              {m === 'custom' ? 'Custom' : presets[m].label}
            </Button>
          ))}
        </div>
        {mode === 'custom' && (
          <>
            <label className="text-xs text-zinc-500">From
              <input type="datetime-local" className={cn(controlClass, 'ml-1 h-8')} value={custom.from} aria-invalid={customError ? true : undefined}
                onChange={(e) => setCustom((c) => ({ ...c, from: e.target.value }))} />
            </label>
            <label className="text-xs text-zinc-500">To
              <input type="datetime-local" className={cn(controlClass, 'ml-1 h-8')} value={custom.to} aria-invalid={customError ? true : undefined}
                onChange={(e) => setCustom((c) => ({ ...c, to: e.target.value }))} />
            </label>
            {customError && <p className="text-xs text-red-600" role="alert">{customError}</p>}
          </>
        )}
      </div>
      {!customError && (
        <QueryView query={timeline} loading={<div className="space-y-2 p-4"><Skeleton className="h-10" /><Skeleton className="h-10" /><Skeleton className="h-10" /></div>}
          errorTitle="Could not load the timeline" errorClassName="m-4" isEmpty={(t) => t.rows.length === 0}
          empty={<EmptyState icon={<ChartGantt className="size-5" />} title="No workspaces in this range" description="Workspaces that existed during the range appear here, with when they ran." className="m-4" />}>
          {(data) => <Gantt rows={data.rows} range={{ start: Date.parse(data.from), end: Date.parse(data.to) }} />}
        </QueryView>
      )}
    </div>
  );
}
