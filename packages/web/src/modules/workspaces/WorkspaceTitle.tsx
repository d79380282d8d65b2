import { useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Check, Pencil, X } from 'lucide-react';
import { workspaceDisplayNameSchema, type Workspace } from '@paddock/protocol';
import { errorMessage } from '../../api/client';
import { renameWorkspaceMutation } from '../../api/workspaces';
import { IconButton } from '../../components/IconButton';
import { Spinner } from '../../components/Spinner';

/**
 * The workspace's display name as its page title, renamed in place: the pencil (or a click on
 * the name) edits it, Enter saves, Escape leaves it as it was. The same rule as the API
 * (workspaceDisplayNameSchema) says at once what it refuses; the server's answer is final.
 */
export function WorkspaceTitle({ workspace, canRename }: { workspace: Workspace; canRename: boolean }) {
  const queryClient = useQueryClient();
  const rename = useMutation(renameWorkspaceMutation(queryClient));
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);

  const start = () => {
    if (!canRename) return;
    setEditing(workspace.displayName);
    setError(null);
    requestAnimationFrame(() => input.current?.select());
  };
  const cancel = () => {
    setEditing(null);
    setError(null);
  };
  const save = async () => {
    if (editing === null) return;
    const parsed = workspaceDisplayNameSchema.safeParse(editing);
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? 'that name cannot be used');
      return;
    }
    if (parsed.data === workspace.displayName) {
      cancel();
      return;
    }
    try {
      await rename.mutateAsync({ workspaceId: workspace.id, displayName: parsed.data });
      cancel();
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void save();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      cancel();
    }
  };

  if (editing !== null) {
    return (
      <form onSubmit={onSubmit} className="flex min-w-0 flex-col">
        <div className="flex items-center gap-1">
          <input
            ref={input}
            aria-label="Workspace name"
            value={editing}
            onChange={(event) => { setEditing(event.target.value); setError(null); }}
            onKeyDown={onKeyDown}
            aria-invalid={error !== null}
            aria-describedby={error ? 'workspace-name-error' : undefined}
            disabled={rename.isPending}
            className="h-8 w-[min(28rem,60vw)] rounded-md border border-zinc-300 px-2 text-lg font-semibold text-zinc-900 focus-visible:outline-2 focus-visible:outline-blue-600 aria-invalid:border-red-400"
          />
          {rename.isPending ? <Spinner className="mx-2 size-4" /> : (
            <>
              <IconButton label="Save name" onClick={() => void save()}><Check className="size-4" aria-hidden /></IconButton>
              <IconButton label="Cancel renaming" onClick={cancel}><X className="size-4" aria-hidden /></IconButton>
            </>
          )}
        </div>
        {error && <p id="workspace-name-error" role="alert" className="mt-1 text-xs text-red-700">{error}</p>}
      </form>
    );
  }

  return (
    <div className="group flex min-w-0 items-center gap-1">
      <h1
        className="truncate text-lg font-semibold tracking-tight text-zinc-900"
        title={workspace.displayName}
        onDoubleClick={start}
      >
        {workspace.displayName}
      </h1>
      {canRename && (
        <IconButton label="Rename workspace" onClick={start}>
          <Pencil className="size-3.5" aria-hidden />
        </IconButton>
      )}
    </div>
  );
}
