import type { Role } from '@paddock/protocol';
import { Badge, type BadgeTone } from '../../components/Badge';

export const ROLES: ReadonlyArray<{ value: Role; label: string; description: string }> = [
  { value: 'builder', label: 'Builder', description: 'Uses the catalog and their own workspaces.' },
  { value: 'auditor', label: 'Auditor', description: 'Reads everything admins see, except secrets; changes nothing.' },
  { value: 'admin', label: 'Admin', description: 'Everything, including members, blueprints and settings.' },
];

const tones: Record<Role, BadgeTone> = { admin: 'info', auditor: 'warning', builder: 'neutral' };

export function roleLabel(role: string): string {
  return ROLES.find((r) => r.value === role)?.label ?? role;
}

export function RoleBadge({ role }: { role: string }) {
  return <Badge tone={tones[role as Role] ?? 'neutral'}>{roleLabel(role)}</Badge>;
}
