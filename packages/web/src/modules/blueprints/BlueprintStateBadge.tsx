import type { Blueprint } from '@paddock/protocol';
import { Badge } from '../../components/Badge';

/** Disabled or archived, said beside its name (nothing for an enabled one in the catalog). */
export function BlueprintStateBadge({ blueprint }: { blueprint: Pick<Blueprint, 'enabled' | 'archivedAt'> }) {
  if (blueprint.archivedAt !== null) return <Badge tone="neutral" data-testid="bp-state">Archived</Badge>;
  if (!blueprint.enabled) return <Badge tone="warning" data-testid="bp-state">Disabled</Badge>;
  return null;
}
