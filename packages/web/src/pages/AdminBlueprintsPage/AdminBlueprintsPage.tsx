import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { ChevronRight, LayoutTemplate, Lock, LockOpen, Plus } from 'lucide-react';
import { blueprintsQuery } from '../../api/blueprints';
import { createBlueprintRequestSchema } from '@paddock/protocol';
import { createBlueprintMutation } from '../../api/blueprintAdmin';
import { fieldErrors, issueFields } from '../../api/fieldErrors';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { Dialog } from '../../components/Dialog';
import { EmptyState } from '../../components/EmptyState';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field, inputClass, textareaClass } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { TBody, THead, Table, TableSkeleton, Td, Th } from '../../components/Table';
import { formatDateTime, timeAgo } from '../../components/formatTime';
import { ReadOnlyBadge } from '../../modules/admin/AdminLayout';
import { BlueprintStateBadge } from '../../modules/blueprints/BlueprintStateBadge';
import { useCanManage } from '../../modules/auth/permissions';

export function AdminBlueprintsPage() {
  const blueprints = useQuery(blueprintsQuery());
  const canManage = useCanManage();
  const [creating, setCreating] = useState(false);

  return (
    <>
      <PageHeader
        title="Blueprints"
        description="Every blueprint, who may use it, and the credentials its workspaces get."
        actions={
          canManage ? (
            <Button variant="primary" icon={<Plus className="size-4" aria-hidden />} onClick={() => setCreating(true)}>
              New blueprint
            </Button>
          ) : (
            <ReadOnlyBadge />
          )
        }
      />
      <QueryView
        query={blueprints}
        loading={
          <Card>
            <TableSkeleton label="Loading blueprints" />
          </Card>
        }
        errorTitle="Could not load blueprints"
        empty={
          <EmptyState
            icon={<LayoutTemplate className="size-5" />}
            title="No blueprints yet"
            description="A blueprint is a starting point builders create workspaces from."
            action={
              canManage && (
                <Button variant="primary" icon={<Plus className="size-4" aria-hidden />} onClick={() => setCreating(true)}>
                  New blueprint
                </Button>
              )
            }
          />
        }
      >
        {(list) => (
          <Card className="overflow-hidden">
            <Table>
              <THead>
                <Th>Name</Th>
                <Th>Access</Th>
                <Th className="hidden md:table-cell">Updated</Th>
                <Th>
                  <span className="sr-only">Open</span>
                </Th>
              </THead>
              <TBody>
                {[...list]
                  .sort((a, b) => a.name.localeCompare(b.name))
                  .map((blueprint) => (
                    <tr key={blueprint.id} data-testid="admin-blueprint-row" className="group relative hover:bg-zinc-50/70">
                      <Td>
                        <Link
                          to="/admin/blueprints/$blueprintId"
                          params={{ blueprintId: blueprint.id }}
                          className="font-medium text-zinc-900 after:absolute after:inset-0 hover:underline focus-visible:outline-2 focus-visible:outline-blue-600"
                        >
                          {blueprint.name}
                        </Link>
                        <p className="max-w-md truncate text-xs text-zinc-500">{blueprint.description || 'No description.'}</p>
                      </Td>
                      <Td>
                        <span className="flex flex-wrap items-center gap-1.5">
                          <AccessBadge access={blueprint.access} />
                          <BlueprintStateBadge blueprint={blueprint} />
                        </span>
                      </Td>
                      <Td className="hidden whitespace-nowrap text-zinc-500 md:table-cell">
                        <span title={formatDateTime(blueprint.updatedAt)}>{timeAgo(blueprint.updatedAt)}</span>
                      </Td>
                      <Td className="w-8 text-zinc-400">
                        <ChevronRight className="size-4 transition-transform group-hover:translate-x-0.5" aria-hidden />
                      </Td>
                    </tr>
                  ))}
              </TBody>
            </Table>
          </Card>
        )}
      </QueryView>
      {canManage && <CreateBlueprintDialog open={creating} onClose={() => setCreating(false)} />}
    </>
  );
}

export function AccessBadge({ access }: { access: 'open' | 'restricted' }) {
  return access === 'restricted' ? (
    <Badge tone="warning" icon={<Lock className="size-3" aria-hidden />}>
      Restricted
    </Badge>
  ) : (
    <Badge tone="success" icon={<LockOpen className="size-3" aria-hidden />}>
      Open to everyone
    </Badge>
  );
}

function CreateBlueprintDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation(createBlueprintMutation(queryClient));
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [showChecks, setShowChecks] = useState(false);

  const close = () => {
    onClose();
    setName('');
    setShowChecks(false);
    setDescription('');
    create.reset();
  };

  // Checked here with the API's own schema: a name too long is refused with a message, never cut.
  const checked = createBlueprintRequestSchema.safeParse({ name: name.trim(), description: description.trim() });
  const nameError = (showChecks && !checked.success ? issueFields(checked.error.issues).name : undefined) ?? fieldErrors(create.error).fields.name ?? null;

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setShowChecks(true);
    if (!checked.success) return;
    create.mutate(
      { name: name.trim(), description: description.trim() },
      {
        onSuccess: (blueprint) => {
          close();
          void navigate({ to: '/admin/blueprints/$blueprintId', params: { blueprintId: blueprint.id } });
        },
      },
    );
  };

  return (
    <Dialog
      open={open}
      onClose={close}
      busy={create.isPending}
      title="New blueprint"
      description="It starts open to everyone; restrict it and add credentials next."
    >
      <form onSubmit={onSubmit} className="space-y-5" noValidate>
        {create.isError && !fieldErrors(create.error).fields.name && <ErrorBanner title="Could not create the blueprint" error={create.error} />}
        <Field id="blueprint-name" label="Name" hint="Up to 64 characters." error={nameError}>
          <input
            id="blueprint-name"
            required
            autoFocus
            aria-invalid={nameError ? true : undefined}
            value={name}
            onChange={(e) => setName(e.target.value)}
            className={inputClass}
            aria-describedby="blueprint-name-hint"
          />
        </Field>
        <Field id="blueprint-description" label="Description" hint="What builders get from it. Optional.">
          <textarea
            id="blueprint-description"
            maxLength={2000}
            rows={3}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            className={textareaClass}
            aria-describedby="blueprint-description-hint"
          />
        </Field>
        <div className="flex justify-end gap-2">
          <Button onClick={close} disabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" loading={create.isPending} disabled={!name.trim()}>
            Create blueprint
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
