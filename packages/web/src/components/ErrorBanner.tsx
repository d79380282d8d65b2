import type { ReactNode } from 'react';
import { CircleAlert } from 'lucide-react';
import { errorMessage } from '../api/client';
import { Button } from './Button';
import { cn } from './cn';

interface ErrorBannerProps {
  error?: unknown;
  title?: string;
  children?: ReactNode;
  action?: ReactNode;
  /** Adds a Retry button (e.g. `() => query.refetch()`), when there is no other action. */
  onRetry?: () => unknown;
  className?: string;
}

export function ErrorBanner({ error, title, children, action, onRetry, className }: ErrorBannerProps) {
  return (
    <div
      role="alert"
      className={cn(
        'flex items-start gap-3 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800',
        className,
      )}
    >
      <CircleAlert className="mt-0.5 size-4 shrink-0 text-red-600" aria-hidden />
      <div className="min-w-0 flex-1">
        {title && <p className="font-medium">{title}</p>}
        <p className={cn('break-words', title && 'text-red-700')}>{children ?? errorMessage(error)}</p>
      </div>
      {action ??
        (onRetry && (
          <Button size="sm" onClick={() => void onRetry()}>
            Retry
          </Button>
        ))}
    </div>
  );
}
