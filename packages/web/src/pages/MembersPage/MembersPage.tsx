import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { KeyRound, MailPlus, Search, UserCheck, UserMinus, Users, X } from 'lucide-react';
import type { CreatedInvite, CreatedPasswordReset, Invite, Role, User } from '@paddock/protocol';
import {
  createInviteMutation,
  createPasswordResetMutation,
  invitesQuery,
  reactivateUserMutation,
  removeUserMutation,
  revokeInviteMutation,
  updateUserMutation,
  usersQuery,
} from '../../api/users';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useConfirmDialog } from '../../components/useConfirmDialog';
import { Dialog } from '../../components/Dialog';
import { EmptyState } from '../../components/EmptyState';
import { Notice } from '../../components/Notice';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field, controlClass, inputClass } from '../../components/Field';
import { OneTimeSecret } from '../../components/OneTimeSecret';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { Section } from '../../components/Section';
import { Switch } from '../../components/Switch';
import { TBody, THead, Table, TableEmpty, TableSkeleton, Td, Th } from '../../components/Table';
import { formatDateTime, timeAgo } from '../../components/formatTime';
import { ReadOnlyBadge } from '../../modules/admin/AdminLayout';
import { ROLES, RoleBadge, roleLabel } from '../../modules/admin/roles';
import { useCanManage, useCurrentUser } from '../../modules/auth/permissions';

export function MembersPage() {
  const canManage = useCanManage();
  const [inviting, setInviting] = useState(false);

  return (
    <>
      <PageHeader
        title="Members"
        description="Who can sign in to Paddock, with which role."
        actions={
          canManage ? (
            <Button variant="primary" icon={<MailPlus className="size-4" aria-hidden />} onClick={() => setInviting(true)}>
              Invite member
            </Button>
          ) : (
            <ReadOnlyBadge />
          )
        }
      />
      <div className="space-y-8">
        <MembersSection />
        <InvitesSection onInvite={canManage ? () => setInviting(true) : undefined} />
      </div>
      {canManage && <InviteDialog open={inviting} onClose={() => setInviting(false)} />}
    </>
  );
}

