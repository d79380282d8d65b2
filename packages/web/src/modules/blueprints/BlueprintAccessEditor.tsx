import { useEffect, useId, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Lock, LockOpen, Plus, X } from 'lucide-react';
import type { BlueprintAccess, BlueprintAccessRule, User } from '@paddock/protocol';
import { blueprintAccessQuery, putBlueprintAccessMutation } from '../../api/blueprintAdmin';
import { usersQuery } from '../../api/users';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { controlClass } from '../../components/Field';
import { Notice } from '../../components/Notice';
import { QueryView } from '../../components/QueryView';
import { SavedNote } from '../../components/SavedNote';
import { Section } from '../../components/Section';
import { Skeleton } from '../../components/Skeleton';
import { cn } from '../../components/cn';
import { ROLES, roleLabel } from '../admin/roles';

type Kind = BlueprintAccessRule['kind'];

const KINDS: ReadonlyArray<{ value: Kind; label: string; placeholder?: string }> = [
  { value: 'email', label: 'Email', placeholder: 'person@company.com' },
  { value: 'domain', label: 'Email domain', placeholder: 'company.com' },
  { value: 'role', label: 'Role' },
  { value: 'group', label: 'Group', placeholder: 'Group name, from SCIM or SSO' },
  { value: 'user', label: 'Member' },
];

interface DraftRule {
  key: number;
  kind: Kind;
  value: string;
}

interface Draft {
  access: BlueprintAccess['access'];
  rules: DraftRule[];
}

let nextKey = 1;
const toDraft = (access: BlueprintAccess): Draft => ({
  access: access.access,
  rules: access.rules.map((r) => ({ key: nextKey++, kind: r.kind, value: r.value })),
});
const toBody = (draft: Draft): BlueprintAccess => ({
  access: draft.access,
  rules: draft.rules.map((r) => ({ kind: r.kind, value: r.value.trim().toLowerCase() })),
});
const sameAccess = (a: BlueprintAccess, b: BlueprintAccess) =>
  a.access === b.access &&
  JSON.stringify([...a.rules].map((r) => `${r.kind}:${r.value}`).sort()) ===
    JSON.stringify([...b.rules].map((r) => `${r.kind}:${r.value}`).sort());

export function BlueprintAccessEditor({ blueprintId, readOnly }: { blueprintId: string; readOnly: boolean }) {
  const access = useQuery(blueprintAccessQuery(blueprintId));
  const users = useQuery(usersQuery());

  return (
    <Section
      title="Access"
      description="Open blueprints are in everyone's catalog. Restricted ones only for the people matching a rule, and admins."
    >
      <QueryView
        query={access}
        loading={
          <div className="space-y-3" aria-busy="true" aria-label="Loading access rules">
            <Skeleton className="h-16 w-full" />
            <Skeleton className="h-9 w-full" />
          </div>
        }
        errorTitle="Could not load the access rules"
      >
        {(saved) =>
          readOnly ? (
            <AccessSummary access={saved} users={users.data ?? []} />
          ) : (
            <AccessForm blueprintId={blueprintId} saved={saved} users={users.data ?? []} />
          )
        }
      </QueryView>
    </Section>
  );
}

function AccessSummary({ access, users }: { access: BlueprintAccess; users: User[] }) {
  return (
    <div className="space-y-4">
      <p className="flex items-center gap-2 text-sm text-zinc-700">
        {access.access === 'open' ? <LockOpen className="size-4 text-emerald-600" aria-hidden /> : <Lock className="size-4 text-amber-600" aria-hidden />}
        {access.access === 'open' ? 'Open to everyone.' : 'Restricted to the people matching any rule below, and admins.'}
      </p>
      {access.access === 'restricted' &&
        (access.rules.length === 0 ? (
          <p className="text-sm text-zinc-500">No rules: only admins can use it.</p>
        ) : (
          <ul className="divide-y divide-zinc-100 rounded-md border border-zinc-200">
            {access.rules.map((rule) => (
              <li key={`${rule.kind}:${rule.value}`} className="flex gap-4 px-3 py-2 text-sm">
                <span className="w-28 shrink-0 text-zinc-500">{KINDS.find((k) => k.value === rule.kind)?.label ?? rule.kind}</span>
                <span className="font-medium text-zinc-900">{describeValue(rule, users)}</span>
              </li>
            ))}
          </ul>
        ))}
    </div>
  );
}

