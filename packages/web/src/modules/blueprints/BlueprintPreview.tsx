import { MonitorPlay, Sparkles } from 'lucide-react';
import { visibleTabs, type Blueprint } from '@paddock/protocol';
import { Section } from '../../components/Section';
import { cn } from '../../components/cn';
import { tabIcons } from '../workspaceTabs/WorkspaceTabs';
import { BlueprintCard } from './BlueprintCard';

/**
 * What a builder gets from this blueprint as saved: its card in the catalog, and the
 * workspace page it opens (the tabs left after the lock, the one it opens on, the
 * chat's suggestions, where the preview looks).
 */
export function BlueprintPreview({ blueprint }: { blueprint: Blueprint }) {
  const tabs = visibleTabs(blueprint);
  const opensOn = tabs.find((t) => t.id === blueprint.defaultTab) ?? tabs[0];
  const hidden = blueprint.tabs.filter((t) => !tabs.includes(t));
  return (
    <Section title="What builders see" description="As saved: the catalog card, and the workspace a builder gets.">
      <div className="grid gap-6 lg:grid-cols-[16rem_1fr]" data-testid="bp-preview">
        <div className="pointer-events-none select-none" aria-label="Catalog card preview">
          <BlueprintCard blueprint={blueprint} />
        </div>
        <div className="min-w-0 rounded-lg border border-zinc-200 bg-zinc-50 p-3" aria-label="Workspace preview">
          <div className="flex gap-3">
            <div className="min-w-0 flex-1 rounded-md border border-zinc-200 bg-white">
              <div role="list" aria-label="Tabs a builder sees" className="flex gap-1 overflow-x-auto border-b border-zinc-200 px-1">
                {tabs.map((tab) => (
                  <span
                    key={tab.id}
                    role="listitem"
                    data-testid="bp-preview-tab"
                    data-default={tab.id === opensOn?.id}
                    className={cn(
                      '-mb-px flex h-8 shrink-0 items-center gap-1.5 border-b-2 px-2.5 text-xs font-medium',
                      tab.id === opensOn?.id ? 'border-zinc-900 text-zinc-900' : 'border-transparent text-zinc-500',
                    )}
                  >
                    {tabIcons[tab.kind]}
                    {tab.title}
                  </span>
                ))}
              </div>
              <div className="p-4 text-xs text-zinc-500">
                {opensOn?.kind === 'ai-chat' ? (
                  <div className="flex flex-col items-center text-center">
                    <Sparkles className="size-4" aria-hidden />
                    <p className="mt-1 font-medium text-zinc-800">What would you like to build?</p>
                    {blueprint.suggestedPrompts.length > 0 ? (
                      <ul className="mt-2 flex flex-wrap justify-center gap-1.5" aria-label="Suggested prompts preview">
                        {blueprint.suggestedPrompts.map((p) => (
                          <li key={p} className="rounded-full border border-zinc-300 px-2 py-0.5 text-zinc-700">{p}</li>
                        ))}
                      </ul>
                    ) : (
                      <p className="mt-1">No suggested prompts: the chat opens on an empty message box.</p>
                    )}
                  </div>
                ) : (
                  <p>Opens on “{opensOn?.title}”{opensOn?.kind === 'command' ? `, running ${opensOn.command ?? ''}` : ''}.</p>
                )}
              </div>
            </div>
            <div className="hidden w-2/5 shrink-0 flex-col items-center justify-center gap-1 rounded-md border border-dashed border-zinc-300 bg-white text-xs text-zinc-500 sm:flex">
              <MonitorPlay className="size-4" aria-hidden />
              Live preview
              {blueprint.previewPorts.length > 0 && <span>port {blueprint.previewPorts.join(', ')}</span>}
            </div>
          </div>
          <p className="mt-2 text-xs text-zinc-500">
            {hidden.length > 0 && `Hidden from builders: ${hidden.map((t) => t.title).join(', ')}${blueprint.layoutLocked ? ' (layout locked)' : ' (code editor off)'}. `}
            {blueprint.model ? `Model: ${blueprint.model}.` : "Model: the provider's default."}
          </p>
        </div>
      </div>
    </Section>
  );
}
