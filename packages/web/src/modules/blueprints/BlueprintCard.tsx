import { ArrowRight, Check, Lock, Plus } from 'lucide-react';
import { visibleTabs, type Blueprint } from '@paddock/protocol';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { BlueprintIllustrationArt } from './illustrations';

/** What a workspace from this blueprint gives a builder, in plain words (no ports, no tab kinds). */
export function whatYouGet(blueprint: Blueprint): string[] {
  const tabs = visibleTabs(blueprint);
  const has = (kind: string) => tabs.some((t) => t.kind === kind);
  const out: string[] = [];
  if (has('ai-chat') || has('claude')) out.push('Build by chatting with the AI');
  if (blueprint.previewPorts.length > 0 || has('command')) out.push('See your app live as it is built');
  if (has('editor')) out.push('Edit the code yourself');
  if (has('shell')) out.push('A terminal for hands-on work');
  return out;
}

interface BlueprintCardProps {
  blueprint: Blueprint;
  creating?: boolean;
  disabled?: boolean;
  /** Absent: a preview (the admin's "what builders see"), whose Create does nothing. */
  onCreate?: () => void;
}

/** A blueprint in the builder's catalog: its picture, what it is for, what a workspace from it gives, and Create. */
export function BlueprintCard({ blueprint, creating = false, disabled = false, onCreate }: BlueprintCardProps) {
  const gets = whatYouGet(blueprint);
  return (
    <Card
      data-testid="blueprint-card"
      className="group flex h-full flex-col overflow-hidden transition-shadow hover:border-zinc-300 hover:shadow-md"
    >
      <BlueprintIllustrationArt name={blueprint.illustration} className="h-28 shrink-0 border-b border-zinc-100 py-3" />
      <div className="flex flex-1 flex-col p-5">
        <div className="flex items-start justify-between gap-2">
          <h2 className="text-[15px] font-semibold break-words text-zinc-900">{blueprint.name}</h2>
          {blueprint.access === 'restricted' && (
            <Badge
              icon={<Lock className="size-3" aria-hidden />}
              title="Restricted: only the people this blueprint was shared with see it"
              data-testid="blueprint-restricted"
            >
              Restricted
            </Badge>
          )}
        </div>
        <p className="mt-1.5 line-clamp-3 text-sm text-zinc-600">{blueprint.description || 'A ready workspace to build in.'}</p>
        {gets.length > 0 && (
          <ul className="mt-3 flex-1 space-y-1 text-xs text-zinc-500" aria-label="What you get">
            {gets.map((g) => (
              <li key={g} className="flex items-center gap-1.5">
                <Check className="size-3 text-emerald-600" aria-hidden />
                {g}
              </li>
            ))}
          </ul>
        )}
        <div className="mt-5 flex items-center justify-between">
          <Button
            variant="primary"
            size="sm"
            loading={creating}
            disabled={disabled || !onCreate}
            icon={<Plus className="size-3.5" aria-hidden />}
            onClick={onCreate}
          >
            Create
          </Button>
          {creating && (
            <span className="flex items-center gap-1 text-xs text-zinc-500">
              Creating workspace <ArrowRight className="size-3" aria-hidden />
            </span>
          )}
        </div>
      </div>
    </Card>
  );
}