function describeValue(rule: BlueprintAccessRule, users: User[]): string {
  if (rule.kind === 'role') return roleLabel(rule.value);
  if (rule.kind === 'user') {
    const user = users.find((u) => u.id.toLowerCase() === rule.value);
    return user ? `${user.name || user.email} (${user.email})` : `Unknown member (${rule.value})`;
  }
  return rule.value;
}

function AccessForm({ blueprintId, saved, users }: { blueprintId: string; saved: BlueprintAccess; users: User[] }) {
  const queryClient = useQueryClient();
  const put = useMutation(putBlueprintAccessMutation(queryClient, blueprintId));
  const [draft, setDraft] = useState<Draft>(() => toDraft(saved));
  const radioName = useId();

  // When someone else saves (or our save returns), start again from the server's version.
  useEffect(() => {
    setDraft((current) => (sameAccess(toBody(current), saved) ? current : toDraft(saved)));
  }, [saved]);

  const body = toBody(draft);
  const dirty = !sameAccess(body, saved);
  const hasEmpty = draft.rules.some((r) => !r.value.trim());

  const setRule = (key: number, patch: Partial<DraftRule>) =>
    setDraft((d) => ({ ...d, rules: d.rules.map((r) => (r.key === key ? { ...r, ...patch } : r)) }));
  const removeRule = (key: number) => setDraft((d) => ({ ...d, rules: d.rules.filter((r) => r.key !== key) }));
  const addRule = () => setDraft((d) => ({ ...d, rules: [...d.rules, { key: nextKey++, kind: 'email', value: '' }] }));

  const activeUsers = users.filter((u) => u.active).sort((a, b) => a.email.localeCompare(b.email));

  return (
    <form
      className="space-y-5"
      onSubmit={(event) => {
        event.preventDefault();
        if (dirty && !hasEmpty) put.mutate(body);
      }}
    >
      {put.isError && <ErrorBanner title="Could not save the access rules" error={put.error} />}
      <fieldset>
        <legend className="sr-only">Who may use this blueprint</legend>
        <div className="grid gap-3 sm:grid-cols-2">
          {(['open', 'restricted'] as const).map((mode) => (
            <label
              key={mode}
              className="flex cursor-pointer items-start gap-3 rounded-lg border border-zinc-200 p-3 has-[:checked]:border-zinc-900 has-[:checked]:bg-zinc-50 has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-blue-600"
            >
              <input
                type="radio"
                name={radioName}
                value={mode}
                checked={draft.access === mode}
                onChange={() => setDraft((d) => ({ ...d, access: mode }))}
                className="mt-1 accent-zinc-900"
              />
              <span>
                <span className="flex items-center gap-1.5 text-sm font-medium text-zinc-900">
                  {mode === 'open' ? <LockOpen className="size-3.5" aria-hidden /> : <Lock className="size-3.5" aria-hidden />}
                  {mode === 'open' ? 'Open' : 'Restricted'}
                </span>
                <span className="block text-xs text-zinc-500">
                  {mode === 'open' ? 'Everyone who can sign in may use it.' : 'Only people matching a rule below (and admins).'}
                </span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>

      <div className={cn('space-y-2', draft.access === 'open' && 'opacity-60')}>
        <div className="flex items-center justify-between">
          <h3 className="text-sm font-medium text-zinc-700">Rules</h3>
          <span className="text-xs text-zinc-500">A person matching any rule may use it.</span>
        </div>
        {draft.access === 'open' && draft.rules.length > 0 && (
          <p className="text-xs text-zinc-500">These rules are kept but not applied while the blueprint is open.</p>
        )}
        {draft.rules.length === 0 ? (
          <p className="rounded-md border border-dashed border-zinc-300 px-3 py-4 text-center text-sm text-zinc-500">
            No rules yet.
          </p>
        ) : (
          <ul className="space-y-2">
            {draft.rules.map((rule, index) => (
              <li key={rule.key} className="flex items-center gap-2" data-testid="access-rule">
                <select
                  aria-label={`Rule ${index + 1} kind`}
                  value={rule.kind}
                  onChange={(e) => {
                    const kind = e.target.value as Kind;
                    setRule(rule.key, { kind, value: kind === 'role' ? 'builder' : '' });
                  }}
                  className={cn(controlClass, 'w-40 shrink-0 pr-8')}
                >
                  {KINDS.map((k) => (
                    <option key={k.value} value={k.value}>
                      {k.label}
                    </option>
                  ))}
                </select>
                <RuleValue
                  rule={rule}
                  index={index}
                  users={activeUsers}
                  onChange={(value) => setRule(rule.key, { value })}
                />
                <Button
                  variant="ghost"
                  size="sm"
                  className="px-2"
                  onClick={() => removeRule(rule.key)}
                  aria-label={`Remove rule ${index + 1}`}
                  icon={<X className="size-4" aria-hidden />}
                />
              </li>
            ))}
          </ul>
        )}
        <Button size="sm" icon={<Plus className="size-3.5" aria-hidden />} onClick={addRule}>
          Add rule
        </Button>
      </div>

      {draft.access === 'restricted' && draft.rules.length === 0 && (
        <Notice tone="warning">With no rules, a restricted blueprint is for admins only.</Notice>
      )}

      <div className="flex items-center justify-end gap-3">
        {hasEmpty && <span className="text-xs text-red-600">Fill in or remove the empty rules.</span>}
        <SavedNote show={put.isSuccess && !dirty} />
        <Button onClick={() => setDraft(toDraft(saved))} disabled={!dirty || put.isPending}>
          Reset
        </Button>
        <Button type="submit" variant="primary" loading={put.isPending} disabled={!dirty || hasEmpty}>
          Save access
        </Button>
      </div>
    </form>
  );
}

function RuleValue({
  rule,
  index,
  users,
  onChange,
}: {
  rule: DraftRule;
  index: number;
  users: User[];
  onChange: (value: string) => void;
}) {
  const label = `Rule ${index + 1} value`;
  if (rule.kind === 'role') {
    return (
      <select aria-label={label} value={rule.value} onChange={(e) => onChange(e.target.value)} className={cn(controlClass, 'min-w-0 flex-1 pr-8')}>
        {ROLES.map((r) => (
          <option key={r.value} value={r.value}>
            {r.label}
          </option>
        ))}
      </select>
    );
  }
  if (rule.kind === 'user') {
    const known = users.some((u) => u.id.toLowerCase() === rule.value.toLowerCase());
    return (
      <select aria-label={label} value={rule.value.toLowerCase()} onChange={(e) => onChange(e.target.value)} className={cn(controlClass, 'min-w-0 flex-1 pr-8')}>
        <option value="">Choose a member…</option>
        {rule.value && !known && <option value={rule.value}>Unknown member ({rule.value})</option>}
        {users.map((u) => (
          <option key={u.id} value={u.id.toLowerCase()}>
            {u.name ? `${u.name} (${u.email})` : u.email}
          </option>
        ))}
      </select>
    );
  }
  return (
    <input
      aria-label={label}
      type={rule.kind === 'email' ? 'email' : 'text'}
      value={rule.value}
      placeholder={KINDS.find((k) => k.value === rule.kind)?.placeholder}
      onChange={(e) => onChange(e.target.value)}
      className={cn(controlClass, 'min-w-0 flex-1')}
    />
  );
}
