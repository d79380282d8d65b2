import { useState, type FormEvent, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { KeyRound, Monitor, Plus } from 'lucide-react';
import type { ApiToken, SessionInfo } from '@paddock/protocol';
import {
  changePasswordMutation,
  createTokenMutation,
  revokeSessionMutation,
  revokeTokenMutation,
  sessionsQuery,
  tokensQuery,
} from '../../api/account';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useConfirmDialog } from '../../components/useConfirmDialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field, inputClass } from '../../components/Field';
import { Notice } from '../../components/Notice';
import { OneTimeSecret } from '../../components/OneTimeSecret';
import { PageContainer } from '../../components/PageContainer';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { Section } from '../../components/Section';
import { TBody, THead, Table, TableEmpty, TableSkeleton, Td, Th } from '../../components/Table';
import { formatDateTime, timeAgo } from '../../components/formatTime';
import { RoleBadge } from '../../modules/admin/roles';
import { NewPasswordFields, useNewPassword } from '../../modules/auth/NewPasswordFields';
import { useCurrentUser } from '../../modules/auth/permissions';

export function AccountPage() {
  return (
    <PageContainer className="max-w-5xl">
      <PageHeader title="My account" description="Your profile, your password, where you are signed in, and your API tokens." />
      <div className="space-y-8">
        <ProfileSection />
        <PasswordSection />
        <SessionsSection />
        <TokensSection />
      </div>
    </PageContainer>
  );
}

function ProfileSection() {
  const user = useCurrentUser();
  if (!user) return null;
  const rows: Array<[string, ReactNode]> = [
    ['Name', user.name || '—'],
    ['Email', user.email],
    ['Role', <RoleBadge key="role" role={user.role} />],
    ['Signed up', formatDateTime(user.createdAt)],
    ['Account from', user.source === 'oidc' ? 'Single sign-on' : user.source === 'scim' ? 'SCIM provisioning' : 'Paddock'],
  ];
  return (
    <Section title="Profile" description="Managed by your administrators.">
      <dl className="grid gap-x-8 gap-y-4 sm:grid-cols-2 lg:grid-cols-3">
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt className="text-xs font-medium tracking-wide text-zinc-500 uppercase">{label}</dt>
            <dd className="mt-1 text-sm text-zinc-900">{value}</dd>
          </div>
        ))}
      </dl>
    </Section>
  );
}

function PasswordSection() {
  const user = useCurrentUser();
  const queryClient = useQueryClient();
  const change = useMutation(changePasswordMutation(queryClient));
  const [current, setCurrent] = useState('');
  const next = useNewPassword();
  const [touched, setTouched] = useState(false);

  if (!user) return null;
  if (!user.hasPassword) {
    return (
      <Section title="Password">
        <p className="text-sm text-zinc-600">
          You sign in with single sign-on and have no Paddock password: your identity provider manages it.
        </p>
      </Section>
    );
  }

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setTouched(true);
    if (!current || !next.valid) return;
    change.mutate(
      { currentPassword: current, newPassword: next.password },
      {
        onSuccess: () => {
          setCurrent('');
          next.reset();
          setTouched(false);
        },
      },
    );
  };

  return (
    <Section
      title="Password"
      description="Changing it signs you out of every other browser. This one stays signed in, and your API tokens keep working."
    >
      <form onSubmit={onSubmit} className="max-w-sm space-y-4" aria-label="Change password" noValidate>
        {change.isError && <ErrorBanner title="Could not change your password" error={change.error} />}
        {change.isSuccess && !touched && (
          <Notice tone="success" role="status" title="Password changed">
            {change.data.endedSessions === 0
              ? 'No other browser was signed in.'
              : `${change.data.endedSessions} other ${change.data.endedSessions === 1 ? 'session was' : 'sessions were'} signed out.`}{' '}
            Your API tokens still work.
          </Notice>
        )}
        <input type="email" name="email" autoComplete="username" value={user.email} readOnly hidden />
        <Field id="current-password" label="Current password" error={touched && !current ? 'Enter your current password.' : null}>
          <input
            id="current-password"
            name="current-password"
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
            className={inputClass}
            aria-invalid={touched && !current}
            aria-describedby="current-password-hint"
          />
        </Field>
        <NewPasswordFields idPrefix="new" state={next} touched={touched} />
        <Button type="submit" variant="primary" loading={change.isPending}>
          Change password
        </Button>
      </form>
    </Section>
  );
}

