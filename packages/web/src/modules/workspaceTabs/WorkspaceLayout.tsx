import { Suspense, useCallback, useRef, useState, type CSSProperties, type PointerEvent as ReactPointerEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { MonitorPlay } from 'lucide-react';
import { defaultBlueprintWorkspaceConfig } from '@paddock/protocol';
import { blueprintQuery } from '../../api/blueprints';
import { Skeleton } from '../../components/Skeleton';
import { PreviewPanel } from './optionalPanels';
import { WorkspaceTabs } from './WorkspaceTabs';

const splitKey = 'paddock.workspace-split';
const clamp = (n: number) => Math.min(80, Math.max(20, n));

/**
 * A running workspace: the blueprint's tabs on the left, the live preview on
 * the right, with a draggable divider (its position remembered per browser).
 */
export function WorkspaceLayout({ workspaceId, blueprintId }: { workspaceId: string; blueprintId: string }) {
  const blueprint = useQuery(blueprintQuery(blueprintId));
  const [leftPercent, setLeftPercent] = useState(() => clamp(Number(window.localStorage.getItem(splitKey)) || 50));
  const container = useRef<HTMLDivElement>(null);

  const startDrag = useCallback((event: ReactPointerEvent<HTMLDivElement>) => {
    const box = container.current?.getBoundingClientRect();
    if (!box) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    const move = (e: PointerEvent) => setLeftPercent(clamp(((e.clientX - box.left) / box.width) * 100));
    const up = (e: PointerEvent) => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      window.localStorage.setItem(splitKey, String(clamp(((e.clientX - box.left) / box.width) * 100)));
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }, []);

  if (blueprint.isPending) return <Skeleton className="flex-1" />;
  // A blueprint the builder may no longer use still has its workspaces: they get the standard tabs.
  const config = blueprint.data ?? defaultBlueprintWorkspaceConfig();

  return (
    <div ref={container} className="flex min-h-0 flex-1 flex-col gap-3 lg:flex-row lg:gap-0">
      <div className="flex min-h-[20rem] min-w-0 flex-1 flex-col lg:w-[var(--tabs-width)] lg:flex-none" style={{ '--tabs-width': `${leftPercent}%` } as CSSProperties}>
        <WorkspaceTabs workspaceId={workspaceId} config={config} className="flex-1" />
      </div>
      <div
        role="separator"
        aria-orientation="vertical"
        aria-label="Resize the preview"
        aria-valuenow={Math.round(leftPercent)}
        aria-valuemin={20}
        aria-valuemax={80}
        tabIndex={0}
        onPointerDown={startDrag}
        onKeyDown={(e) => {
          if (e.key === 'ArrowLeft') setLeftPercent((p) => clamp(p - 5));
          if (e.key === 'ArrowRight') setLeftPercent((p) => clamp(p + 5));
        }}
        className="hidden w-3 shrink-0 cursor-col-resize items-center justify-center lg:flex"
      >
        <div className="h-10 w-1 rounded-full bg-zinc-300" />
      </div>
      <section aria-label="Preview" className="flex min-h-[20rem] min-w-0 flex-1 flex-col">
        {PreviewPanel ? (
          <Suspense fallback={<Skeleton className="flex-1 rounded-lg" />}>
            <PreviewPanel workspaceId={workspaceId} />
          </Suspense>
        ) : (
          // Slot for the live preview (modules/preview/PreviewPanel.tsx, built separately).
          <div data-testid="preview-slot" className="flex flex-1 flex-col items-center justify-center gap-2 rounded-lg border border-dashed border-zinc-300 bg-white text-sm text-zinc-500">
            <MonitorPlay className="size-5" aria-hidden />
            Live preview
          </div>
        )}
      </section>
    </div>
  );
}
