import { useEffect, useState } from 'react';
import { appSignInLink } from '../../api/publishing';
import { FullPageError, FullPageSpinner } from '../../components/FullPage';

/**
 * Where an "everyone signed in" app sends a visitor without a session on its origin: signed in
 * here (the route requires it, and comes back after the sign-in page), this asks the portal
 * for a one-time link and goes on to the app, landing where the visitor meant to go.
 */
export function AppOpenPage({ subdomain, path }: { subdomain: string; path: string }) {
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let cancelled = false;
    appSignInLink(subdomain, path).then((url) => { if (!cancelled) window.location.replace(url); }, (err: unknown) => { if (!cancelled) setError(err); });
    return () => { cancelled = true; };
  }, [subdomain, path]);
  return error ? <FullPageError error={error} /> : <FullPageSpinner />;
}
