import { useQuery } from '@tanstack/react-query';
import { blueprintQuery } from '../../api/blueprints';
import { workspaceQuery } from '../../api/workspaces';

/**
 * The ideas an empty chat offers: its blueprint's suggested prompts, as its admin
 * wrote them (none while they load, or when the blueprint has none or is gone).
 */
export function useSuggestedPrompts(workspaceId: string): string[] {
  const workspace = useQuery(workspaceQuery(workspaceId));
  const blueprintId = workspace.data?.blueprintId;
  const blueprint = useQuery({ ...blueprintQuery(blueprintId ?? ''), enabled: blueprintId !== undefined });
  return blueprint.data?.suggestedPrompts ?? [];
}
