import { describe, expect, it } from 'vitest';
import { workspaceDisplayNameSchema } from '@paddock/protocol';
import { displayNameFromPrompt, generateWorkspaceName } from './workspaceName';

describe('a workspace display name from the home prompt', () => {
  it('takes the first words, without the lead-in every prompt has', () => {
    expect(displayNameFromPrompt('Build a page that says Hello Finance')).toBe('Page that says Hello Finance');
    expect(displayNameFromPrompt('please build me an expense tracker for the sales team with charts and a monthly export')).toBe('Expense tracker for the sales team');
    expect(displayNameFromPrompt('I want a dashboard of our quarterly numbers. It should show revenue by region.')).toBe('Dashboard of our quarterly numbers');
    expect(displayNameFromPrompt('todo list')).toBe('Todo list');
  });

  it('keeps any script and emoji, and cuts at a word, never inside one', () => {
    expect(displayNameFromPrompt('Créer un tableau de bord des ventes — été 2026')).toBe('Créer un tableau de bord des');
    expect(displayNameFromPrompt('売上ダッシュボードを作って')).toBe('売上ダッシュボードを作って');
    expect(displayNameFromPrompt('make a 📈 tracker')).toBe('📈 tracker');
    const long = displayNameFromPrompt('Build a supercalifragilisticexpialidocious internationalization administration dashboard');
    expect([...long].length).toBeLessThanOrEqual(40);
    expect(long).toBe('Supercalifragilisticexpialidocious');
  });

  it('a single word longer than the limit is cut and says so; nothing at all is "New app"', () => {
    const url = displayNameFromPrompt(`https://example.com/${'a'.repeat(80)}`);
    expect([...url].length).toBe(40);
    expect(url.endsWith('…')).toBe(true);
    expect(displayNameFromPrompt('   ')).toBe('New app');
    expect(displayNameFromPrompt('build me a')).toBe('Build me a');
  });

  it('drops line breaks, tabs and bidi controls, so what it makes is always a valid display name', () => {
    const prompts = ['line one\nline two', 'tab\there', 'evil\u202Etxt.exe', '\u0007bell', 'Build a page that says Hello Finance', '😀'.repeat(60), 'x'.repeat(200), 'a, b, c, d, e, f, g'];
    for (const prompt of prompts) {
      const name = displayNameFromPrompt(prompt);
      expect(workspaceDisplayNameSchema.safeParse(name).success, `${JSON.stringify(prompt)} gave ${JSON.stringify(name)}`).toBe(true);
      expect(name).toBe(name.trim());
    }
    expect(displayNameFromPrompt('line one\nline two')).toBe('Line one line two');
  });

  it('the internal name made from it is still a slug', () => {
    expect(generateWorkspaceName(displayNameFromPrompt('Build a page that says Hello Finance'))).toMatch(/^page-that-says-hello-finance-[a-z0-9]{4}$/);
    expect(generateWorkspaceName('売上')).toMatch(/^workspace-[a-z0-9]{4}$/);
  });
});
