import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { CircleCheck, LinkIcon } from 'lucide-react';
import { meQueryKey } from '../../api/auth';
import { isApiError } from '../../api/client';
import { passwordResetLookupQuery, redeemPasswordReset } from '../../api/users';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Logo } from '../../components/Logo';
import { QueryView } from '../../components/QueryView';
import { Skeleton } from '../../components/Skeleton';
import { formatDateTime } from '../../components/formatTime';
import { NewPasswordFields, useNewPassword } from '../../modules/auth/NewPasswordFields';

/** The token travels in the fragment, so it never reaches server logs or Referer headers. */
function tokenFromLocation(): string {
  return decodeURIComponent(window.location.hash.replace(/^#/, '')).trim();
}

/** Public: `/reset-password#<token>`, the link an admin made for someone to choose a new password. */
export function ResetPasswordPage() {
  const [token] = useState(tokenFromLocation);
  return (
    <div className="flex min-h-screen flex-col items-center justify-center bg-zinc-50 px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex flex-col items-center text-center">
          <Logo className="size-10" />
        </div>
        {token ? (
          <ResetLookup token={token} />
        ) : (
          <BrokenLink reason="This reset link is incomplete: it has no code after the #. Open the full link you were sent." />
        )}
      </div>
    </div>
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
      loading={
        <div className="space-y-4 rounded-xl border border-zinc-200 bg-white p-6 shadow-sm" aria-busy="true" aria-label="Checking your link">
          <Skeleton className="mx-auto h-5 w-3/4" />
          <Skeleton className="mt-6 h-9 w-full" />
          <Skeleton className="h-9 w-full" />
        </div>
      }
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
      <div className="mb-6 text-center">
        <h1 className="text-xl font-semibold tracking-tight text-zinc-900">Choose a new password</h1>
        <p className="mt-1 text-sm text-zinc-500">
          <span className="font-medium text-zinc-700" data-testid="reset-email">
            {email}
          </span>
          <span className="block text-xs">The link expires {formatDateTime(expiresAt)}.</span>
        </p>
      </div>
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
  return (
    <div className="rounded-xl border border-zinc-200 bg-white p-6 text-center shadow-sm" role="status" data-testid="reset-done">
      <div className="mx-auto mb-4 flex size-11 items-center justify-center rounded-full bg-emerald-50 text-emerald-600">
        <CircleCheck className="size-5" aria-hidden />
      </div>
      <h1 className="text-base font-semibold text-zinc-900">Your password is set</h1>
      <p className="mt-1 text-sm text-zinc-500">Sign in with your new password.</p>
      <Link to="/login" className="mt-6 inline-block text-sm font-medium text-zinc-900 underline underline-offset-4">
        Go to sign in
      </Link>
    </div>
  );
}

function BrokenLink({ reason }: { reason: string }) {
  return (
    <div className="rounded-xl border border-zinc-200 bg-white p-6 text-center shadow-sm" role="alert" data-testid="reset-invalid">
      <div className="mx-auto mb-4 flex size-11 items-center justify-center rounded-full bg-red-50 text-red-600">
        <LinkIcon className="size-5" aria-hidden />
      </div>
      <h1 className="text-base font-semibold text-zinc-900">This reset link doesn't work</h1>
      <p className="mt-1 text-sm text-zinc-500">{reason}</p>
      <Link to="/login" className="mt-6 inline-block text-sm font-medium text-zinc-900 underline underline-offset-4">
        Go to sign in
      </Link>
    </div>
  );
}
