// First: it configures zod before any schema is defined.
import './zodConfig';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { forgetSession } from './api/auth';
import { isApiError } from './api/client';
import { BrandingEffects } from './modules/branding/BrandingEffects';
import { createAppRouter } from './router';
import './index.css';

// Any 401 means the session is over (expired or revoked): back to sign-in,
// remembering where we were.
function onApiError(error: unknown): void {
  if (!isApiError(error) || !error.isUnauthorized) return;
  if (router.state.location.pathname === '/login') return;
  forgetSession(queryClient);
  void router.navigate({ to: '/login', search: { redirect: router.state.location.href } });
}

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: onApiError }),
  mutationCache: new MutationCache({ onError: onApiError }),
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      refetchOnWindowFocus: true,
      retry: (failureCount, error) => {
        if (isApiError(error) && error.status >= 400 && error.status < 500) return false;
        return failureCount < 2;
      },
    },
  },
});

const router = createAppRouter(queryClient);

const root = document.getElementById('root');
if (!root) throw new Error('missing #root');

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrandingEffects />
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
