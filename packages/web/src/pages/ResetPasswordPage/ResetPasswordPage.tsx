import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { meQueryKey } from '../../api/auth';
import { isApiError } from '../../api/client';
import { passwordResetLookupQuery, redeemPasswordReset } from '../../api/users';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { QueryView } from '../../components/QueryView';
import { SignedOutFrame } from '../../components/SignedOutFrame';
import { NewPasswordFields, useNewPassword } from '../../modules/auth/NewPasswordFields';
import { LinkChecking, LinkHeader, LinkOutcome, tokenFromLocation } from '../../modules/auth/OneTimeLink';

/** Public: `/reset-password#<token>`, the link an admin made for someone to choose a new password. */
export function ResetPasswordPage() {
  const [token] = useState(tokenFromLocation);
  return (
    <SignedOutFrame>
      {token ? (
        <ResetLookup token={token} />
      ) : (
        <BrokenLink reason="This reset link is incomplete: it has no code after the #. Open the full link you were sent." />
      )}
    </SignedOutFrame>
  );
}

function ResetLookup({ token }: { token: string }) {
  const lookup = useQuery(passwordResetLookupQuery(token));
  const [done, setDone] = useState(false);

  if (done) return <PasswordSet />;
  if (lookup.isError && isApiError(lookup.error) && lookup.error.isNotFound) {
    return (
      <BrokenLink reason="This reset link has expired or has already been used. Reset links work once and expire after 24 hours: ask an administrator for a new one." />
    );
  }
  return (
    <QueryView
      query={lookup}
      loading={<LinkChecking label="Checking your link" lines={0} fields={2} />}
      errorTitle="Could not check your link"
    >
      {(reset) => <ResetForm token={token} email={reset.email} expiresAt={reset.expiresAt} onDone={() => setDone(true)} />}
    </QueryView>
  );
}

function ResetForm({ token, email, expiresAt, onDone }: { token: string; email: string; expiresAt: string; onDone: () => void }) {
  const queryClient = useQueryClient();
  const next = useNewPassword();
  const [touched, setTouched] = useState(false);
  const redeem = useMutation({
    mutationFn: redeemPasswordReset,
    onSuccess: () => {
      // Every session of the account has ended, this browser's too if it had one.
      queryClient.removeQueries({ queryKey: meQueryKey });
      history.replaceState(null, '', '/reset-password');
      onDone();
    },
  });

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setTouched(true);
    if (!next.valid) return;
    redeem.mutate({ token, password: next.password });
  };

  const unusable = isApiError(redeem.error) && redeem.error.isNotFound;

  return (
    <>
      <LinkHeader title="Choose a new password" email={email} emailTestId="reset-email" noun="link" expiresAt={expiresAt} />
      <form
        onSubmit={onSubmit}
        className="space-y-5 rounded-xl border border-zinc-200 bg-white p-6 shadow-sm"
        aria-label="Set a new password"
        noValidate
      >
        {redeem.isError && (
          <ErrorBanner title={unusable ? 'This link can no longer be used' : 'Could not set your password'} error={redeem.error} />
        )}
        <input type="email" name="email" autoComplete="username" value={email} readOnly hidden />
        <NewPasswordFields idPrefix="reset" state={next} touched={touched} />
        <p className="text-xs text-zinc-500">Every browser signed in to this account is signed out; API tokens keep working.</p>
        <Button type="submit" variant="primary" className="w-full" loading={redeem.isPending}>
          Set new password
        </Button>
      </form>
    </>
  );
}

function PasswordSet() {
  return <LinkOutcome kind="done" title="Your password is set" testId="reset-done">Sign in with your new password.</LinkOutcome>;
}

function BrokenLink({ reason }: { reason: string }) {
  return <LinkOutcome kind="broken" title="This reset link doesn't work" testId="reset-invalid">{reason}</LinkOutcome>;
}
