import { useMemo, useState, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { Background, Controls, Handle, MiniMap, Position, ReactFlow, type Node, type NodeProps } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { Bot, ChevronsDown, LayoutTemplate, Network, OctagonX, Square, User } from 'lucide-react';
import type { Topology, WorkspaceState } from '@paddock/protocol';
import { killSwitchQuery } from '../../api/governance';
import { topologyQuery } from '../../api/overview';
import { workspaceActionMutation } from '../../api/workspaces';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { EmptyState } from '../../components/EmptyState';
import { QueryView } from '../../components/QueryView';
import { Skeleton } from '../../components/Skeleton';
import { Switch } from '../../components/Switch';
import { cn } from '../../components/cn';
import { useCanManage } from '../../modules/auth/permissions';
import { KillSwitchDialog } from '../../modules/governance/KillSwitch';
import { WorkspaceStateBadge } from '../../modules/workspaces/WorkspaceStateBadge';
import { canStop } from '../../modules/workspaces/workspaceActions';
import { NODE_HEIGHT, NODE_WIDTH, layoutTopology, type LaidOutNode } from './topologyLayout';

/** What a node's buttons ask the view to do (the view holds the dialogs). */
interface NodeActions {
  canManage: boolean;
  killed: ReadonlySet<string>;
  stop: (node: LaidOutNode) => void;
  killSwitch: (node: LaidOutNode, engage: boolean) => void;
}
type EntityData = { node: LaidOutNode; actions: NodeActions };
type EntityNode = Node<EntityData, 'entity'>;

const kindIcon: Record<LaidOutNode['kind'], ReactNode> = {
  agent: <Bot className="size-4 shrink-0 text-zinc-500" aria-hidden />,
  blueprint: <LayoutTemplate className="size-4 shrink-0 text-zinc-500" aria-hidden />,
  workspace: null,
  user: <User className="size-4 shrink-0 text-zinc-500" aria-hidden />,
  more: <ChevronsDown className="size-4 shrink-0 text-zinc-500" aria-hidden />,
};
const kindWord: Record<LaidOutNode['kind'], string> = { agent: 'Runtime agent', blueprint: 'Blueprint', workspace: 'Workspace', user: 'Owner', more: 'Show all' };

/** A workspace node's edge takes its state's colour, as the badge does. */
const stateRing: Partial<Record<string, string>> = {
  running: 'border-emerald-300', failed: 'border-red-300', stopping: 'border-amber-300', pending: 'border-blue-300', starting: 'border-blue-300',
};

/** Buttons inside a node: they act, and the click goes no further (a node click opens it). */
function NodeButton({ label, onClick, danger, children }: { label: string; onClick: () => void; danger?: boolean; children: ReactNode }) {
  return (
    <button type="button" aria-label={label} title={label} onClick={(e) => { e.stopPropagation(); onClick(); }}
      className={cn('nodrag nopan flex size-6 shrink-0 items-center justify-center rounded hover:bg-zinc-100',
        danger ? 'text-red-500 hover:text-red-700' : 'text-zinc-500 hover:text-zinc-900')}>
      {children}
    </button>
  );
}

function EntityNodeView({ data }: NodeProps<EntityNode>) {
  const { node, actions } = data;
  const killed = node.kind === 'blueprint' && actions.killed.has(node.ref);
  return (
    <div data-testid={`topology-${node.kind}`} data-state={node.state} title={`${kindWord[node.kind]}: ${node.label}`}
      style={{ width: NODE_WIDTH, height: NODE_HEIGHT }}
      className={cn('flex cursor-pointer items-center gap-2 rounded-lg border bg-white px-2.5 shadow-xs hover:shadow-sm',
        node.kind === 'more' ? 'border-dashed border-zinc-300 bg-zinc-50' : (node.state && stateRing[node.state]) ?? 'border-zinc-200',
        killed && 'border-red-300 bg-red-50')}>
      <Handle type="target" position={Position.Left} className="!size-1.5 !border-0 !bg-zinc-300" isConnectable={false} />
      {kindIcon[node.kind]}
      <div className="min-w-0 flex-1">
        <p className="truncate text-sm font-medium text-zinc-900">{node.label}</p>
        {node.kind === 'workspace' && node.state && <WorkspaceStateBadge state={node.state as WorkspaceState} className="mt-0.5 !py-0 text-[11px]" />}
        {node.kind === 'agent' && <p className={cn('text-xs', node.state === 'connected' ? 'text-emerald-700' : 'text-zinc-500')}>{node.state === 'connected' ? 'Connected' : 'Not connected'}</p>}
        {node.kind === 'blueprint' && killed && <p className="text-xs font-medium text-red-700">Kill switch engaged</p>}
        {node.kind === 'more' && node.hidden && <p className="text-xs text-zinc-500">{node.hidden.running} running · click to show</p>}
      </div>
      {actions.canManage && node.kind === 'workspace' && node.state && canStop(node.state as WorkspaceState) && (
        <NodeButton label={`Stop ${node.label}`} danger onClick={() => actions.stop(node)}><Square className="size-3.5" aria-hidden /></NodeButton>
      )}
      {actions.canManage && node.kind === 'blueprint' && (
        <NodeButton label={killed ? `Release the kill switch for ${node.label}` : `Engage the kill switch for ${node.label}`} danger
          onClick={() => actions.killSwitch(node, !killed)}>
          <OctagonX className="size-3.5" aria-hidden />
        </NodeButton>
      )}
      <Handle type="source" position={Position.Right} className="!size-1.5 !border-0 !bg-zinc-300" isConnectable={false} />
    </div>
  );
}

const nodeTypes = { entity: EntityNodeView };
/** A small graph fits the view whole; a minimap helps only once it doesn't. */
const MINIMAP_FROM = 30;

const minimapColour = (n: Node) => {
  const node = (n.data as EntityData).node;
  if (node.kind !== 'workspace') return '#d4d4d8';
  return node.state === 'running' ? '#10b981' : node.state === 'failed' ? '#ef4444' : '#a1a1aa';
};

function TopologyGraph({ topology, runningOnly }: { topology: Topology; runningOnly: boolean }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const canManage = useCanManage();
  const killSwitch = useQuery(killSwitchQuery());
  const stop = useMutation(workspaceActionMutation(queryClient));
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [stopping, setStopping] = useState<LaidOutNode | null>(null);
  const [switching, setSwitching] = useState<{ node: LaidOutNode; engage: boolean } | null>(null);

  const killed = useMemo(() => new Set(Object.entries(killSwitch.data?.blueprints ?? {}).filter(([, s]) => s.engaged).map(([id]) => id)), [killSwitch.data]);
  const graph = useMemo(() => layoutTopology(topology, { runningOnly, expanded }), [topology, runningOnly, expanded]);
  const actions: NodeActions = useMemo(() => ({
    canManage, killed,
    stop: (node) => { stop.reset(); setStopping(node); },
    killSwitch: (node, engage) => setSwitching({ node, engage }),
  }), [canManage, killed, stop]);
  const nodes: EntityNode[] = useMemo(() => graph.nodes.map((n) => ({
    // Sized up front: the minimap and fitView need no measuring pass, and nodes off screen are never rendered.
    id: n.id, type: 'entity', position: { x: n.x, y: n.y }, width: NODE_WIDTH, height: NODE_HEIGHT, data: { node: n, actions }, draggable: false, connectable: false,
    ariaLabel: `${kindWord[n.kind]}: ${n.label}`,
  })), [graph, actions]);
  const edges = useMemo(() => graph.edges.map((e) => ({ id: e.id, source: e.from, target: e.to, style: { stroke: '#d4d4d8' } })), [graph]);

  const open = (node: LaidOutNode) => {
    if (node.kind === 'workspace') void navigate({ to: '/workspaces/$workspaceId', params: { workspaceId: node.ref } });
    else if (node.kind === 'blueprint') void navigate({ to: '/admin/blueprints/$blueprintId', params: { blueprintId: node.ref } });
    else if (node.kind === 'user') void navigate({ to: '/admin/members' });
    else if (node.kind === 'agent') void navigate({ to: '/admin/agents' });
    else setExpanded((s) => new Set([...s, `blueprint:${node.ref}`]));
  };

  if (graph.nodes.length === 0) {
    return <EmptyState icon={<Network className="size-5" />} title={runningOnly ? 'Nothing is running' : 'Nothing to show yet'}
      description={runningOnly ? 'No workspace is running right now.' : 'Blueprints, workspaces and runtime agents appear here as they are added.'} className="m-4" />;
  }
  return (
    <div className="h-[560px]" data-testid="topology-graph">
      <ReactFlow nodes={nodes} edges={edges} nodeTypes={nodeTypes} fitView fitViewOptions={{ maxZoom: 1 }} minZoom={0.05} maxZoom={2} onlyRenderVisibleElements
        nodesDraggable={false} nodesConnectable={false} elementsSelectable={false} proOptions={{ hideAttribution: true }}
        onNodeClick={(_, n) => open((n.data as EntityData).node)}>
        <Background gap={24} color="#e4e4e7" />
        <Controls showInteractive={false} />
        {nodes.length > MINIMAP_FROM && <MiniMap pannable zoomable nodeColor={minimapColour} ariaLabel="Overview of the whole graph" />}
      </ReactFlow>
      <ConfirmDialog open={stopping !== null} title={`Stop ${stopping?.label ?? ''}?`}
        description="Its files stay; its owner can start it again. Anyone using it is disconnected."
        confirmLabel="Stop workspace" destructive loading={stop.isPending} error={stop.error}
        onClose={() => setStopping(null)}
        onConfirm={() => stopping && stop.mutate({ workspaceId: stopping.ref, action: 'stop' }, { onSuccess: () => setStopping(null) })} />
      {switching && (
        <KillSwitchDialog target={{ scope: 'blueprint', blueprint: { id: switching.node.ref, name: switching.node.label } }} engage={switching.engage}
          onClose={() => setSwitching(null)} />
      )}
    </div>
  );
}

/** Agents → blueprints → workspaces → owners, laid out left to right; a node click opens what it shows. */
export function TopologyView() {
  const topology = useQuery(topologyQuery());
  const [runningOnly, setRunningOnly] = useState(false);
  return (
    <div>
      <div className="flex flex-wrap items-center justify-between gap-3 border-b border-zinc-200 px-4 py-2.5">
        <p className="text-sm text-zinc-500">Runtime agents → blueprints → workspaces → owners. Click a node to open it.</p>
        <Switch checked={runningOnly} onChange={setRunningOnly} label="Running only" />
      </div>
      <QueryView query={topology} loading={<Skeleton className="m-4 h-[520px]" />} errorTitle="Could not load the topology" errorClassName="m-4"
        isEmpty={() => false}>
        {(data) => <TopologyGraph topology={data} runningOnly={runningOnly} />}
      </QueryView>
    </div>
  );
}
