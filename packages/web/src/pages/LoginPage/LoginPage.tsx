import { useState, type FormEvent, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useRouter } from '@tanstack/react-router';
import { loginMutation } from '../../api/auth';
import { errorMessage, isApiError } from '../../api/client';
import { authMethodsQuery, ssoErrorMessage, startSso } from '../../api/sso';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { SignedOutFrame } from '../../components/SignedOutFrame';
import { useBranding } from '../../api/branding';

interface LoginPageProps {
  /** Where to go after signing in (a same-origin path). */
  redirect?: string;
  /** Why a single sign-on attempt was refused (a code from the SSO callback). */
  error?: string;
}

export function LoginPage({ redirect, error }: LoginPageProps) {
  const { data: methods } = useQuery(authMethodsQuery());
  const brand = useBranding();
  // Until we know (or if we can't ask), offer the password form.
  const passwordAllowed = methods?.password ?? true;
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const router = useRouter();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const login = useMutation({
    ...loginMutation(queryClient),
    onSuccess: async (me) => {
      loginMutation(queryClient).onSuccess(me);
      const target = safeRedirect(redirect);
      // The redirect is an arbitrary in-app path, so it goes through history.
      if (target) router.history.push(target);
      else await navigate({ to: '/' });
    },
  });

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    login.mutate({ email: email.trim(), password });
  };

  return (
    <SignedOutFrame
      heading={<>
        <h1 className="mt-4 text-xl font-semibold tracking-tight text-zinc-900" data-testid="sign-in-heading">Sign in to {brand.name}</h1>
        <p className="mt-1 text-sm text-zinc-500">Build with AI on your company's own infrastructure.</p>
      </>}
    >
      {error && (
        <ErrorBanner title="Could not sign in" className="mb-4">
          {ssoErrorMessage(error)}
        </ErrorBanner>
      )}
      {methods?.sso && (
        <div className="mb-4 rounded-xl border border-zinc-200 bg-white p-6 shadow-sm">
          <Button type="button" variant={passwordAllowed ? 'secondary' : 'primary'} className="w-full" onClick={() => startSso(safeRedirect(redirect))}>
            Sign in with SSO
          </Button>
          <p className="mt-2 text-center text-xs text-zinc-500">with {methods.sso.name}</p>
        </div>
      )}
      {passwordAllowed && (
      <form
        onSubmit={onSubmit}
        className="space-y-5 rounded-xl border border-zinc-200 bg-white p-6 shadow-sm"
        aria-label="Sign in"
        noValidate
      >
        {login.isError && (
          <ErrorBanner title={loginErrorTitle(login.error)}>{errorMessage(login.error)}</ErrorBanner>
        )}
        <Field id="email" label="Email">
          <input
            id="email"
            name="email"
            type="email"
            autoComplete="username"
            required
            autoFocus
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            className={inputClass}
            placeholder="you@company.com"
          />
        </Field>
        <Field id="password" label="Password">
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            className={inputClass}
          />
        </Field>
        <Button
          type="submit"
          variant="primary"
          className="w-full"
          loading={login.isPending}
          disabled={!email || !password}
        >
          Sign in
        </Button>
      </form>
      )}
    </SignedOutFrame>
  );
}

const inputClass =
  'block h-9 w-full rounded-md border border-zinc-300 bg-white px-3 text-sm text-zinc-900 shadow-xs placeholder:text-zinc-400 focus:border-accent-ring focus:outline-none focus:ring-2 focus:ring-accent-ring/20';

function Field({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <div className="space-y-1.5">
      <label htmlFor={id} className="block text-sm font-medium text-zinc-700">
        {label}
      </label>
      {children}
    </div>
  );
}

// The server's message says what went wrong; a title only where it adds something.
function loginErrorTitle(error: unknown): string | undefined {
  if (isApiError(error) && error.code === 'rate_limited') return 'Too many attempts';
  if (isApiError(error) && error.code === 'invalid_credentials') return undefined;
  return 'Could not sign in';
}

/** Only same-origin paths, so a crafted link cannot send someone elsewhere. */
function safeRedirect(redirect: string | undefined): string | undefined {
  if (!redirect || !redirect.startsWith('/') || redirect.startsWith('//') || redirect.startsWith('/login')) return undefined;
  return redirect;
}
