import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('.', import.meta.url));
const protocolSrc = fileURLToPath(new URL('../../protocol/src/', import.meta.url));

function files(dir: string, ending: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? files(path, ending) : ending.test(e.name) && !e.name.includes('.test.') ? [path] : [];
  });
}

/** Where a query is shown some other way, and why. */
const notALadder: Record<string, string> = {
  'modules/editor/FileTree.tsx': 'a folder loads into its own rows of the tree: "Loading…" and the error are rows, not a page',
  'modules/workspaceTabs/WorkspaceLayout.tsx': 'a blueprint that can\'t be read gives the standard tabs: there is no error to show',
  'modules/governance/PolicyEditor.tsx': 'a simulation is a POST the admin runs (a mutation, idle until asked), shown under the form; QueryView is for reads',
  'modules/workspaces/WorkspaceTitle.tsx': 'the rename is a PATCH (a mutation): a spinner replaces its Save and Cancel while it saves; it reads nothing',
};

describe('the web app', () => {
  it('shows what it loads through QueryView: no page or panel writes its own loading → error → empty ladder', () => {
    const ladders = [...files(join(src, 'pages'), /\.tsx$/), ...files(join(src, 'modules'), /\.tsx$/)]
      .map((f) => relative(src, f))
      .filter((f) => !(f in notALadder))
      .filter((f) => /\{\s*\w+\.isPending \?|if \(\w+\.isPending\)/.test(readFileSync(join(src, f), 'utf8')));
    expect(ladders).toEqual([]);
  });

  it('takes the API\'s types from the protocol instead of declaring its own copies', () => {
    const exported = new Set(files(protocolSrc, /\.ts$/).flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/^export (?:type|interface) (\w+)/gm)].map((m) => m[1]!)));
    const copies = files(join(src, 'api'), /\.ts$/).flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/^export (?:type|interface) (\w+)/gm)].map((m) => m[1]!)
        .filter((name) => exported.has(name)).map((name) => `${relative(src, f)}: ${name}`));
    expect(exported.size).toBeGreaterThan(30);
    expect(copies).toEqual([]);
  });
});
