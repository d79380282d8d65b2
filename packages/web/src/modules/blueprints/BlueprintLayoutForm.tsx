import { useState, type FormEvent } from 'react';
import { ArrowDown, ArrowUp, Plus, Trash2 } from 'lucide-react';
import type { Blueprint, TabKind, UpdateBlueprintRequest, WorkspaceTab } from '@paddock/protocol';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field, controlClass, inputClass, selectClass } from '../../components/Field';
import { IconButton } from '../../components/IconButton';
import { Section } from '../../components/Section';
import { SavedNote } from '../../components/SavedNote';
import { Switch } from '../../components/Switch';
import { cn } from '../../components/cn';
import { useBlueprintSave } from './useBlueprintSave';

export const tabKindLabels: Record<TabKind, string> = {
  'ai-chat': 'AI chat',
  claude: 'Claude Code',
  shell: 'Shell',
  command: 'Command (runs at start)',
  editor: 'Code editor',
};

const MAX_TABS = 12;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A tab id from its title, not yet taken: lowercase letters, digits and -, as tabIdSchema wants. */
function freshId(title: string, taken: string[]): string {
  const base = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 24) || 'tab';
  let id = base;
  for (let n = 2; taken.includes(id); n++) id = `${base}-${n}`;
  return id;
}

/** Ports as typed ("5173, 3000"): numbers where they parse, NaN where not, so the schema names the bad one. */
const parsePorts = (text: string): number[] => text.split(/[\s,]+/).filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : Number.NaN));

