import { describe, expect, it } from 'vitest';
import { blueprintWorkspaceConfigSchema } from '@paddock/protocol';
import { terminalSessionFor } from './terminalSessions.js';

const config = (input: object) => blueprintWorkspaceConfigSchema.parse(input);

describe('which terminal sessions a blueprint permits, and what each runs', () => {
  it('with a visible shell tab: shells under any free name, claude and command tabs as defined', () => {
    const c = config({
      tabs: [
        { id: 'claude', kind: 'claude', title: 'Claude Code' },
        { id: 'dev', kind: 'command', title: 'Dev', command: 'npm run dev' },
        { id: 'shell', kind: 'shell', title: 'Shell' },
      ],
    });
    expect(terminalSessionFor(c, 'main')).toEqual({ run: 'shell' });
    expect(terminalSessionFor(c, 'build')).toEqual({ run: 'shell' });
    expect(terminalSessionFor(c, 'claude')).toEqual({ run: 'command', command: 'claude', service: false });
    expect(terminalSessionFor(c, 'cmd-dev')).toEqual({ run: 'command', command: 'npm run dev', service: true });
    // The names of other tab kinds are never a shell.
    expect(terminalSessionFor(c, 'cmd-other')).toEqual({ refused: 'this workspace\'s blueprint has no tab that runs "cmd-other"' });
  });

  it('the layout lock hides the shell tab, and with it every shell', () => {
    const c = config({ tabs: [{ id: 'shell', kind: 'shell', title: 'Shell' }, { id: 'claude', kind: 'claude', title: 'Claude Code' }], defaultTab: 'claude', layoutLocked: true });
    for (const name of ['main', 'build']) expect(terminalSessionFor(c, name)).toEqual({ refused: "this workspace's blueprint has no shell" });
    expect(terminalSessionFor(c, 'claude')).toEqual({ run: 'command', command: 'claude', service: false });
  });

  it('without a Claude Code tab there is no claude session', () => {
    const c = config({ tabs: [{ id: 'shell', kind: 'shell', title: 'Shell' }] });
    expect(terminalSessionFor(c, 'claude')).toEqual({ refused: 'this workspace\'s blueprint has no tab that runs "claude"' });
  });
});