function MembersSection() {
  const users = useQuery(usersQuery());
  const queryClient = useQueryClient();
  const me = useCurrentUser();
  const canManage = useCanManage();
  const update = useMutation(updateUserMutation(queryClient));
  const remove = useMutation(removeUserMutation(queryClient));
  const reactivate = useMutation(reactivateUserMutation(queryClient));
  const [filter, setFilter] = useState('');
  const removing = useConfirmDialog(remove, (user: User) => user.id);
  const reactivating = useConfirmDialog(reactivate, (user: User) => user.id);
  const [resetting, setResetting] = useState<User | null>(null);
  const [selfDemotion, setSelfDemotion] = useState<Role | null>(null);
  const [error, setError] = useState<{ title: string; error: unknown } | null>(null);

  const changeRole = (user: User, role: Role) => {
    setError(null);
    update.mutate(
      { id: user.id, role },
      { onError: (e) => setError({ title: `Could not change ${user.email}'s role`, error: e }) },
    );
  };
  const changeTrusted = (user: User, trusted: boolean) => {
    setError(null);
    update.mutate(
      { id: user.id, trusted },
      { onError: (e) => setError({ title: `Could not change ${user.email}`, error: e }) },
    );
  };

  const query = filter.trim().toLowerCase();
  const matching = (all: User[]) => all
    .filter((u) => !query || u.email.toLowerCase().includes(query) || u.name.toLowerCase().includes(query))
    .sort((a, b) => Number(b.active) - Number(a.active) || a.email.localeCompare(b.email));
  const busyId = update.isPending ? update.variables?.id : undefined;

  return (
    <Section
      flush
      title="People"
      description={users.data ? `${users.data.filter((u) => u.active).length} active` : undefined}
      actions={
        <div className="relative">
          <Search className="pointer-events-none absolute top-2.5 left-2.5 size-4 text-zinc-400" aria-hidden />
          <input
            type="search"
            aria-label="Filter members"
            placeholder="Name or email"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            className={`${controlClass} w-60 pl-8`}
          />
        </div>
      }
    >
      {error && (
        <ErrorBanner
          className="m-4"
          title={error.title}
          error={error.error}
          action={
            <button type="button" aria-label="Dismiss" onClick={() => setError(null)} className="text-red-600 hover:text-red-800">
              <X className="size-4" aria-hidden />
            </button>
          }
        />
      )}
      <QueryView
        query={users}
        loading={<TableSkeleton label="Loading members" />}
        errorTitle="Could not load members"
        errorClassName="m-4"
        empty={<EmptyState className="m-4" icon={<Users className="size-5" />} title="No members yet" />}
      >
        {(all) => {
          const list = matching(all);
          if (list.length === 0) return <TableEmpty>No member matches “{filter}”.</TableEmpty>;
          return (
            <Table>
              <THead>
                <Th>Member</Th>
                <Th>Role</Th>
                <Th title="Trusted builders publish without waiting for approval">Trusted</Th>
                <Th className="hidden lg:table-cell">Source</Th>
                <Th>Last sign-in</Th>
                <Th className="text-right">
                  <span className="sr-only">Actions</span>
                </Th>
              </THead>
              <TBody>
                {list.map((user) => {
                  const isMe = user.id === me?.id;
                  const editable = canManage && user.active;
                  return (
                    <tr key={user.id} data-testid="member-row" className={user.active ? 'hover:bg-zinc-50/70' : 'bg-zinc-50/50 text-zinc-400'}>
                      <Td>
                        <div className="flex items-center gap-2">
                          <span className={user.active ? 'font-medium text-zinc-900' : 'font-medium text-zinc-500'}>
                            {user.name || user.email}
                          </span>
                          {isMe && <Badge tone="info">You</Badge>}
                          {!user.active && (
                            <Badge
                              tone="danger"
                              title={user.deactivatedBy === 'scim' ? 'Deactivated by your identity provider (SCIM)' : 'Removed by an admin'}
                            >
                              Deactivated
                            </Badge>
                          )}
                        </div>
                        {user.name && <p className="text-xs text-zinc-500">{user.email}</p>}
                        {user.deactivatedBy === 'scim' && (
                          <p className="text-xs text-zinc-500" data-testid="deactivated-by-provider">
                            Deactivated by your identity provider: only it can bring them back (reactivate them there).
                          </p>
                        )}
                      </Td>
                      <Td>
                        {editable ? (
                          <select
                            aria-label={`Role of ${user.email}`}
                            value={user.role}
                            disabled={busyId === user.id}
                            onChange={(e) => {
                              const role = e.target.value as Role;
                              if (isMe && role !== 'admin') setSelfDemotion(role);
                              else changeRole(user, role);
                            }}
                            className={`${controlClass} h-8 w-32 pr-8`}
                          >
                            {ROLES.map((r) => (
                              <option key={r.value} value={r.value}>
                                {r.label}
                              </option>
                            ))}
                          </select>
                        ) : (
                          <RoleBadge role={user.role} />
                        )}
                      </Td>
                      <Td>
                        {editable ? (
                          <Switch
                            checked={user.trusted}
                            disabled={busyId === user.id}
                            onChange={(trusted) => changeTrusted(user, trusted)}
                            label={`${user.email} is trusted`}
                            hideLabel
                          />
                        ) : user.trusted ? (
                          <Badge tone="success">Trusted</Badge>
                        ) : (
                          <span className="text-zinc-400">—</span>
                        )}
                      </Td>
                      <Td className="hidden text-zinc-500 capitalize lg:table-cell">{user.source}</Td>
                      <Td className="whitespace-nowrap text-zinc-500">
                        {user.lastLoginAt ? (
                          <span title={formatDateTime(user.lastLoginAt)}>{timeAgo(user.lastLoginAt)}</span>
                        ) : (
                          <span className="text-zinc-400">Never</span>
                        )}
                      </Td>
                      <Td>
                        <div className="flex justify-end gap-2">
                          {editable && !isMe && user.hasPassword && (
                            <Button
                              size="sm"
                              icon={<KeyRound className="size-3.5" aria-hidden />}
                              onClick={() => setResetting(user)}
                              aria-label={`Reset the password of ${user.email}`}
                            >
                              Reset password
                            </Button>
                          )}
                          {editable && !isMe && (
                            <Button
                              size="sm"
                              variant="danger"
                              icon={<UserMinus className="size-3.5" aria-hidden />}
                              onClick={() => removing.ask(user)}
                              aria-label={`Remove ${user.email}`}
                            >
                              Remove
                            </Button>
                          )}
                          {canManage && !user.active && user.deactivatedBy === 'admin' && (
                            <Button
                              size="sm"
                              icon={<UserCheck className="size-3.5" aria-hidden />}
                              onClick={() => reactivating.ask(user)}
                              aria-label={`Reactivate ${user.email}`}
                            >
                              Reactivate
                            </Button>
                          )}
                        </div>
                      </Td>
                    </tr>
                  );
                })}
              </TBody>
            </Table>
          );
        }}
      </QueryView>
      <ConfirmDialog
        {...removing.dialogProps}
        title={`Remove ${removing.target?.email ?? ''}?`}
        description="Their account is deactivated at once: every session ends, their API tokens are revoked and their workspaces stop. Their files and audit history are kept."
        confirmLabel="Remove member"
        destructive
      />
      <ConfirmDialog
        {...reactivating.dialogProps}
        title={`Reactivate ${reactivating.target?.email ?? ''}?`}
        description={`They can sign in again as before, as ${reactivating.target ? roleLabel(reactivating.target.role).toLowerCase() : ''}, with their password or single sign-on. The sessions and API tokens revoked when they were removed stay revoked, and their workspaces stay stopped until they start them.`}
        confirmLabel="Reactivate member"
      />
      <ResetPasswordDialog user={resetting} onClose={() => setResetting(null)} />
      <ConfirmDialog
        open={selfDemotion !== null}
        title="Give up your admin role?"
        description={`You will become ${selfDemotion ? roleLabel(selfDemotion).toLowerCase() : ''} and lose the ability to manage Paddock. Another admin would have to give it back.`}
        confirmLabel="Change my role"
        destructive
        onClose={() => setSelfDemotion(null)}
        onConfirm={() => {
          if (me && selfDemotion) changeRole(me, selfDemotion);
          setSelfDemotion(null);
        }}
      />
    </Section>
  );
}

