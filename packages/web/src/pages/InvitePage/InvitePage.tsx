import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { meQueryKey } from '../../api/auth';
import { brandingQueryKey, useBranding } from '../../api/branding';
import { isApiError, setCsrfToken } from '../../api/client';
import { acceptInvite, inviteLookupQuery } from '../../api/users';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field, inputClass } from '../../components/Field';
import { QueryView } from '../../components/QueryView';
import { SignedOutFrame } from '../../components/SignedOutFrame';
import { NewPasswordFields, useNewPassword } from '../../modules/auth/NewPasswordFields';
import { LinkChecking, LinkHeader, LinkOutcome, tokenFromLocation } from '../../modules/auth/OneTimeLink';

export function InvitePage() {
  const [token] = useState(tokenFromLocation);
  return (
    <SignedOutFrame>
      {token ? <InviteLookup token={token} /> : <BrokenLink reason="This invite link is incomplete: it has no code after the #. Open the full link you were sent." />}
    </SignedOutFrame>
  );
}

function InviteLookup({ token }: { token: string }) {
  const lookup = useQuery(inviteLookupQuery(token));

  if (lookup.isError && isApiError(lookup.error) && lookup.error.isNotFound) {
    return (
      <BrokenLink reason="This invite link has expired or has already been used. Invite links work once and expire after 7 days: ask an administrator for a new one." />
    );
  }
  return (
    <QueryView
      query={lookup}
      loading={<LinkChecking label="Checking your invite" lines={1} fields={3} />}
      errorTitle="Could not check your invite"
    >
      {(invite) => (
        <AcceptForm token={token} email={invite.email} role={invite.role} expiresAt={invite.expiresAt} reactivates={invite.reactivates} />
      )}
    </QueryView>
  );
}

function AcceptForm({
  token,
  email,
  role,
  expiresAt,
  reactivates,
}: {
  token: string;
  email: string;
  role: string;
  expiresAt: string;
  /** A removed member's address: accepting brings back their account (workspaces and files kept). */
  reactivates: boolean;
}) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const brand = useBranding();
  const newPassword = useNewPassword();
  const [touched, setTouched] = useState(false);

  const accept = useMutation({
    mutationFn: acceptInvite,
    onSuccess: async (me) => {
      setCsrfToken(me.csrfToken);
      // Whatever was cached belonged to someone else (or to nobody).
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== meQueryKey[0] && query.queryKey[0] !== brandingQueryKey[0] });
      queryClient.setQueryData(meQueryKey, me);
      history.replaceState(null, '', '/invite');
      await navigate({ to: '/' });
    },
  });

  const valid = name.trim().length > 0 && newPassword.valid;

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setTouched(true);
    if (!valid) return;
    accept.mutate({ token, name: name.trim(), password: newPassword.password });
  };

  const usedOrExpired = isApiError(accept.error) && (accept.error.isNotFound || accept.error.code === 'conflict');

  return (
    <>
      <LinkHeader
        title={<>
          {reactivates ? `Welcome back to ${brand.name}, ` : `You're invited to ${brand.name} `}as {role === 'admin' ? 'an' : 'a'}{' '}
          <span data-testid="invite-role">{role}</span>
        </>}
        email={email} emailTestId="invite-email" noun="invite" expiresAt={expiresAt}
      >
        {reactivates && (
          <p className="mt-1 text-sm text-zinc-500">
            Your account comes back with its workspaces and files; start your workspaces again when you need them.
          </p>
        )}
      </LinkHeader>
      <form
        onSubmit={onSubmit}
        className="space-y-5 rounded-xl border border-zinc-200 bg-white p-6 shadow-sm"
        aria-label="Create your account"
        noValidate
      >
        {accept.isError && (
          <ErrorBanner title={usedOrExpired ? 'This invite can no longer be used' : 'Could not create your account'} error={accept.error} />
        )}
        <input type="email" name="email" autoComplete="username" value={email} readOnly hidden />
        <Field id="invite-name" label="Your name" error={touched && !name.trim() ? 'Enter your name.' : null}>
          <input
            id="invite-name"
            name="name"
            autoComplete="name"
            required
            autoFocus
            value={name}
            onChange={(e) => setName(e.target.value)}
            className={inputClass}
            aria-invalid={touched && !name.trim()}
            aria-describedby="invite-name-hint"
          />
        </Field>
        <NewPasswordFields idPrefix="invite" state={newPassword} touched={touched} label="Password" confirmLabel="Confirm password" />
        <Button type="submit" variant="primary" className="w-full" loading={accept.isPending}>
          {reactivates ? 'Reactivate my account and sign in' : 'Create account and sign in'}
        </Button>
      </form>
    </>
  );
}

function BrokenLink({ reason }: { reason: string }) {
  return <LinkOutcome kind="broken" title="This invite link doesn't work" testId="invite-invalid">{reason}</LinkOutcome>;
}
