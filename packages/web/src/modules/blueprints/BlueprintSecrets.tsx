import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { KeyRound, Plus, Trash2 } from 'lucide-react';
import type { SecretInfo } from '@paddock/protocol';
import {
  blueprintSecretsQuery,
  deleteBlueprintSecretMutation,
  putBlueprintSecretMutation,
} from '../../api/blueprintAdmin';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useConfirmDialog } from '../../components/useConfirmDialog';
import { Dialog } from '../../components/Dialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field, inputClass, textareaClass } from '../../components/Field';
import { QueryView } from '../../components/QueryView';
import { Section } from '../../components/Section';
import { TBody, THead, Table, TableEmpty, TableSkeleton, Td, Th } from '../../components/Table';
import { formatDateTime, timeAgo } from '../../components/formatTime';
import { cn } from '../../components/cn';

const SECRET_NAME = /^[A-Z_][A-Z0-9_]{0,63}$/;

/** Blueprint credentials: write-only. The value never comes back, only a mask. */
export function BlueprintSecrets({ blueprintId }: { blueprintId: string }) {
  const secrets = useQuery(blueprintSecretsQuery(blueprintId));
  const queryClient = useQueryClient();
  const remove = useMutation(deleteBlueprintSecretMutation(queryClient, blueprintId));
  const [editing, setEditing] = useState<{ name: string | null } | null>(null);
  const deleting = useConfirmDialog(remove, (secret: SecretInfo) => secret.name);

  return (
    <Section
      flush
      title="Credentials"
      description="Given to this blueprint's workspaces as environment variables. Values are write-only: nobody can read them back here."
      actions={
        <Button size="sm" icon={<Plus className="size-3.5" aria-hidden />} onClick={() => setEditing({ name: null })}>
          Add credential
        </Button>
      }
    >
      <QueryView
        query={secrets}
        loading={<TableSkeleton rows={2} label="Loading credentials" />}
        errorTitle="Could not load the credentials"
        errorClassName="m-4"
        empty={
          <TableEmpty icon={<KeyRound className="size-5 text-zinc-400" aria-hidden />}>
            No credentials. Add API keys or tokens the workspaces need.
          </TableEmpty>
        }
      >
        {(list) => (
          <Table>
            <THead>
              <Th>Variable</Th>
              <Th>Value</Th>
              <Th className="hidden md:table-cell">Updated</Th>
              <Th className="text-right">
                <span className="sr-only">Actions</span>
              </Th>
            </THead>
            <TBody>
              {list.map((secret) => (
                <tr key={secret.name} data-testid="secret-row" className="hover:bg-zinc-50/70">
                  <Td className="font-mono text-[13px] font-medium text-zinc-900">{secret.name}</Td>
                  <Td className="font-mono text-[13px] text-zinc-500">{secret.masked}</Td>
                  <Td className="hidden whitespace-nowrap text-zinc-500 md:table-cell">
                    <span title={formatDateTime(secret.updatedAt)}>{timeAgo(secret.updatedAt)}</span>
                  </Td>
                  <Td>
                    <div className="flex justify-end gap-2">
                      <Button size="sm" onClick={() => setEditing({ name: secret.name })} aria-label={`Replace ${secret.name}`}>
                        Replace
                      </Button>
                      <Button
                        size="sm"
                        variant="danger"
                        icon={<Trash2 className="size-3.5" aria-hidden />}
                        onClick={() => deleting.ask(secret)}
                        aria-label={`Delete ${secret.name}`}
                      >
                        Delete
                      </Button>
                    </div>
                  </Td>
                </tr>
              ))}
            </TBody>
          </Table>
        )}
      </QueryView>
      <SecretDialog
        key={editing ? (editing.name ?? 'new') : 'closed'}
        blueprintId={blueprintId}
        name={editing?.name ?? null}
        open={editing !== null}
        existing={secrets.data?.map((s) => s.name) ?? []}
        onClose={() => setEditing(null)}
      />
      <ConfirmDialog
        {...deleting.dialogProps}
        title={`Delete ${deleting.target?.name ?? ''}?`}
        description="New and restarted workspaces will no longer get this variable. The value cannot be recovered."
        confirmLabel="Delete credential"
        destructive
      />
    </Section>
  );
}

function SecretDialog({
  blueprintId,
  name: fixedName,
  open,
  existing,
  onClose,
}: {
  blueprintId: string;
  /** Null to add a new one. */
  name: string | null;
  open: boolean;
  existing: string[];
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const put = useMutation(putBlueprintSecretMutation(queryClient, blueprintId));
  const [name, setName] = useState(fixedName ?? '');
  const [value, setValue] = useState('');

  const nameError =
    name && !SECRET_NAME.test(name)
      ? 'Use A–Z, 0–9 and _, not starting with a digit, at most 64 characters.'
      : !fixedName && existing.includes(name)
        ? `${name} exists already: saving replaces its value.`
        : null;
  const invalidName = !SECRET_NAME.test(name);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (invalidName || !value) return;
    put.mutate({ name, value }, { onSuccess: onClose });
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      busy={put.isPending}
      title={fixedName ? `Replace ${fixedName}` : 'Add a credential'}
      description="The value is encrypted at rest and never shown again."
    >
      <form onSubmit={onSubmit} className="space-y-5" noValidate autoComplete="off">
        {put.isError && <ErrorBanner title="Could not save the credential" error={put.error} />}
        <Field id="secret-name" label="Environment variable" error={nameError} hint="For example OPENAI_API_KEY.">
          <input
            id="secret-name"
            required
            autoFocus={!fixedName}
            readOnly={Boolean(fixedName)}
            value={name}
            spellCheck={false}
            onChange={(e) => setName(e.target.value.toUpperCase().replace(/[\s-]/g, '_'))}
            className={cn(inputClass, 'font-mono')}
            aria-invalid={Boolean(name) && invalidName}
            aria-describedby="secret-name-hint"
            placeholder="API_KEY"
          />
        </Field>
        <Field id="secret-value" label={fixedName ? 'New value' : 'Value'}>
          <textarea
            id="secret-value"
            required
            autoFocus={Boolean(fixedName)}
            rows={3}
            value={value}
            spellCheck={false}
            onChange={(e) => setValue(e.target.value)}
            className={cn(textareaClass, 'font-mono text-[13px] [-webkit-text-security:disc]')}
            data-1p-ignore
            data-lpignore="true"
          />
        </Field>
        <div className="flex justify-end gap-2">
          <Button onClick={onClose} disabled={put.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" loading={put.isPending} disabled={invalidName || !value}>
            {fixedName ? 'Replace value' : 'Save credential'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
