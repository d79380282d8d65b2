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

/** A publish request's state in plain words; a rejection's feedback on hover. */
export function PublishStateBadge({ request }: { request: Pick<PublishRequest, 'state' | 'feedback' | 'subdomain'> }) {
  const { text, tone } = WORDS[request.state];
  return (
    <Badge tone={tone} title={request.feedback ?? undefined} data-testid="publish-state">
      {text}{request.state === 'rejected' && request.feedback ? `: ${request.feedback}` : ''}
    </Badge>
  );
}
