import { errorMessage } from '../api/client';
import { Button } from './Button';
import { ErrorBanner } from './ErrorBanner';
import { Spinner } from './Spinner';

export function FullPageSpinner() {
  return (
    <div className="flex min-h-screen items-center justify-center bg-zinc-50">
      <Spinner className="size-6 text-zinc-400" label="Loading" />
    </div>
  );
}

export function FullPageError({ error }: { error: unknown }) {
  return (
    <div className="flex min-h-screen items-center justify-center bg-zinc-50 px-4">
      <div className="w-full max-w-md space-y-4">
        <ErrorBanner title="Paddock could not load">{errorMessage(error)}</ErrorBanner>
        <Button onClick={() => window.location.reload()}>Reload</Button>
      </div>
    </div>
  );
}
