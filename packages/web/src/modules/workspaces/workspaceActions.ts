import type { WorkspaceState } from '@paddock/protocol';

export function canStart(state: WorkspaceState): boolean {
  return state === 'stopped' || state === 'failed';
}

export function canStop(state: WorkspaceState): boolean {
  return state === 'pending' || state === 'starting' || state === 'running';
}

export function canDelete(state: WorkspaceState): boolean {
  return state !== 'deleted';
}
