import { lazy, Suspense, useCallback, useEffect, useRef, useState, type PointerEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { FilePlus, Pencil, RefreshCw, Save, Trash2 } from 'lucide-react';
import type { FileEntry } from '@paddock/protocol';
import { deletePath, filesQueryKey, readFile, renamePath, writeFile } from '../../api/files';
import { errorMessage, isApiError } from '../../api/client';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { IconButton } from '../../components/IconButton';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Skeleton } from '../../components/Skeleton';
import { useCurrentUser } from '../auth/permissions';
import { FileTree, joinPath } from './FileTree';

// CodeMirror and its languages load only when someone opens the editor.
const CodeEditor = lazy(() => import('./CodeEditor').then((m) => ({ default: m.CodeEditor })));

const POLL_MS = 3_000;

interface OpenFile {
  path: string;
  etag: string;
  /** What is on disk as of `etag`. */
  saved: string;
  content: string;
  /** Bumped when the editor's text is replaced from outside (open, reload). */
  version: number;
}

/** The code editor tab: a file tree and CodeMirror over the workspace daemon's files API. */
export function EditorPanel({ workspaceId }: { workspaceId: string }) {
  const queryClient = useQueryClient();
  const readOnly = useCurrentUser()?.role === 'auditor';
  const [selected, setSelected] = useState<{ path: string; type: FileEntry['type'] } | null>(null);
  const [file, setFile] = useState<OpenFile | null>(null);
  const [conflict, setConflict] = useState<'changed' | 'deleted' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [treeWidth, setTreeWidth] = useState(240);
  const fileRef = useRef(file);
  fileRef.current = file;
  const dirty = file !== null && file.content !== file.saved;

  const refreshTree = useCallback(() => queryClient.invalidateQueries({ queryKey: filesQueryKey(workspaceId) }), [queryClient, workspaceId]);

  const open = useCallback(async (path: string) => {
    setError(null);
    setConflict(null);
    try {
      const f = await readFile(workspaceId, path);
      setFile((prev) => ({ path, etag: f.etag, saved: f.content, content: f.content, version: (prev?.version ?? 0) + 1 }));
    } catch (err) {
      setError(isApiError(err) && err.code === 'binary_file' ? `${path} is not a text file, so it can't be edited here.` : errorMessage(err));
    }
  }, [workspaceId]);

  const save = useCallback(async (overwrite = false) => {
    const f = fileRef.current;
    if (!f || readOnly) return;
    setSaving(true);
    setError(null);
    try {
      const written = await writeFile(workspaceId, f.path, f.content, overwrite ? undefined : f.etag);
      setFile((prev) => (prev && prev.path === f.path ? { ...prev, etag: written.etag, saved: f.content } : prev));
      setConflict(null);
      void refreshTree();
    } catch (err) {
      if (isApiError(err) && err.code === 'conflict') setConflict('changed');
      else setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  }, [readOnly, refreshTree, workspaceId]);

  // The AI edits files too: follow the open file on disk, and flag a clash with unsaved edits.
  useEffect(() => {
    if (!file) return;
    const timer = setInterval(() => {
      const f = fileRef.current;
      if (!f) return;
      readFile(workspaceId, f.path).then((disk) => {
        const now = fileRef.current;
        if (!now || now.path !== f.path || disk.etag === now.etag) return;
        if (now.content === now.saved) setFile({ ...now, etag: disk.etag, saved: disk.content, content: disk.content, version: now.version + 1 });
        else setConflict('changed');
      }, (err: unknown) => {
        if (isApiError(err) && err.isNotFound) setConflict('deleted');
      });
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [file?.path, workspaceId]); // eslint-disable-line react-hooks/exhaustive-deps

  const selectedDir = selected ? (selected.type === 'directory' ? selected.path : selected.path.split('/').slice(0, -1).join('/')) : '';

  async function newFile() {
    const name = window.prompt(`New file in /workspace/${selectedDir}`, 'untitled.txt')?.trim();
    if (!name) return;
    const path = joinPath(selectedDir, name);
    try {
      await writeFile(workspaceId, path, '', 'new');
      await refreshTree();
      setSelected({ path, type: 'file' });
      await open(path);
    } catch (err) {
      setError(isApiError(err) && err.code === 'conflict' ? `${path} already exists.` : errorMessage(err));
    }
  }

  async function renameSelected() {
    if (!selected) return;
    const to = window.prompt(`Rename /workspace/${selected.path} to`, selected.path)?.trim();
    if (!to || to === selected.path) return;
    try {
      await renamePath(workspaceId, selected.path, to);
      if (file?.path === selected.path) setFile({ ...file, path: to });
      setSelected({ ...selected, path: to });
      await refreshTree();
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  async function deleteSelected() {
    if (!selected) return;
    try {
      await deletePath(workspaceId, selected.path);
      if (file && (file.path === selected.path || file.path.startsWith(`${selected.path}/`))) setFile(null);
      setSelected(null);
      setConfirmDelete(false);
      await refreshTree();
    } catch (err) {
      setConfirmDelete(false);
      setError(errorMessage(err));
    }
  }

  function startResize(event: PointerEvent<HTMLDivElement>) {
    const startX = event.clientX;
    const startWidth = treeWidth;
    const move = (e: globalThis.PointerEvent) => setTreeWidth(Math.min(520, Math.max(160, startWidth + e.clientX - startX)));
    const up = () => { window.removeEventListener('pointermove', move); window.removeEventListener('pointerup', up); };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  return (
    <div className="flex h-full min-h-0 flex-1 overflow-hidden rounded-lg border border-zinc-200 bg-white">
      <aside className="flex min-h-0 shrink-0 flex-col border-r border-zinc-200 bg-zinc-50" style={{ width: treeWidth }}>
        <div className="flex items-center gap-0.5 border-b border-zinc-200 px-1.5 py-1">
          <span className="mr-auto px-1 text-xs font-semibold tracking-wide text-zinc-500 uppercase">Files</span>
          {!readOnly && (
            <>
              <IconButton size="sm" label="New file" onClick={() => void newFile()}><FilePlus className="size-4" /></IconButton>
              <IconButton size="sm" label="Rename" disabled={!selected} onClick={() => void renameSelected()}><Pencil className="size-4" /></IconButton>
              <IconButton size="sm" label="Delete" disabled={!selected} onClick={() => setConfirmDelete(true)}><Trash2 className="size-4" /></IconButton>
            </>
          )}
          <IconButton size="sm" label="Refresh files" onClick={() => void refreshTree()}><RefreshCw className="size-4" /></IconButton>
        </div>
        <FileTree
          workspaceId={workspaceId}
          selected={selected?.path ?? null}
          onSelect={(path, type) => {
            setSelected({ path, type });
            if (type !== 'directory') void open(path);
          }}
        />
      </aside>
      <div
        role="separator"
        aria-orientation="vertical"
        aria-label="Resize the file tree"
        className="w-1 shrink-0 cursor-col-resize bg-zinc-100 hover:bg-sky-300"
        onPointerDown={startResize}
      />
      <section aria-label="Editor" className="flex min-w-0 flex-1 flex-col">
        <div className="flex h-10 shrink-0 items-center gap-2 border-b border-zinc-200 px-3 text-sm">
          <span className="truncate font-mono text-zinc-700">{file ? file.path : 'No file open'}</span>
          {dirty && <span className="text-amber-600" title="Unsaved changes" aria-label="Unsaved changes">●</span>}
          {readOnly && <span className="rounded bg-zinc-100 px-1.5 py-0.5 text-xs text-zinc-500">Read-only</span>}
          <span className="ml-auto" />
          {!readOnly && (
            <Button size="sm" variant={dirty ? 'primary' : 'secondary'} icon={<Save className="size-3.5" />} disabled={!file || !dirty} loading={saving} onClick={() => void save()}>
              Save
            </Button>
          )}
        </div>
        {conflict && file && (
          <div role="alert" className="flex flex-wrap items-center gap-2 border-b border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            <span className="mr-auto">
              {conflict === 'deleted' ? `${file.path} was deleted on disk.` : `${file.path} changed on disk since you opened it (perhaps the AI edited it).`}
            </span>
            {conflict === 'changed' && <Button size="sm" onClick={() => void open(file.path)}>Reload from disk</Button>}
            {!readOnly && <Button size="sm" variant="danger" onClick={() => void save(true)}>{conflict === 'deleted' ? 'Save again' : 'Overwrite'}</Button>}
          </div>
        )}
        {error && <ErrorBanner className="m-3" title="The editor hit a problem">{error}</ErrorBanner>}
        <div className="min-h-0 flex-1">
          {file ? (
            <Suspense fallback={<Skeleton className="m-3 h-40" />}>
              <CodeEditor
                path={file.path}
                content={file.content}
                version={file.version}
                readOnly={readOnly}
                onChange={(content) => setFile((prev) => (prev ? { ...prev, content } : prev))}
                onSave={() => void save()}
              />
            </Suspense>
          ) : (
            <p className="p-6 text-sm text-zinc-500">Pick a file on the left to open it.</p>
          )}
        </div>
      </section>
      <ConfirmDialog
        open={confirmDelete}
        title={`Delete ${selected?.path ?? ''}?`}
        description={selected?.type === 'directory' ? 'The folder and everything in it will be deleted.' : 'The file will be deleted.'}
        confirmLabel="Delete"
        destructive
        onConfirm={() => void deleteSelected()}
        onClose={() => setConfirmDelete(false)}
      />
    </div>
  );
}
