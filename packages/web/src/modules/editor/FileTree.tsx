import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { ChevronDown, ChevronRight, File, Folder, Link2 } from 'lucide-react';
import type { FileEntry } from '@paddock/protocol';
import { folderQuery } from '../../api/files';
import { cn } from '../../components/cn';

export const joinPath = (dir: string, name: string) => (dir ? `${dir}/${name}` : name);

interface FileTreeProps {
  workspaceId: string;
  selected: string | null;
  onSelect(path: string, type: FileEntry['type']): void;
}

/** The workspace's files; a folder's entries load when it is first opened. */
export function FileTree({ workspaceId, selected, onSelect }: FileTreeProps) {
  return (
    <ul role="tree" aria-label="Files" className="min-h-0 flex-1 overflow-auto py-1 text-sm">
      <Folder_ workspaceId={workspaceId} path="" depth={0} selected={selected} onSelect={onSelect} />
    </ul>
  );
}

function Folder_({ workspaceId, path, depth, selected, onSelect }: FileTreeProps & { path: string; depth: number }) {
  const listing = useQuery(folderQuery(workspaceId, path));
  if (listing.isPending) return <li role="none" className="px-3 py-1 text-zinc-400" style={{ paddingLeft: 12 + depth * 14 }}>Loading…</li>;
  if (listing.isError) return <li role="none" className="px-3 py-1 text-red-600" style={{ paddingLeft: 12 + depth * 14 }}>{listing.error.message}</li>;
  return (
    <>
      {listing.data.entries.length === 0 && depth > 0 && (
        <li role="none" className="py-1 text-zinc-400" style={{ paddingLeft: 12 + depth * 14 }}>empty</li>
      )}
      {listing.data.entries.map((entry) => (
        <Entry key={entry.name} workspaceId={workspaceId} dir={path} entry={entry} depth={depth} selected={selected} onSelect={onSelect} />
      ))}
      {listing.data.truncated && (
        <li role="none" className="py-1 text-xs text-amber-700" style={{ paddingLeft: 12 + depth * 14 }}>Only the first 2,000 entries are shown.</li>
      )}
    </>
  );
}

function Entry({ workspaceId, dir, entry, depth, selected, onSelect }: FileTreeProps & { dir: string; entry: FileEntry; depth: number }) {
  const [open, setOpen] = useState(false);
  const path = joinPath(dir, entry.name);
  const isDir = entry.type === 'directory';
  const Icon = isDir ? Folder : entry.type === 'symlink' ? Link2 : File;
  return (
    <li role="treeitem" aria-expanded={isDir ? open : undefined} aria-selected={selected === path} aria-label={entry.name}>
      <button
        type="button"
        title={path}
        className={cn(
          'flex w-full items-center gap-1.5 truncate py-0.5 pr-2 text-left hover:bg-zinc-100',
          selected === path && 'bg-zinc-200 font-medium text-zinc-900',
        )}
        style={{ paddingLeft: 8 + depth * 14 }}
        onClick={() => { if (isDir) setOpen(!open); onSelect(path, entry.type); }}
      >
        {isDir ? (open ? <ChevronDown className="size-3.5 shrink-0" aria-hidden /> : <ChevronRight className="size-3.5 shrink-0" aria-hidden />) : <span className="w-3.5 shrink-0" />}
        <Icon className={cn('size-3.5 shrink-0', isDir ? 'text-sky-600' : 'text-zinc-500')} aria-hidden />
        <span className="truncate">{entry.name}</span>
      </button>
      {isDir && open && (
        <ul role="group">
          <Folder_ workspaceId={workspaceId} path={path} depth={depth + 1} selected={selected} onSelect={onSelect} />
        </ul>
      )}
    </li>
  );
}