/** The workspace page a builder gets: its tabs in order, the one that opens first, what is hidden, where the preview looks. */
export function BlueprintLayoutForm({ blueprint, readOnly }: { blueprint: Blueprint; readOnly: boolean }) {
  const section = useBlueprintSave(blueprint);
  const [tabs, setTabs] = useState<WorkspaceTab[]>(blueprint.tabs);
  const [defaultTab, setDefaultTab] = useState(blueprint.defaultTab);
  const [locked, setLocked] = useState(blueprint.layoutLocked);
  const [editor, setEditor] = useState(blueprint.editorEnabled);
  const [ports, setPorts] = useState(blueprint.previewPorts.join(', '));

  const cleanTabs = tabs.map((t) => {
    const { command, ...rest } = t;
    return t.kind === 'command' ? { ...rest, title: t.title.trim(), command: (command ?? '').trim() || undefined } : { ...rest, title: t.title.trim() };
  });
  const portList = parsePorts(ports);
  const changes: UpdateBlueprintRequest = {};
  if (!same(cleanTabs, blueprint.tabs)) changes.tabs = cleanTabs;
  if (defaultTab !== blueprint.defaultTab) changes.defaultTab = defaultTab;
  if (locked !== blueprint.layoutLocked) changes.layoutLocked = locked;
  if (editor !== blueprint.editorEnabled) changes.editorEnabled = editor;
  if (!same(portList, blueprint.previewPorts)) changes.previewPorts = portList;
  const dirty = Object.keys(changes).length > 0;

  const edit = <T,>(set: (v: T) => void) => (v: T) => { set(v); section.reset(); };
  const setTab = (i: number, change: Partial<WorkspaceTab>) => edit(setTabs)(tabs.map((t, j) => (j === i ? { ...t, ...change } : t)));
  const move = (i: number, by: -1 | 1) => {
    const next = [...tabs];
    [next[i], next[i + by]] = [next[i + by]!, next[i]!];
    edit(setTabs)(next);
  };
  const add = () => {
    const title = 'New tab';
    edit(setTabs)([...tabs, { id: freshId(title, tabs.map((t) => t.id)), kind: 'command', title, command: '' }]);
  };
  const remove = (i: number) => {
    const gone = tabs[i]!;
    const next = tabs.filter((_, j) => j !== i);
    edit(setTabs)(next);
    if (gone.id === defaultTab && next[0]) setDefaultTab(next[0].id);
  };
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (dirty) section.save(changes);
  };
  const reset = () => {
    setTabs(blueprint.tabs);
    setDefaultTab(blueprint.defaultTab);
    setLocked(blueprint.layoutLocked);
    setEditor(blueprint.editorEnabled);
    setPorts(blueprint.previewPorts.join(', '));
    section.reset();
  };
  const tabError = (i: number, field: string) => section.error(`tabs.${i}.${field}`);

  return (
    <Section title="Workspace layout" description="The tabs of a workspace from this blueprint, the one it opens on, and where its preview looks.">
      <form onSubmit={onSubmit} className="space-y-6" noValidate>
        {section.bannerError != null && <ErrorBanner title="Could not save" error={section.bannerError} />}
        <fieldset>
          <legend className="text-sm font-medium text-zinc-700">Tabs, in order</legend>
          {section.error('tabs') && <p className="mt-1 text-xs text-red-600">{section.error('tabs')}</p>}
          <ol className="mt-2 space-y-2" aria-label="Tabs">
            {tabs.map((tab, i) => (
              <li key={i} data-testid="bp-tab-row" className="rounded-md border border-zinc-200 p-3">
                <div className="grid items-start gap-2 md:grid-cols-[1.25rem_minmax(0,1fr)_12rem_8rem_auto_auto]">
                  <span className="mt-2 text-right text-xs text-zinc-400">{i + 1}</span>
                  <div className="min-w-0">
                    <input
                      aria-label={`Tab ${i + 1} title`}
                      readOnly={readOnly}
                      value={tab.title}
                      onChange={(e) => setTab(i, { title: e.target.value })}
                      aria-invalid={tabError(i, 'title') ? true : undefined}
                      className={inputClass}
                    />
                    {tabError(i, 'title') && <p className="mt-1 text-xs text-red-600">{tabError(i, 'title')}</p>}
                  </div>
                  <select
                    aria-label={`Tab ${i + 1} kind`}
                    disabled={readOnly}
                    value={tab.kind}
                    onChange={(e) => {
                      const kind = e.target.value as TabKind;
                      setTab(i, kind === 'command' ? { kind, command: tab.command ?? '' } : { kind, command: undefined });
                    }}
                    className={selectClass}
                  >
                    {(Object.keys(tabKindLabels) as TabKind[]).map((k) => (
                      <option key={k} value={k}>{tabKindLabels[k]}</option>
                    ))}
                  </select>
                  <div>
                    <input
                      aria-label={`Tab ${i + 1} id`}
                      title="Its id: lowercase letters, digits and -; a command tab's terminal session is cmd-<id>"
                      readOnly={readOnly}
                      value={tab.id}
                      onChange={(e) => {
                        if (tab.id === defaultTab) setDefaultTab(e.target.value);
                        setTab(i, { id: e.target.value });
                      }}
                      aria-invalid={tabError(i, 'id') ? true : undefined}
                      className={cn(controlClass, 'w-full font-mono text-[13px]')}
                    />
                    {tabError(i, 'id') && <p className="mt-1 text-xs text-red-600">{tabError(i, 'id')}</p>}
                  </div>
                  <label className="mt-2 inline-flex items-center gap-1.5 text-sm whitespace-nowrap text-zinc-700">
                    <input type="radio" name="bp-default-tab" disabled={readOnly} checked={tab.id === defaultTab} onChange={() => edit(setDefaultTab)(tab.id)} />
                    Opens first
                  </label>
                  {!readOnly && (
                    <div className="flex items-center">
                      <IconButton label={`Move tab ${i + 1} up`} disabled={i === 0} onClick={() => move(i, -1)}><ArrowUp className="size-4" /></IconButton>
                      <IconButton label={`Move tab ${i + 1} down`} disabled={i === tabs.length - 1} onClick={() => move(i, 1)}><ArrowDown className="size-4" /></IconButton>
                      <IconButton label={`Remove tab ${i + 1}`} disabled={tabs.length === 1} onClick={() => remove(i)}><Trash2 className="size-4" /></IconButton>
                    </div>
                  )}
                </div>
                {tab.kind === 'command' && (
                  <div className="mt-2 md:pl-7">
                    <input
                      aria-label={`Tab ${i + 1} command`}
                      placeholder="e.g. npm run dev -- --port 5173"
                      readOnly={readOnly}
                      value={tab.command ?? ''}
                      onChange={(e) => setTab(i, { command: e.target.value })}
                      aria-invalid={tabError(i, 'command') ? true : undefined}
                      className={cn(inputClass, 'font-mono text-[13px]')}
                    />
                    {tabError(i, 'command') ? <p className="mt-1 text-xs text-red-600">{tabError(i, 'command')}</p>
                      : <p className="mt-1 text-xs text-zinc-500">Runs with bash in /workspace when the workspace starts; the tab shows its output.</p>}
                  </div>
                )}
              </li>
            ))}
          </ol>
          {section.error('defaultTab') && <p className="mt-2 text-xs text-red-600">{section.error('defaultTab')}</p>}
          {!readOnly && (
            <Button size="sm" className="mt-2" icon={<Plus className="size-3.5" aria-hidden />} disabled={tabs.length >= MAX_TABS} onClick={add}>
              Add a tab
            </Button>
          )}
        </fieldset>
        <div className="grid gap-4 md:grid-cols-2">
          <div className="space-y-1">
            <Switch label="Lock the layout" checked={locked} disabled={readOnly} onChange={edit(setLocked)} />
            <p className="text-xs text-zinc-500">Hides the shell and code editor tabs: for builders who should never need a terminal.</p>
          </div>
          <div className="space-y-1">
            <Switch label="Show the code editor" checked={editor} disabled={readOnly} onChange={edit(setEditor)} />
            <p className="text-xs text-zinc-500">Off: the code editor tab is hidden, whatever the layout.</p>
          </div>
        </div>
        <Field
          id="bp-ports"
          label="Preview ports"
          hint="Where its apps listen, separated by commas (up to 10): the preview opens the first."
          error={section.error('previewPorts') ?? Object.entries(section.errors).find(([k]) => k.startsWith('previewPorts.'))?.[1] ?? null}
        >
          <input
            id="bp-ports"
            inputMode="numeric"
            readOnly={readOnly}
            value={ports}
            placeholder="e.g. 5173"
            onChange={(e) => edit(setPorts)(e.target.value)}
            aria-describedby="bp-ports-hint"
            className={inputClass}
          />
        </Field>
        {!readOnly && (
          <div className="flex items-center justify-end gap-3">
            <SavedNote show={section.saved && !dirty} />
            <Button onClick={reset} disabled={!dirty || section.pending}>Reset</Button>
            <Button type="submit" variant="primary" loading={section.pending} disabled={!dirty}>Save layout</Button>
          </div>
        )}
      </form>
    </Section>
  );
}
