import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { Archive, ArchiveRestore, Copy, Trash2 } from 'lucide-react';
import { duplicateBlueprintRequestSchema, type Blueprint } from '@paddock/protocol';
import { blueprintLifecycleMutation } from '../../api/blueprintAdmin';
import { fieldErrors, issueFields } from '../../api/fieldErrors';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Dialog } from '../../components/Dialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field, inputClass } from '../../components/Field';
import { Section } from '../../components/Section';
import { Switch } from '../../components/Switch';
import { formatDateTime } from '../../components/formatTime';
import { useBlueprintSave } from './useBlueprintSave';

/** Whether builders see it, and its life: archive and bring back, duplicate, delete. */
export function BlueprintLifecycle({ blueprint, readOnly }: { blueprint: Blueprint; readOnly: boolean }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const toggle = useBlueprintSave(blueprint);
  const lifecycle = useMutation(blueprintLifecycleMutation(queryClient, blueprint.id));
  const [asking, setAsking] = useState<'archive' | 'delete' | 'duplicate' | null>(null);
  const archived = blueprint.archivedAt !== null;

  const open = (what: typeof asking) => { lifecycle.reset(); setAsking(what); };
  const close = () => setAsking(null);

  return (
    <Section title="Availability" description="Whether builders can pick it, and what happens to it.">
      <div className="space-y-5">
        {toggle.bannerError != null && <ErrorBanner title="Could not change it" error={toggle.bannerError} />}
        {lifecycle.isError && asking === null && <ErrorBanner title="Could not do that" error={lifecycle.error} />}
        <div className="space-y-1">
          <Switch
            label={blueprint.enabled ? 'Enabled: builders can pick it' : 'Disabled: hidden from builders'}
            checked={blueprint.enabled}
            disabled={readOnly || toggle.pending}
            onChange={(enabled) => toggle.save({ enabled })}
          />
          <p className="text-xs text-zinc-500">
            Disabled, it leaves the builders' catalog and they cannot make new workspaces from it; admins still can, to try it.
            Workspaces made from it keep running, and stop and start as before.
          </p>
        </div>
        {archived && (
          <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="bp-archived-note">
            Archived {formatDateTime(blueprint.archivedAt!)}: out of the catalog, and no new workspaces can be made from it. Its workspaces keep running.
          </p>
        )}
        {!readOnly && (
          <div className="flex flex-wrap gap-2">
            <Button icon={<Copy className="size-4" aria-hidden />} onClick={() => open('duplicate')}>Duplicate</Button>
            {archived ? (
              <Button icon={<ArchiveRestore className="size-4" aria-hidden />} loading={lifecycle.isPending} onClick={() => lifecycle.mutate({ kind: 'unarchive' })}>
                Unarchive
              </Button>
            ) : (
              <Button icon={<Archive className="size-4" aria-hidden />} onClick={() => open('archive')}>Archive</Button>
            )}
            <Button variant="danger" icon={<Trash2 className="size-4" aria-hidden />} onClick={() => open('delete')}>Delete</Button>
          </div>
        )}
      </div>
      <ConfirmDialog
        open={asking === 'archive'}
        title={`Archive ${blueprint.name}?`}
        description="It leaves the catalog and no one can make new workspaces from it. Workspaces made from it keep running; you can unarchive it at any time."
        confirmLabel="Archive blueprint"
        loading={lifecycle.isPending}
        error={lifecycle.error}
        onClose={close}
        onConfirm={() => lifecycle.mutate({ kind: 'archive' }, { onSuccess: close })}
      />
      <ConfirmDialog
        open={asking === 'delete'}
        title={`Delete ${blueprint.name}?`}
        description="It is removed for good, with its access rules, policies and credentials. Only a blueprint no workspace was made from can be deleted; otherwise archive it."
        confirmLabel="Delete blueprint"
        destructive
        loading={lifecycle.isPending}
        error={lifecycle.error}
        onClose={close}
        onConfirm={() => lifecycle.mutate({ kind: 'delete' }, { onSuccess: () => { close(); void navigate({ to: '/admin/blueprints' }); } })}
      />
      <DuplicateDialog
        blueprint={blueprint}
        open={asking === 'duplicate'}
        pending={lifecycle.isPending}
        error={lifecycle.error}
        onClose={close}
        onDuplicate={(name) => lifecycle.mutate({ kind: 'duplicate', name }, {
          onSuccess: (copy) => {
            close();
            if (copy) void navigate({ to: '/admin/blueprints/$blueprintId', params: { blueprintId: copy.id } });
          },
        })}
      />
    </Section>
  );
}

function DuplicateDialog({ blueprint, open, pending, error, onClose, onDuplicate }: {
  blueprint: Blueprint; open: boolean; pending: boolean; error: unknown; onClose: () => void; onDuplicate: (name: string) => void;
}) {
  const [name, setName] = useState(`${blueprint.name} copy`);
  const [checked, setChecked] = useState<string | null>(null);
  const nameError = checked ?? fieldErrors(error).fields.name ?? null;

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const parsed = duplicateBlueprintRequestSchema.safeParse({ name });
    setChecked(parsed.success ? null : issueFields(parsed.error.issues).name ?? 'Not a valid name');
    if (parsed.success) onDuplicate(parsed.data.name);
  };

  return (
    <Dialog open={open} onClose={onClose} busy={pending} title={`Duplicate ${blueprint.name}`}
      description="A new blueprint with the same setup, access rules, policies and publishing settings.">
      <form onSubmit={onSubmit} className="space-y-5" noValidate>
        {error != null && !fieldErrors(error).fields.name && <ErrorBanner title="Could not duplicate it" error={error} />}
        <Field id="bp-copy-name" label="Name of the copy" error={nameError}>
          <input id="bp-copy-name" autoFocus value={name} onChange={(e) => { setName(e.target.value); setChecked(null); }}
            aria-invalid={nameError ? true : undefined} className={inputClass} />
        </Field>
        <p className="rounded-md bg-zinc-50 px-3 py-2 text-sm text-zinc-600" data-testid="bp-not-copied">
          Not copied: its credentials, its provider key and its git remote. Secrets are set for one blueprint on purpose;
          add the copy's own. The copy starts disabled, so builders see it only once you enable it.
        </p>
        <div className="flex justify-end gap-2">
          <Button onClick={onClose} disabled={pending}>Cancel</Button>
          <Button type="submit" variant="primary" loading={pending} disabled={!name.trim()}>Duplicate</Button>
        </div>
      </form>
    </Dialog>
  );
}
