import { visibleTabs, type BlueprintWorkspaceConfig } from '@paddock/protocol';
import { workspaceSessions } from './workspaceSetup.js';

/** What a terminal session of the workspace runs, as the portal tells the daemon (a browser never chooses). */
export type TerminalSessionSpec =
  | { run: 'shell' }
  /** `service`: a command tab's (a dev server), kept running with no browser attached. */
  | { run: 'command'; command: string; service: boolean };

export type TerminalSessionDecision = TerminalSessionSpec | { refused: string };

/** Names the other tab kinds use (tabSessionName): never a shell, whatever the tabs. */
const isTabCommandName = (name: string) => name === 'claude' || name.startsWith('cmd-');

/**
 * Which terminal sessions a blueprint's tabs permit, and what each runs. The layout
 * lock hides the shell (visibleTabs), and a hidden tab is no tab: without a visible
 * shell tab there is no shell under any name, and a command or Claude Code tab's
 * session runs exactly its command — again after it exits, never a shell instead.
 * Where a shell tab is visible the builder has a shell anyway, so any other name
 * opens another one (the daemon caps how many, and ends those left detached).
 */
export function terminalSessionFor(config: BlueprintWorkspaceConfig, name: string): TerminalSessionDecision {
  const tabs = visibleTabs(config);
  const defined = workspaceSessions({ tabs }).find((s) => s.name === name);
  if (defined) return { run: 'command', command: defined.command, service: defined.start };
  if (isTabCommandName(name)) return { refused: `this workspace's blueprint has no tab that runs "${name}"` };
  if (tabs.some((t) => t.kind === 'shell')) return { run: 'shell' };
  return { refused: "this workspace's blueprint has no shell" };
}

/** The decision for a workspace's blueprint as it is now (a changed blueprint applies to the next session). */
export function terminalSessionOf(config: BlueprintWorkspaceConfig | null, name: string): TerminalSessionDecision {
  if (!config) return { refused: "this workspace's blueprint no longer exists" };
  return terminalSessionFor(config, name);
}
