import type { PublishRequest, PublishState } from '@paddock/protocol';
import { Badge, type BadgeTone } from '../../components/Badge';

const WORDS: Record<PublishState, { text: string; tone: BadgeTone }> = {
  pending: { text: 'Pending review', tone: 'warning' },
  approved: { text: 'Approved', tone: 'success' },
  publishing: { text: 'Publishing', tone: 'info' },
  live: { text: 'Live', tone: 'success' },
  rejected: { text: 'Rejected', tone: 'danger' },
  failed: { text: 'Failed', tone: 'danger' },
};

/** A publish request's state in plain words, with a rejection's feedback or why it failed. */
export function PublishStateBadge({ request }: { request: Pick<PublishRequest, 'state' | 'feedback' | 'subdomain' | 'message'> }) {
  const { text, tone } = WORDS[request.state];
  const why = request.state === 'rejected' ? request.feedback : request.state === 'failed' ? request.message : null;
  return (
    <Badge tone={tone} title={why ?? undefined} data-testid="publish-state">
      {text}{why ? `: ${why}` : ''}
    </Badge>
  );
}
