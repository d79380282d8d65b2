import { lazy, type ComponentType, type LazyExoticComponent } from 'react';

type Panel = ComponentType<{ workspaceId: string }>;

/**
 * Panels built in their own modules, by other parts of the app: used when
 * their file exists, a placeholder otherwise. import.meta.glob resolves at
 * build time, so a missing file is simply an empty match, never a build error.
 */
const chat = import.meta.glob<{ ChatPanel: Panel }>('../chat/ChatPanel.tsx');
const editor = import.meta.glob<{ EditorPanel: Panel }>('../editor/EditorPanel.tsx');
const preview = import.meta.glob<{ PreviewPanel: Panel }>('../preview/PreviewPanel.tsx');

function optional<M>(modules: Record<string, () => Promise<M>>, pick: (m: M) => Panel | undefined): LazyExoticComponent<Panel> | undefined {
  const load = Object.values(modules)[0];
  if (!load) return undefined;
  return lazy(async () => {
    const component = pick(await load());
    if (!component) throw new Error('the panel module does not export its component');
    return { default: component };
  });
}

export const ChatPanel = optional(chat, (m) => m.ChatPanel);
export const EditorPanel = optional(editor, (m) => m.EditorPanel);
export const PreviewPanel = optional(preview, (m) => m.PreviewPanel);
