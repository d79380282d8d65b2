import type { AppState, PublishedApp } from '@paddock/protocol';
import { Badge, type BadgeTone } from '../../components/Badge';

const WORDS: Record<AppState, { text: string; tone: BadgeTone }> = {
  publishing: { text: 'Publishing', tone: 'info' },
  live: { text: 'Live', tone: 'success' },
  failed: { text: "Didn't start", tone: 'danger' },
  unpublished: { text: 'Unpublished', tone: 'neutral' },
};

/** A published app's state in plain words; why it failed (or why it was taken down) on hover. */
export function AppStateBadge({ app }: { app: Pick<PublishedApp, 'state' | 'message'> }) {
  const { text, tone } = WORDS[app.state];
  return <Badge tone={tone} title={app.message || undefined} data-testid="app-state">{text}</Badge>;
}
