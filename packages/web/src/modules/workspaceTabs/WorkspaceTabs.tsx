import { lazy, Suspense, useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { Bot, Code2, MessageSquare, Play, Sparkles, TerminalSquare } from 'lucide-react';
import { tabSessionName, visibleTabs, type BlueprintWorkspaceConfig, type WorkspaceTab } from '@paddock/protocol';
import { EmptyState } from '../../components/EmptyState';
import { Skeleton } from '../../components/Skeleton';
import { cn } from '../../components/cn';
import { WorkspaceGovernanceBanner } from '../governance/WorkspaceGovernanceBanner';
import { ChatPanel, EditorPanel } from './optionalPanels';
import { useSelectedTab } from './useSelectedTab';

// xterm.js is the largest dependency; only terminal tabs need it.
const WorkspaceTerminal = lazy(() =>
  import('../terminal/WorkspaceTerminal').then((m) => ({ default: m.WorkspaceTerminal })),
);

export type TabsConfig = Pick<BlueprintWorkspaceConfig, 'tabs' | 'defaultTab' | 'layoutLocked' | 'editorEnabled'>;

export const tabIcons: Record<WorkspaceTab['kind'], ReactNode> = {
  'ai-chat': <MessageSquare className="size-3.5" aria-hidden />,
  claude: <Sparkles className="size-3.5" aria-hidden />,
  shell: <TerminalSquare className="size-3.5" aria-hidden />,
  command: <Play className="size-3.5" aria-hidden />,
  editor: <Code2 className="size-3.5" aria-hidden />,
};

/**
 * The workspace's tabs, from its blueprint. A panel mounts the first time its
 * tab is opened and then stays mounted (hidden while another tab shows), so a
 * terminal keeps its connection and scrollback across tab switches.
 */
export function WorkspaceTabs({ workspaceId, config, className }: { workspaceId: string; config: TabsConfig; className?: string }) {
  const tabs = visibleTabs(config);
  const [selected, select] = useSelectedTab(workspaceId, tabs.map((t) => t.id), config.defaultTab);
  const [opened, setOpened] = useState<ReadonlySet<string>>(() => new Set([selected]));
  const tabRefs = useRef(new Map<string, HTMLButtonElement>());

  useEffect(() => {
    setOpened((prev) => (prev.has(selected) ? prev : new Set([...prev, selected])));
  }, [selected]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const index = tabs.findIndex((t) => t.id === selected);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    const target = step ? tabs[(index + step + tabs.length) % tabs.length]
      : event.key === 'Home' ? tabs[0] : event.key === 'End' ? tabs[tabs.length - 1] : undefined;
    if (!target) return;
    event.preventDefault();
    select(target.id);
    tabRefs.current.get(target.id)?.focus();
  };

  const domId = (tab: WorkspaceTab, part: 'tab' | 'panel') => `ws-${part}-${tab.id}`;

  return (
    <div className={cn('flex min-h-0 min-w-0 flex-col', className)}>
      <div role="tablist" aria-label="Workspace tabs" onKeyDown={onKeyDown} className="mb-2 flex shrink-0 gap-1 overflow-x-auto border-b border-zinc-200">
        {tabs.map((tab) => {
          const active = tab.id === selected;
          return (
            <button
              key={tab.id}
              ref={(el) => { if (el) tabRefs.current.set(tab.id, el); else tabRefs.current.delete(tab.id); }}
              id={domId(tab, 'tab')}
              type="button"
              role="tab"
              aria-selected={active}
              aria-controls={domId(tab, 'panel')}
              tabIndex={active ? 0 : -1}
              onClick={() => select(tab.id)}
              className={cn(
                '-mb-px flex h-9 shrink-0 items-center gap-1.5 border-b-2 px-3 text-sm font-medium',
                active ? 'border-zinc-900 text-zinc-900' : 'border-transparent text-zinc-500 hover:text-zinc-800',
              )}
            >
              {tabIcons[tab.kind]}
              {tab.title}
            </button>
          );
        })}
      </div>
      {tabs.map((tab) => (
        <div
          key={tab.id}
          id={domId(tab, 'panel')}
          role="tabpanel"
          aria-labelledby={domId(tab, 'tab')}
          hidden={tab.id !== selected}
          className="min-h-0 flex-1 flex-col data-[shown=true]:flex"
          data-shown={tab.id === selected}
        >
          {opened.has(tab.id) && <TabPanel workspaceId={workspaceId} tab={tab} />}
        </div>
      ))}
    </div>
  );
}

function TabPanel({ workspaceId, tab }: { workspaceId: string; tab: WorkspaceTab }) {
  const session = tabSessionName(tab);
  if (session) {
    return (
      <Suspense fallback={<Skeleton className="flex-1 rounded-lg bg-zinc-800" />}>
        <WorkspaceTerminal
          workspaceId={workspaceId}
          session={session}
          className="flex-1"
          // Where Claude Code runs, the builder sees what an admin holds or stops.
          overlay={tab.kind === 'claude' ? <WorkspaceGovernanceBanner workspaceId={workspaceId} variant="terminal" /> : undefined}
        />
      </Suspense>
    );
  }
  const Panel = tab.kind === 'ai-chat' ? ChatPanel : EditorPanel;
  if (!Panel) {
    return tab.kind === 'ai-chat'
      ? <Placeholder icon={<Bot className="size-5" />} title="AI chat" description="Chat with the AI about your app here. The chat panel is coming; until then, use the Claude Code tab." />
      : <Placeholder icon={<Code2 className="size-5" />} title="Code editor" description="The in-browser editor is coming; until then, edit files from the Shell or ask the AI." />;
  }
  return (
    <Suspense fallback={<Skeleton className="flex-1 rounded-lg" />}>
      <Panel workspaceId={workspaceId} />
    </Suspense>
  );
}

function Placeholder({ icon, title, description }: { icon: ReactNode; title: string; description: string }) {
  return (
    <div className="flex flex-1 items-center justify-center rounded-lg border border-dashed border-zinc-300 bg-white">
      <EmptyState className="border-0" icon={icon} title={title} description={description} />
    </div>
  );
}
