import { describe, expect, it } from 'vitest';
import type { Topology } from '@paddock/protocol';
import { COLLAPSE_AT, NODE_HEIGHT, NODE_WIDTH, layoutTopology, type LaidOutNode } from './topologyLayout';

/** One agent, two blueprints, `count` workspaces (every third running) under the first, owned by 50 people. */
function bigTopology(count: number): Topology {
  const nodes: Topology['nodes'] = [
    { id: 'agent:a', kind: 'agent', ref: 'a', label: 'cluster-eu', state: 'connected' },
    { id: 'blueprint:b1', kind: 'blueprint', ref: 'b1', label: 'Data app' },
    { id: 'blueprint:b2', kind: 'blueprint', ref: 'b2', label: 'Empty' },
  ];
  const edges: Topology['edges'] = [{ from: 'agent:a', to: 'blueprint:b1' }];
  for (let u = 0; u < 50; u++) nodes.push({ id: `user:u${u}`, kind: 'user', ref: `u${u}`, label: `Person ${u}` });
  for (let i = 0; i < count; i++) {
    nodes.push({ id: `workspace:w${i}`, kind: 'workspace', ref: `w${i}`, label: `ws-${i}`, state: i % 3 === 0 ? 'running' : 'stopped' });
    edges.push({ from: 'blueprint:b1', to: `workspace:w${i}` }, { from: `workspace:w${i}`, to: `user:u${i % 50}` });
  }
  return { nodes, edges };
}

const overlap = (a: LaidOutNode, b: LaidOutNode) =>
  a.x < b.x + NODE_WIDTH && b.x < a.x + NODE_WIDTH && a.y < b.y + NODE_HEIGHT && b.y < a.y + NODE_HEIGHT;

function expectNoOverlap(nodes: LaidOutNode[]) {
  // Sorted by x then y, only near neighbours can overlap: checks 500+ nodes without n².
  const sorted = [...nodes].sort((a, b) => a.x - b.x || a.y - b.y);
  const overlapping: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length && sorted[j]!.x < sorted[i]!.x + NODE_WIDTH; j++) {
      if (overlap(sorted[i]!, sorted[j]!)) overlapping.push(`${sorted[i]!.id} and ${sorted[j]!.id}`);
    }
  }
  expect(overlapping).toEqual([]);
}

describe('the topology layout', () => {
  it('lays out 500 workspaces expanded, left to right, with no two nodes on top of each other, in about a second at most', () => {
    const started = performance.now();
    const graph = layoutTopology(bigTopology(500), { runningOnly: false, expanded: new Set(['blueprint:b1']) });
    const took = performance.now() - started;
    expect(graph.nodes.filter((n) => n.kind === 'workspace')).toHaveLength(500);
    expect(graph.nodes.filter((n) => n.kind === 'user')).toHaveLength(50);
    expect(graph.nodes.some((n) => n.kind === 'more')).toBe(false);
    expectNoOverlap(graph.nodes);
    const x = (id: string) => graph.nodes.find((n) => n.id === id)!.x;
    expect(x('agent:a')).toBeLessThan(x('blueprint:b1'));
    expect(x('blueprint:b1')).toBeLessThan(x('workspace:w0'));
    expect(x('workspace:w0')).toBeLessThan(x('user:u0'));
    // Measured ~0.4 s here; the bound leaves room for a busy CI machine.
    expect(took).toBeLessThan(2_000);
  });

  it('shows a long blueprint collapsed: its running workspaces first, the rest as one node that counts them', () => {
    const graph = layoutTopology(bigTopology(500), { runningOnly: false, expanded: new Set() });
    const shown = graph.nodes.filter((n) => n.kind === 'workspace');
    expect(shown).toHaveLength(COLLAPSE_AT);
    expect(shown.every((n) => n.state === 'running')).toBe(true);
    const more = graph.nodes.find((n) => n.kind === 'more')!;
    expect(more).toMatchObject({ id: 'more:blueprint:b1', ref: 'b1', hidden: { count: 500 - COLLAPSE_AT, running: 167 - COLLAPSE_AT } });
    expect(graph.edges).toContainEqual(expect.objectContaining({ from: 'blueprint:b1', to: 'more:blueprint:b1' }));
    // Owners only of what shows; the blueprint with no workspaces still shows.
    expect(graph.nodes.filter((n) => n.kind === 'user').length).toBeLessThanOrEqual(COLLAPSE_AT);
    expect(graph.nodes.some((n) => n.id === 'blueprint:b2')).toBe(true);
    expectNoOverlap(graph.nodes);
  });

  it('keeps only running workspaces and what leads to them when filtered', () => {
    const graph = layoutTopology(bigTopology(30), { runningOnly: true, expanded: new Set(['blueprint:b1']) });
    const shown = graph.nodes.filter((n) => n.kind === 'workspace');
    expect(shown).toHaveLength(10);
    expect(shown.every((n) => n.state === 'running')).toBe(true);
    expect(graph.nodes.some((n) => n.id === 'blueprint:b2')).toBe(false);
    expect(graph.nodes.some((n) => n.id === 'agent:a')).toBe(true);
    const ids = new Set(graph.nodes.map((n) => n.id));
    expect(graph.edges.every((e) => ids.has(e.from) && ids.has(e.to))).toBe(true);
  });

  it('shows a workspace no agent has taken yet under its blueprint, and an empty graph as nothing', () => {
    const graph = layoutTopology({
      nodes: [
        { id: 'blueprint:b', kind: 'blueprint', ref: 'b', label: 'Starter' },
        { id: 'workspace:w', kind: 'workspace', ref: 'w', label: 'waiting', state: 'pending' },
        { id: 'user:u', kind: 'user', ref: 'u', label: 'Ada' },
      ],
      edges: [{ from: 'blueprint:b', to: 'workspace:w' }, { from: 'workspace:w', to: 'user:u' }],
    }, { runningOnly: false, expanded: new Set() });
    expect(graph.nodes.map((n) => n.id).sort()).toEqual(['blueprint:b', 'user:u', 'workspace:w']);
    expect(layoutTopology({ nodes: [], edges: [] }, { runningOnly: false, expanded: new Set() })).toEqual({ nodes: [], edges: [] });
  });
});
