const NAMES: Record<string, string> = { 'secret-scan': 'Secret scan', 'dependency-changes': 'Dependency changes', 'preview-activity': 'What the app touched in preview' };

/** A check's name as a person reads it. */
export function checkName(name: string): string {
  return NAMES[name] ?? name;
}

type Finding = Record<string, string | number | boolean>;

/** One finding in a line: masked secrets with file and line, dependency changes, what the preview touched. */
export function findingText(f: Finding): string {
  if ('kind' in f) return activityText(f);
  if ('file' in f && 'line' in f) return `${String(f.file)}:${String(f.line)} ${String(f.rule)} ${String(f.match)}`;
  if ('file' in f) return `${String(f.file)}: ${String(f.reason ?? f.rule)}`;
  if ('package' in f) return `${String(f.lockfile)}: ${String(f.package)} ${String(f.change)}${'from' in f ? ` ${String(f.from)}` : ''}${'to' in f ? ` → ${String(f.to)}` : ''}`;
  return Object.entries(f).map(([k, v]) => `${k}=${String(v)}`).join(' ');
}

const count = (n: unknown, one: string, many = `${one}s`) => `${String(n)} ${n === 1 ? one : many}`;

/** The preview-activity check's findings (portal publish/previewActivityCheck.ts), in plain words: names and hosts only. */
function activityText(f: Finding): string {
  switch (f.kind) {
    case 'credential': return `Read credential ${String(f.name)} (named in ${count(f.commands, 'command')})`;
    case 'environment': return `Printed the whole environment, every credential with it (${count(f.commands, 'command')})`;
    case 'credential-sent': return `Sent a credential's value to ${String(f.to)} (${count(f.requests, 'time')})`;
    case 'domain': {
      const parts = [count(f.requests, 'request')];
      if (f.byRule === true) parts.push('allowed by a policy rule');
      if (Number(f.denied) > 0) parts.push(`${String(f.denied)} denied`);
      if (Number(f.held) > 0) parts.push(`${String(f.held)} held for an admin`);
      if (Number(f.monitored) > 0) parts.push(`${String(f.monitored)} let through by monitor mode`);
      const verb = f.denied === f.requests ? 'Tried to reach' : 'Reached';
      return `${verb} ${String(f.domain)} (${parts.join(', ')})`;
    }
    case 'more-domains': return `…and ${count(f.domains, 'more domain')} (${count(f.requests, 'request')})`;
    case 'governance-off': return String(f.message);
    default: return Object.entries(f).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  }
}
