import { Graph, layout } from '@dagrejs/dagre';
import type { Topology, TopologyNode, TopologyNodeKind } from '@paddock/protocol';

/** A blueprint shows this many of its workspaces until it is expanded; the rest are one "N more" node. */
export const COLLAPSE_AT = 20;
export const NODE_WIDTH = 210;
export const NODE_HEIGHT = 46;
const RANK_GAP = 90;
const ROW_GAP = 14;

export interface LaidOutNode {
  id: string;
  /** `more`: the workspaces of one blueprint left out until it is expanded. */
  kind: TopologyNodeKind | 'more';
  ref: string;
  label: string;
  state?: string;
  /** For `more`: how many are left out, and how many of them run. */
  hidden?: { count: number; running: number };
  /** Top-left corner, as @xyflow/react places nodes. */
  x: number;
  y: number;
}

export interface LaidOutGraph {
  nodes: LaidOutNode[];
  edges: Array<{ id: string; from: string; to: string }>;
}

/** Running first, then by name: what an admin looks for first in a long list. */
const byInterest = (a: TopologyNode, b: TopologyNode) =>
  Number(b.state === 'running') - Number(a.state === 'running') || a.label.localeCompare(b.label);

/**
 * What the topology view draws, and where: left to right, agents → blueprints →
 * workspaces → owners. `runningOnly` keeps running workspaces and what leads to them;
 * a blueprint with more than COLLAPSE_AT workspaces shows that many and one "more"
 * node, unless it is in `expanded` (by its node id). Pure, so it is tested at scale.
 */
export function layoutTopology(topology: Topology, options: { runningOnly: boolean; expanded: ReadonlySet<string> }): LaidOutGraph {
  const byId = new Map(topology.nodes.map((n) => [n.id, n]));
  const isWorkspace = (id: string) => byId.get(id)?.kind === 'workspace';
  const shownWorkspace = (n: TopologyNode | undefined) => !!n && n.kind === 'workspace' && (!options.runningOnly || n.state === 'running');

  // Each blueprint's workspaces, and which of them show.
  const workspacesOf = new Map<string, TopologyNode[]>();
  for (const e of topology.edges) {
    const from = byId.get(e.from);
    const to = byId.get(e.to);
    if (from?.kind === 'blueprint' && shownWorkspace(to)) workspacesOf.set(from.id, [...(workspacesOf.get(from.id) ?? []), to!]);
  }
  const keep = new Set<string>();
  const more: LaidOutNode[] = [];
  const edges: LaidOutGraph['edges'] = [];
  for (const [blueprint, list] of workspacesOf) {
    const sorted = [...list].sort(byInterest);
    const cut = options.expanded.has(blueprint) ? sorted.length : COLLAPSE_AT;
    for (const w of sorted.slice(0, cut)) keep.add(w.id);
    const rest = sorted.slice(cut);
    if (rest.length > 0) {
      const id = `more:${blueprint}`;
      more.push({ id, kind: 'more', ref: byId.get(blueprint)!.ref, label: `${rest.length} more workspaces`, hidden: { count: rest.length, running: rest.filter((w) => w.state === 'running').length }, x: 0, y: 0 });
      edges.push({ id: `${blueprint}->${id}`, from: blueprint, to: id });
    }
  }
  // Workspaces under no blueprint the graph knows still show.
  for (const n of topology.nodes) if (shownWorkspace(n) && !topology.edges.some((e) => e.to === n.id && byId.get(e.from)?.kind === 'blueprint')) keep.add(n.id);

  // Owners of the workspaces shown; blueprints with a workspace shown (all of them when not filtered); agents leading to those.
  for (const e of topology.edges) if (keep.has(e.from) && isWorkspace(e.from)) keep.add(e.to);
  for (const n of topology.nodes) if (n.kind === 'blueprint' && (!options.runningOnly || workspacesOf.has(n.id))) keep.add(n.id);
  for (const e of topology.edges) if (byId.get(e.from)?.kind === 'agent' && keep.has(e.to)) keep.add(e.from);
  if (!options.runningOnly) for (const n of topology.nodes) if (n.kind === 'agent') keep.add(n.id);
  for (const e of topology.edges) if (keep.has(e.from) && keep.has(e.to)) edges.push({ id: `${e.from}->${e.to}`, from: e.from, to: e.to });

  const nodes: LaidOutNode[] = [
    ...topology.nodes.filter((n) => keep.has(n.id)).map((n) => ({ id: n.id, kind: n.kind, ref: n.ref, label: n.label, ...(n.state ? { state: n.state } : {}), x: 0, y: 0 })),
    ...more,
  ];
  // dagre orders the tree (agents → blueprints → workspaces); owners, shared by many
  // workspaces, would make it untangle every crossing (seconds at 500), so they get a
  // column of their own, each beside the middle of its workspaces.
  const g = new Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: RANK_GAP, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  const owners = nodes.filter((n) => n.kind === 'user');
  const tree = nodes.filter((n) => n.kind !== 'user');
  for (const n of tree) g.setNode(n.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const e of edges) if (g.hasNode(e.from) && g.hasNode(e.to)) g.setEdge(e.from, e.to);
  layout(g);
  for (const n of tree) {
    const p = g.node(n.id);
    n.x = p.x - NODE_WIDTH / 2;
    n.y = p.y - NODE_HEIGHT / 2;
  }
  placeOwners(owners, tree, edges);
  return { nodes, edges };
}

/** Owners in one column right of the workspaces, each at the middle of its own, none on another. */
function placeOwners(owners: LaidOutNode[], tree: LaidOutNode[], edges: LaidOutGraph['edges']): void {
  if (owners.length === 0) return;
  const at = new Map(tree.map((n) => [n.id, n]));
  const column = Math.max(...tree.filter((n) => n.kind === 'workspace').map((n) => n.x), 0) + NODE_WIDTH + RANK_GAP;
  const wanted = new Map<string, number[]>();
  for (const e of edges) {
    const w = at.get(e.from);
    if (w?.kind === 'workspace') wanted.set(e.to, [...(wanted.get(e.to) ?? []), w.y]);
  }
  const mid = (id: string) => { const ys = wanted.get(id) ?? [0]; return ys.reduce((a, b) => a + b, 0) / ys.length; };
  let next = -Infinity;
  for (const o of [...owners].sort((a, b) => mid(a.id) - mid(b.id))) {
    o.x = column;
    o.y = Math.max(mid(o.id), next);
    next = o.y + NODE_HEIGHT + ROW_GAP;
  }
}
