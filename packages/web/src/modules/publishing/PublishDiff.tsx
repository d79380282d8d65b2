import { useQuery } from '@tanstack/react-query';
import { publishRequestQuery } from '../../api/publishing';
import { QueryView } from '../../components/QueryView';
import { Skeleton } from '../../components/Skeleton';
import { diffSummary } from './diffWords';

/** What a publish request changes against the version before it, read from the workspace's agent when shown (the portal keeps none of it). */
export function PublishDiff({ id }: { id: string }) {
  const detail = useQuery(publishRequestQuery(id));
  return (
    <QueryView query={detail} loading={<Skeleton className="mt-2 h-24 w-full" />} errorTitle="Could not read the changes" isEmpty={() => false}>
      {(d) => (
        <div className="mt-2 space-y-2">
          <p className="text-sm text-zinc-700" data-testid="diff-summary">{diffSummary(d.diff)}{d.baseVersion === 'empty' ? ' (a first publish)' : ' since the version published before'}</p>
          <ul className="text-xs text-zinc-600" aria-label="Files changed">
            {d.diff.files.map((f) => (
              <li key={f.path} className="font-mono">{f.status} {f.from ? `${f.from} → ` : ''}{f.path} {f.binary ? '(binary)' : `+${f.additions} −${f.deletions}`}</li>
            ))}
          </ul>
          <pre className="stay-dark max-h-96 overflow-auto rounded-md bg-zinc-950 p-3 text-xs text-zinc-100">{d.diff.patch}{d.diff.truncated ? '\n… (cut at its cap)' : ''}</pre>
        </div>
      )}
    </QueryView>
  );
}
