import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient, type UseMutationResult } from '@tanstack/react-query';
import type { GitRemote, GitRemoteStatus, PutGitRemote } from '@paddock/protocol';
import { blueprintGitRemoteQuery, deleteBlueprintGitRemoteMutation, putBlueprintGitRemoteMutation } from '../../api/blueprintAdmin';
import { fieldErrors } from '../../api/fieldErrors';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field, inputClass } from '../../components/Field';
import { QueryView } from '../../components/QueryView';
import { SavedNote } from '../../components/SavedNote';
import { Skeleton } from '../../components/Skeleton';

/**
 * Where this blueprint's approved versions are also pushed: an http(s) git remote, a
 * branch (each app's own by default), and the credentials to push with. The token is
 * write-only: the page only learns whether one is saved.
 */
export function BlueprintGitRemote({ blueprintId, readOnly }: { blueprintId: string; readOnly: boolean }) {
  const remote = useQuery(blueprintGitRemoteQuery(blueprintId));
  // Here, not in the form: the form starts afresh after each save, and "Saved" and errors must outlive that.
  const queryClient = useQueryClient();
  const put = useMutation(putBlueprintGitRemoteMutation(queryClient, blueprintId));
  const remove = useMutation(deleteBlueprintGitRemoteMutation(queryClient, blueprintId));
  return (
    <div className="space-y-3 border-t border-zinc-200 pt-4">
      <div>
        <h3 className="text-sm font-medium text-zinc-900">Git remote</h3>
        <p className="text-sm text-zinc-500">
          When set, every approved version is also pushed to this repository. Paddock never force-pushes: if someone else moves the branch, the push fails and is audited.
        </p>
      </div>
      <QueryView query={remote} loading={<Skeleton className="h-40 w-full" />} errorTitle="Could not load the git remote">
        {/* Keyed by what was saved, so the form starts again from the saved remote after a save or a removal. */}
        {(status) => <GitRemoteForm key={status.remote?.updatedAt ?? 'none'} put={put} remove={remove} saved={status.remote} readOnly={readOnly} />}
      </QueryView>
    </div>
  );
}

interface FormProps {
  put: UseMutationResult<GitRemoteStatus, Error, PutGitRemote>;
  remove: UseMutationResult<void, Error, void>;
  saved: GitRemote | null;
  readOnly: boolean;
}

function GitRemoteForm({ put, remove, saved, readOnly }: FormProps) {
  const [url, setUrl] = useState(saved?.url ?? '');
  const [branch, setBranch] = useState(saved?.branch ?? '');
  const [username, setUsername] = useState(saved?.username ?? '');
  const [token, setToken] = useState('');
  const [confirmRemove, setConfirmRemove] = useState(false);
  const errors = fieldErrors(put.error);
  const unfielded = put.isError && (errors.rest.length > 0 || Object.keys(errors.fields).length === 0);

  const save = (body: PutGitRemote) => put.mutate(body);
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    // An empty token field keeps the saved token: it is never shown, so it can't be "left as it was" any other way.
    save({ url: url.trim(), branch: branch.trim() || null, username: username.trim() || null, ...(token ? { token } : {}) });
  };
  const forgetToken = () => save({ url: saved?.url ?? url.trim(), branch: saved?.branch ?? null, username: saved?.username ?? null, token: null });

  const described = (id: string, error?: string) => ({ 'aria-invalid': error ? true : undefined, 'aria-describedby': `${id}-hint` });

  return (
    <>
      <form onSubmit={onSubmit} className="space-y-4" noValidate aria-label="Git remote">
        {unfielded && <ErrorBanner title="Could not save the git remote" error={put.error} />}
        <Field id="git-url" label="Repository URL" error={errors.fields.url} hint="https:// address of the repository. Put no user or password in it.">
          <input id="git-url" type="url" inputMode="url" autoComplete="off" spellCheck={false} readOnly={readOnly} value={url}
            placeholder="https://git.example.com/team/apps.git" onChange={(e) => setUrl(e.target.value)} className={inputClass} {...described('git-url', errors.fields.url)} />
        </Field>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field id="git-branch" label="Branch" error={errors.fields.branch} hint="Empty: each app gets its own, paddock/<subdomain>. A named branch is for a blueprint with one app.">
            <input id="git-branch" autoComplete="off" spellCheck={false} readOnly={readOnly} value={branch} placeholder="paddock/<subdomain>"
              onChange={(e) => setBranch(e.target.value)} className={inputClass} {...described('git-branch', errors.fields.branch)} />
          </Field>
          <Field id="git-username" label="Username" error={errors.fields.username} hint="Optional: many forges take a token with any user.">
            <input id="git-username" autoComplete="off" spellCheck={false} readOnly={readOnly} value={username}
              onChange={(e) => setUsername(e.target.value)} className={inputClass} {...described('git-username', errors.fields.username)} />
          </Field>
        </div>
        <Field id="git-token" label="Token" error={errors.fields.token}
          hint={saved?.hasToken ? 'A token is saved. Leave this empty to keep it, or type a new one to replace it.' : 'An access token that may push to the repository. It is stored encrypted and never shown again.'}>
          <input id="git-token" type="password" autoComplete="new-password" readOnly={readOnly} value={token}
            placeholder={saved?.hasToken ? 'a token is saved' : ''} onChange={(e) => setToken(e.target.value)} className={inputClass} {...described('git-token', errors.fields.token)} />
        </Field>
        {!readOnly && (
          <div className="flex flex-wrap items-center justify-end gap-3">
            <SavedNote show={put.isSuccess} />
            {saved?.hasToken && (
              <Button type="button" size="sm" onClick={forgetToken} disabled={put.isPending}>
                Forget the token
              </Button>
            )}
            {saved && (
              <Button type="button" variant="danger" onClick={() => { remove.reset(); setConfirmRemove(true); }}>
                Remove
              </Button>
            )}
            <Button type="submit" variant="primary" loading={put.isPending} disabled={!url.trim()}>
              Save
            </Button>
          </div>
        )}
      </form>
      {/* Outside the form: the dialog's buttons must not submit it (React events cross portals). */}
      <ConfirmDialog
          open={confirmRemove}
          title="Remove the git remote?"
          description="Approved versions will no longer be pushed. The saved token is deleted; what was pushed stays in the repository."
          confirmLabel="Remove git remote"
          destructive
          loading={remove.isPending}
          error={remove.error}
          onClose={() => setConfirmRemove(false)}
          onConfirm={() => remove.mutate(undefined, { onSuccess: () => setConfirmRemove(false) })}
        />
    </>
  );
}
