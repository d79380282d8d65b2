import type { Topology, TopologyNode, TopologyNodeKind } from '@paddock/protocol';
import type { PortalServices } from '../services.js';

const nodeId = (kind: TopologyNodeKind, ref: string) => `${kind}:${ref}`;

/**
 * The topology: runtime agents → blueprints → workspaces → owners. A blueprint whose
 * workspaces run on several agents hangs under each of them; a workspace not placed on
 * an agent yet hangs under its blueprint alone. Labels are names: an agent's, a
 * blueprint's, a workspace's, its owner's (their email when they have no name).
 */
export async function topology(services: Pick<PortalServices, 'db' | 'hub'>): Promise<Topology> {
  const { db, hub } = services;
  const [agents, blueprints, workspaces] = await Promise.all([
    db.selectFrom('agents').select(['id', 'name']).orderBy('created_at').execute(),
    db.selectFrom('blueprints').select(['id', 'name']).orderBy('name').execute(),
    db.selectFrom('workspaces').innerJoin('users', 'users.id', 'workspaces.owner_id')
      .select(['workspaces.id', 'workspaces.display_name', 'workspaces.state', 'workspaces.blueprint_id', 'workspaces.agent_id', 'workspaces.owner_id', 'users.name as owner_name', 'users.email as owner_email'])
      .where('workspaces.state', '!=', 'deleted').orderBy('workspaces.created_at').execute(),
  ]);
  const nodes: TopologyNode[] = [];
  const edges = new Map<string, { from: string; to: string }>();
  const edge = (from: string, to: string) => edges.set(`${from}\n${to}`, { from, to });
  const knownAgents = new Set(agents.map((a) => a.id));
  const knownBlueprints = new Set(blueprints.map((b) => b.id));

  for (const a of agents) nodes.push({ id: nodeId('agent', a.id), kind: 'agent', ref: a.id, label: a.name, state: hub.isConnected(a.id) ? 'connected' : 'disconnected' });
  for (const b of blueprints) nodes.push({ id: nodeId('blueprint', b.id), kind: 'blueprint', ref: b.id, label: b.name });
  const owners = new Set<string>();
  for (const w of workspaces) {
    const ws = nodeId('workspace', w.id);
    nodes.push({ id: ws, kind: 'workspace', ref: w.id, label: w.display_name, state: w.state });
    if (knownBlueprints.has(w.blueprint_id)) edge(nodeId('blueprint', w.blueprint_id), ws);
    if (w.agent_id && knownAgents.has(w.agent_id) && knownBlueprints.has(w.blueprint_id)) edge(nodeId('agent', w.agent_id), nodeId('blueprint', w.blueprint_id));
    if (!owners.has(w.owner_id)) {
      owners.add(w.owner_id);
      nodes.push({ id: nodeId('user', w.owner_id), kind: 'user', ref: w.owner_id, label: w.owner_name.trim() || w.owner_email });
    }
    edge(ws, nodeId('user', w.owner_id));
  }
  return { nodes, edges: [...edges.values()] };
}