function InvitesSection({ onInvite }: { onInvite?: () => void }) {
  const invites = useQuery(invitesQuery());
  const queryClient = useQueryClient();
  const canManage = useCanManage();
  const revoke = useMutation(revokeInviteMutation(queryClient));
  const revoking = useConfirmDialog(revoke, (invite: Invite) => invite.id);

  return (
    <Section flush title="Pending invites" description="Invite links work once and expire after 7 days.">
      <QueryView
        query={invites}
        loading={<TableSkeleton rows={2} label="Loading invites" />}
        errorTitle="Could not load invites"
        errorClassName="m-4"
        empty={
          <TableEmpty
            action={
              onInvite && (
                <Button size="sm" icon={<MailPlus className="size-3.5" aria-hidden />} onClick={onInvite}>
                  Invite member
                </Button>
              )
            }
          >
            No pending invites.
          </TableEmpty>
        }
      >
        {(list) => (
          <Table>
            <THead>
              <Th>Email</Th>
              <Th>Role</Th>
              <Th className="hidden md:table-cell">Invited by</Th>
              <Th>Expires</Th>
              <Th className="text-right">
                <span className="sr-only">Actions</span>
              </Th>
            </THead>
            <TBody>
              {list.map((invite) => (
                <tr key={invite.id} data-testid="invite-row" className="hover:bg-zinc-50/70">
                  <Td className="font-medium text-zinc-900">
                    <div className="flex items-center gap-2">
                      {invite.email}
                      {invite.reactivates && (
                        <Badge tone="info" title="A removed member: accepting reactivates their account">
                          Returning member
                        </Badge>
                      )}
                    </div>
                  </Td>
                  <Td>
                    <RoleBadge role={invite.role} />
                  </Td>
                  <Td className="hidden text-zinc-500 md:table-cell">{invite.invitedBy ?? '—'}</Td>
                  <Td className="whitespace-nowrap text-zinc-500">
                    <span title={formatDateTime(invite.expiresAt)}>{timeAgo(invite.expiresAt)}</span>
                  </Td>
                  <Td>
                    <div className="flex justify-end">
                      {canManage && (
                        <Button
                          size="sm"
                          variant="danger"
                          onClick={() => revoking.ask(invite)}
                          aria-label={`Revoke the invite for ${invite.email}`}
                        >
                          Revoke
                        </Button>
                      )}
                    </div>
                  </Td>
                </tr>
              ))}
            </TBody>
          </Table>
        )}
      </QueryView>
      <ConfirmDialog
        {...revoking.dialogProps}
        title="Revoke this invite?"
        description={<>The link sent to {revoking.target?.email} stops working. You can invite them again later.</>}
        confirmLabel="Revoke invite"
        destructive
      />
    </Section>
  );
}

function InviteDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const create = useMutation(createInviteMutation(queryClient));
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('builder');
  const [created, setCreated] = useState<CreatedInvite | null>(null);

  const close = () => {
    onClose();
    setEmail('');
    setRole('builder');
    setCreated(null);
    create.reset();
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    create.mutate({ email: email.trim(), role }, { onSuccess: setCreated });
  };

  return (
    <Dialog
      open={open}
      onClose={close}
      busy={create.isPending}
      title={created ? 'Invite link ready' : 'Invite a member'}
      description={created ? undefined : 'They get a link to choose a name and password. Nothing is emailed: send the link yourself.'}
    >
      {created ? (
        <div className="space-y-5">
          <p className="text-sm text-zinc-600">
            Send this link to <span className="font-medium text-zinc-900">{created.email}</span>. They join as{' '}
            <span className="font-medium text-zinc-900">{roleLabel(created.role).toLowerCase()}</span>.
          </p>
          {created.reactivates && (
            <Notice title="A returning member">
              {created.email} was removed earlier. Accepting reactivates the same account, as{' '}
              {roleLabel(created.role).toLowerCase()} and not trusted, with the name and password they choose. Their workspaces
              and files are kept, stopped until they start them.
            </Notice>
          )}
          <OneTimeSecret id="invite-url" label="Invite link" value={created.url}>
            <p>
              It works once, and expires in 7 days ({formatDateTime(created.expiresAt)}). Anyone with the link can use
              it, so send it privately.
            </p>
          </OneTimeSecret>
          <div className="flex justify-end">
            <Button variant="primary" onClick={close}>
              Done
            </Button>
          </div>
        </div>
      ) : (
        <form onSubmit={onSubmit} className="space-y-5" noValidate>
          {create.isError && <ErrorBanner title="Could not create the invite" error={create.error} />}
          <Field id="invite-email" label="Email">
            <input
              id="invite-email"
              type="email"
              autoComplete="off"
              required
              autoFocus
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              placeholder="name@company.com"
              className={inputClass}
            />
          </Field>
          <fieldset>
            <legend className="mb-1.5 text-sm font-medium text-zinc-700">Role</legend>
            <div className="space-y-2">
              {ROLES.map((r) => (
                <label
                  key={r.value}
                  className="flex cursor-pointer items-start gap-3 rounded-md border border-zinc-200 px-3 py-2 has-[:checked]:border-zinc-900 has-[:checked]:bg-zinc-50"
                >
                  <input
                    type="radio"
                    name="invite-role"
                    value={r.value}
                    checked={role === r.value}
                    onChange={() => setRole(r.value)}
                    className="mt-0.5 accent-zinc-900"
                  />
                  <span>
                    <span className="block text-sm font-medium text-zinc-900">{r.label}</span>
                    <span className="block text-xs text-zinc-500">{r.description}</span>
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
          <div className="flex justify-end gap-2">
            <Button onClick={close} disabled={create.isPending}>
              Cancel
            </Button>
            <Button type="submit" variant="primary" loading={create.isPending} disabled={!email.trim().includes('@')}>
              Create invite link
            </Button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

/** An admin's password reset link for a member: confirm, then the link, shown once. */
function ResetPasswordDialog({ user, onClose }: { user: User | null; onClose: () => void }) {
  const create = useMutation(createPasswordResetMutation());
  const [created, setCreated] = useState<CreatedPasswordReset | null>(null);
  const [email, setEmail] = useState('');
  if (user && user.email !== email) setEmail(user.email);

  const close = () => {
    onClose();
    setCreated(null);
    create.reset();
  };

  return (
    <Dialog
      open={user !== null}
      onClose={close}
      busy={create.isPending}
      title={created ? 'Reset link ready' : `Reset the password of ${email}?`}
      description={
        created
          ? undefined
          : 'You get a link to send them: it lets whoever opens it choose a new password. Their current password keeps working until the link is used.'
      }
    >
      {created ? (
        <div className="space-y-5">
          <p className="text-sm text-zinc-600">
            Send this link to <span className="font-medium text-zinc-900">{email}</span>.
          </p>
          <OneTimeSecret id="reset-url" label="Password reset link" value={created.url}>
            <p>
              It works once, and expires in 24 hours ({formatDateTime(created.expiresAt)}). Using it signs them out
              everywhere; their API tokens keep working. Anyone with the link can use it, so send it privately.
            </p>
          </OneTimeSecret>
          <div className="flex justify-end">
            <Button variant="primary" onClick={close}>
              Done
            </Button>
          </div>
        </div>
      ) : (
        <div className="space-y-5">
          {create.isError && <ErrorBanner title="Could not create the reset link" error={create.error} />}
          <div className="flex justify-end gap-2">
            <Button onClick={close} disabled={create.isPending}>
              Cancel
            </Button>
            <Button
              variant="primary"
              loading={create.isPending}
              onClick={() => user && create.mutate(user.id, { onSuccess: setCreated })}
            >
              Create reset link
            </Button>
          </div>
        </div>
      )}
    </Dialog>
  );
}
