import type { ReactNode } from 'react';
import { ErrorBanner } from './ErrorBanner';

/** What QueryView reads of a TanStack query (useQuery or useInfiniteQuery). */
export interface QueryLike<T> {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  data: T | undefined;
  refetch: () => unknown;
}

interface QueryViewProps<T> {
  query: QueryLike<T>;
  /** The skeleton shown while the first answer is on its way. */
  loading: ReactNode;
  /** The error banner's title ("Could not load members"); the banner has a Retry button. */
  errorTitle: string;
  errorClassName?: string;
  /** Shown instead of the content when there is nothing (see `isEmpty`). */
  empty?: ReactNode;
  /** When the data counts as nothing: by default, an empty list. */
  isEmpty?: (data: T) => boolean;
  /**
   * Keep showing what was loaded when a later fetch fails (a paged list says so
   * beside its "Load more"); by default a failure replaces the content.
   */
  keepDataOnError?: boolean;
  children: (data: T) => ReactNode;
}

const isEmptyList = (data: unknown) => Array.isArray(data) && data.length === 0;

/**
 * The one way a page shows what it loads: loading → error → empty → content.
 * Every page (and panel) that loads a list or an object goes through it, so they
 * all wait, fail and retry alike.
 */
export function QueryView<T>({
  query, loading, errorTitle, errorClassName, empty, isEmpty = isEmptyList, keepDataOnError = false, children,
}: QueryViewProps<T>) {
  if (query.isPending) return <>{loading}</>;
  if (query.isError && !(keepDataOnError && query.data !== undefined)) {
    return <ErrorBanner className={errorClassName} title={errorTitle} error={query.error} onRetry={() => query.refetch()} />;
  }
  if (query.data === undefined) return <>{loading}</>;
  if (empty !== undefined && isEmpty(query.data)) return <>{empty}</>;
  return <>{children(query.data)}</>;
}
