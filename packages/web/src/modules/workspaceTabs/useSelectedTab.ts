import { useCallback, useState } from 'react';

const storageKey = (workspaceId: string) => `paddock.workspace-tab.${workspaceId}`;

function readStored(workspaceId: string): string | null {
  try {
    return window.localStorage.getItem(storageKey(workspaceId));
  } catch {
    return null;
  }
}

/** Opens this tab when the workspace's page opens next (the home prompt box opens the AI chat). */
export function rememberTab(workspaceId: string, tabId: string): void {
  try {
    window.localStorage.setItem(storageKey(workspaceId), tabId);
  } catch {
    // Storage off: the blueprint's default tab shows.
  }
}

/**
 * The selected tab, surviving reloads: the URL's ?tab= wins (a link to a tab),
 * then what this browser last chose for the workspace, then the blueprint's
 * default. A choice no longer among the tabs falls back to the default.
 */
export function useSelectedTab(workspaceId: string, tabIds: string[], defaultTab: string): [string, (id: string) => void] {
  const fallback = tabIds.includes(defaultTab) ? defaultTab : (tabIds[0] ?? defaultTab);
  const [chosen, setChosen] = useState<string | null>(() => new URLSearchParams(window.location.search).get('tab') ?? readStored(workspaceId));
  const selected = chosen && tabIds.includes(chosen) ? chosen : fallback;
  const select = useCallback((id: string) => {
    setChosen(id);
    try {
      window.localStorage.setItem(storageKey(workspaceId), id);
    } catch {
      // Storage off (private mode): the URL still carries it.
    }
    const url = new URL(window.location.href);
    url.searchParams.set('tab', id);
    window.history.replaceState(window.history.state, '', url);
  }, [workspaceId]);
  return [selected, select];
}