function SessionsSection() {
  const sessions = useQuery(sessionsQuery());
  const queryClient = useQueryClient();
  const revoke = useMutation(revokeSessionMutation(queryClient));
  const ending = useConfirmDialog(revoke, (session: SessionInfo) => session.id);

  const newestFirst = (list: SessionInfo[]) =>
    [...list].sort((a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt.localeCompare(a.lastSeenAt));

  return (
    <Section flush title="Sessions" description="Browsers where you are signed in. Sign out any you don't recognise.">
      <QueryView
        query={sessions}
        loading={<TableSkeleton rows={2} label="Loading sessions" />}
        errorTitle="Could not load your sessions"
        errorClassName="m-4"
      >
        {(list) => (
          <Table>
            <THead>
              <Th>Device</Th>
              <Th>IP address</Th>
              <Th>Last active</Th>
              <Th className="hidden md:table-cell">Signed in</Th>
              <Th className="hidden lg:table-cell">Expires</Th>
              <Th className="text-right">
                <span className="sr-only">Actions</span>
              </Th>
            </THead>
            <TBody>
              {newestFirst(list).map((session) => (
                <tr key={session.id} data-testid="session-row" className="hover:bg-zinc-50/70">
                  <Td>
                    <div className="flex items-center gap-2">
                      <Monitor className="size-4 shrink-0 text-zinc-400" aria-hidden />
                      <span className="text-zinc-900" title={session.userAgent}>
                        {describeUserAgent(session.userAgent)}
                      </span>
                      {session.current && <Badge tone="success">This browser</Badge>}
                    </div>
                  </Td>
                  <Td className="font-mono text-[13px] text-zinc-600">{session.ip || '—'}</Td>
                  <Td className="whitespace-nowrap text-zinc-500">
                    <span title={formatDateTime(session.lastSeenAt)}>{timeAgo(session.lastSeenAt)}</span>
                  </Td>
                  <Td className="hidden whitespace-nowrap text-zinc-500 md:table-cell">{formatDateTime(session.createdAt)}</Td>
                  <Td className="hidden whitespace-nowrap text-zinc-500 lg:table-cell">
                    <span title={formatDateTime(session.expiresAt)}>{timeAgo(session.expiresAt)}</span>
                  </Td>
                  <Td>
                    <div className="flex justify-end">
                      {!session.current && (
                        <Button
                          size="sm"
                          variant="danger"
                          onClick={() => ending.ask(session)}
                          aria-label={`Sign out the session from ${describeUserAgent(session.userAgent)}, ${session.ip}`}
                        >
                          Sign out
                        </Button>
                      )}
                    </div>
                  </Td>
                </tr>
              ))}
            </TBody>
          </Table>
        )}
      </QueryView>
      <ConfirmDialog
        {...ending.dialogProps}
        title="Sign out this session?"
        description={`${ending.target ? `${describeUserAgent(ending.target.userAgent)} at ${ending.target.ip}` : ''} will be signed out at once and has to sign in again.`}
        confirmLabel="Sign out session"
        destructive
      />
    </Section>
  );
}

/** "Chrome on macOS" from a user agent string; the full string is in the tooltip. */
function describeUserAgent(ua: string): string {
  if (!ua) return 'Unknown device';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrome\/|Chromium\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : /curl\//.test(ua)
            ? 'curl'
            : null;
  const os = /Windows/.test(ua)
    ? 'Windows'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Mac OS X|Macintosh/.test(ua)
        ? 'macOS'
        : /Android/.test(ua)
          ? 'Android'
          : /Linux/.test(ua)
            ? 'Linux'
            : null;
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? (ua.length > 40 ? `${ua.slice(0, 40)}…` : ua);
}

function TokensSection() {
  const tokens = useQuery(tokensQuery());
  const queryClient = useQueryClient();
  const create = useMutation(createTokenMutation(queryClient));
  const revoke = useMutation(revokeTokenMutation(queryClient));
  const [name, setName] = useState('');
  const revoking = useConfirmDialog(revoke, (token: ApiToken) => token.id);

  const onCreate = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!name.trim()) return;
    create.mutate(name.trim(), { onSuccess: () => setName('') });
  };

  return (
    <Section
      flush
      title="API tokens"
      description="For scripts and the CLI: send one as “Authorization: Bearer <token>”. A token acts as you, with your role."
    >
      <div className="space-y-4 border-b border-zinc-100 p-5">
        <form onSubmit={onCreate} className="flex flex-wrap items-end gap-2" noValidate>
          <Field id="token-name" label="New token name" className="w-full max-w-xs">
            <input
              id="token-name"
              maxLength={64}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="e.g. laptop-cli"
              className={inputClass}
            />
          </Field>
          <Button type="submit" icon={<Plus className="size-4" aria-hidden />} loading={create.isPending} disabled={!name.trim()}>
            Create token
          </Button>
        </form>
        {create.isError && <ErrorBanner title="Could not create the token" error={create.error} />}
        {create.data && (
          <OneTimeSecret id="new-api-token" label={`API token “${create.data.name}”`} value={create.data.token}>
            <p>Store it in a password manager or secret store. Revoke it below if it leaks.</p>
          </OneTimeSecret>
        )}
      </div>
      <QueryView
        query={tokens}
        loading={<TableSkeleton rows={2} label="Loading tokens" />}
        errorTitle="Could not load your tokens"
        errorClassName="m-4"
        empty={<TableEmpty icon={<KeyRound className="size-5 text-zinc-400" aria-hidden />}>No API tokens.</TableEmpty>}
      >
        {(list) => (
          <Table>
            <THead>
              <Th>Name</Th>
              <Th>Created</Th>
              <Th>Last used</Th>
              <Th className="text-right">
                <span className="sr-only">Actions</span>
              </Th>
            </THead>
            <TBody>
              {list.map((token) => (
                <tr key={token.id} data-testid="token-row" className="hover:bg-zinc-50/70">
                  <Td className="font-medium text-zinc-900">{token.name}</Td>
                  <Td className="whitespace-nowrap text-zinc-500">
                    <span title={formatDateTime(token.createdAt)}>{timeAgo(token.createdAt)}</span>
                  </Td>
                  <Td className="whitespace-nowrap text-zinc-500">
                    {token.lastUsedAt ? <span title={formatDateTime(token.lastUsedAt)}>{timeAgo(token.lastUsedAt)}</span> : 'Never'}
                  </Td>
                  <Td>
                    <div className="flex justify-end">
                      <Button
                        size="sm"
                        variant="danger"
                        onClick={() => revoking.ask(token)}
                        aria-label={`Revoke the token ${token.name}`}
                      >
                        Revoke
                      </Button>
                    </div>
                  </Td>
                </tr>
              ))}
            </TBody>
          </Table>
        )}
      </QueryView>
      <ConfirmDialog
        {...revoking.dialogProps}
        title={`Revoke “${revoking.target?.name ?? ''}”?`}
        description="Anything using this token stops working at once. This cannot be undone."
        confirmLabel="Revoke token"
        destructive
      />
    </Section>
  );
}
