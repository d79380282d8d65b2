import type { ReactNode } from 'react';
import { Link } from '@tanstack/react-router';
import { CircleCheck, LinkIcon } from 'lucide-react';
import { Skeleton } from '../../components/Skeleton';
import { formatDateTime } from '../../components/formatTime';

/**
 * The parts the one-time link pages share (an invite, a password reset): the token
 * from the fragment, the card saying the link is spent or done, the card while the
 * link is checked, and the header naming whose link it is.
 */

/** The token travels in the fragment, so it never reaches server logs or Referer headers. */
export function tokenFromLocation(): string {
  return decodeURIComponent(window.location.hash.replace(/^#/, '')).trim();
}

const outcomes = {
  broken: { role: 'alert', Icon: LinkIcon, circle: 'bg-red-50 text-red-600' },
  done: { role: 'status', Icon: CircleCheck, circle: 'bg-emerald-50 text-emerald-600' },
} as const;

/** A link that can't be used (broken), or one whose work is done: what happened, and the way to sign in. */
export function LinkOutcome({ kind, title, testId, children }: { kind: keyof typeof outcomes; title: string; testId: string; children: ReactNode }) {
  const { role, Icon, circle } = outcomes[kind];
  return (
    <div className="rounded-xl border border-zinc-200 bg-white p-6 text-center shadow-sm" role={role} data-testid={testId}>
      <div className={`mx-auto mb-4 flex size-11 items-center justify-center rounded-full ${circle}`}>
        <Icon className="size-5" aria-hidden />
      </div>
      <h1 className="text-base font-semibold text-zinc-900">{title}</h1>
      <p className="mt-1 text-sm text-zinc-500">{children}</p>
      <Link to="/login" className="mt-6 inline-block text-sm font-medium text-accent-text underline underline-offset-4">
        Go to sign in
      </Link>
    </div>
  );
}

/** The form's shape while the link is checked: a heading, `lines` lines under it, `fields` fields. */
export function LinkChecking({ label, lines, fields }: { label: string; lines: number; fields: number }) {
  return (
    <div className="space-y-4 rounded-xl border border-zinc-200 bg-white p-6 shadow-sm" aria-busy="true" aria-label={label}>
      <Skeleton className="mx-auto h-5 w-3/4" />
      {Array.from({ length: lines }, (_, i) => <Skeleton key={`l${i}`} className="mx-auto h-4 w-1/2" />)}
      {Array.from({ length: fields }, (_, i) => <Skeleton key={`f${i}`} className={`${i === 0 ? 'mt-6 ' : ''}h-9 w-full`} />)}
    </div>
  );
}

/** Over the form: what the link is for, whose address it is for, and until when. */
export function LinkHeader({ title, email, emailTestId, noun, expiresAt, children }: {
  title: ReactNode; email: string; emailTestId: string; noun: 'invite' | 'link'; expiresAt: string; children?: ReactNode;
}) {
  return (
    <div className="mb-6 text-center">
      <h1 className="text-xl font-semibold tracking-tight text-zinc-900">{title}</h1>
      {children}
      <p className="mt-1 text-sm text-zinc-500">
        <span className="font-medium text-zinc-700" data-testid={emailTestId}>{email}</span>
        <span className="block text-xs">The {noun} expires {formatDateTime(expiresAt)}.</span>
      </p>
    </div>
  );
}
