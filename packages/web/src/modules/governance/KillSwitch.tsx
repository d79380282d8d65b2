import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { OctagonX, Power } from 'lucide-react';
import type { Blueprint, KillSwitch, KillSwitchChange, KillSwitchState } from '@paddock/protocol';
import { blueprintsQuery } from '../../api/blueprints';
import { killSwitchQuery, putKillSwitchMutation } from '../../api/governance';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field, textareaClass } from '../../components/Field';
import { QueryView, type QueryLike } from '../../components/QueryView';
import { Section } from '../../components/Section';
import { TBody, THead, Table, TableSkeleton, Td, Th } from '../../components/Table';
import { canSeeAdmin, useCurrentUser } from '../auth/permissions';

/** Which switch a dialog is about: the org's, or one blueprint's. */
export type KillSwitchTarget = { scope: 'org' } | { scope: 'blueprint'; blueprint: Pick<Blueprint, 'id' | 'name'> };
type Target = KillSwitchTarget;

const targetName = (t: Target) => (t.scope === 'org' ? 'every workspace' : `workspaces of “${t.blueprint.name}”`);

/** The kill switches: org-wide, and one per blueprint; engaging asks for a reason and a confirmation. */
export function KillSwitchPanel({ readOnly }: { readOnly: boolean }) {
  const state = useQuery(killSwitchQuery());
  const blueprints = useQuery(blueprintsQuery());
  const [target, setTarget] = useState<{ target: Target; engage: boolean } | null>(null);
  // One table of both answers: the switches, named by the blueprints they stop.
  const both: QueryLike<{ ks: KillSwitch; blueprints: Blueprint[] }> = {
    isPending: state.isPending || blueprints.isPending,
    isError: state.isError || blueprints.isError,
    error: state.error ?? blueprints.error,
    data: state.data && blueprints.data ? { ks: state.data, blueprints: blueprints.data } : undefined,
    refetch: () => Promise.all([state.refetch(), blueprints.refetch()]),
  };

  return (
    <Section flush title="Kill switch" description="Stops all agent traffic within a second: model calls refused, streams cut, egress refused, every command denied. Builders see why.">
      <QueryView query={both} loading={<TableSkeleton rows={2} label="Loading the kill switches" />} errorTitle="Could not load the kill switches" errorClassName="m-4">
        {({ ks, blueprints: list }) => (
          <Table>
            <THead>
              <Th>Scope</Th>
              <Th>State</Th>
              <Th>Reason</Th>
              {!readOnly && <Th className="text-right">Action</Th>}
            </THead>
            <TBody>
              <SwitchRow label="Whole organisation" state={ks.org} readOnly={readOnly} onToggle={(engage) => setTarget({ target: { scope: 'org' }, engage })} />
              {list.map((bp) => (
                <SwitchRow key={bp.id} label={bp.name} state={ks.blueprints[bp.id] ?? { engaged: false }} readOnly={readOnly}
                  onToggle={(engage) => setTarget({ target: { scope: 'blueprint', blueprint: bp }, engage })} />
              ))}
            </TBody>
          </Table>
        )}
      </QueryView>
      {target && <KillSwitchDialog {...target} onClose={() => setTarget(null)} />}
    </Section>
  );
}

function SwitchRow({ label, state, readOnly, onToggle }: { label: string; state: KillSwitchState; readOnly: boolean; onToggle: (engage: boolean) => void }) {
  return (
    <tr data-testid="kill-switch-row">
      <Td className="font-medium text-zinc-900">{label}</Td>
      <Td>{state.engaged ? <Badge tone="danger">Engaged</Badge> : <Badge>Off</Badge>}</Td>
      <Td className="max-w-xs truncate text-zinc-600" title={state.reason}>{state.engaged ? state.reason || '—' : ''}</Td>
      {!readOnly && (
        <Td className="text-right">
          {state.engaged ? (
            <Button size="sm" icon={<Power className="size-4" aria-hidden />} onClick={() => onToggle(false)} aria-label={`Release the kill switch for ${label}`}>Release</Button>
          ) : (
            <Button size="sm" variant="danger" icon={<OctagonX className="size-4" aria-hidden />} onClick={() => onToggle(true)} aria-label={`Engage the kill switch for ${label}`}>Engage</Button>
          )}
        </Td>
      )}
    </tr>
  );
}

/** Engage: a reason is required (builders and the audit log read it), then a second click confirms. Release: one confirmation. Also on the admin overview's blueprint nodes. */
export function KillSwitchDialog({ target, engage, onClose }: { target: Target; engage: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const put = useMutation(putKillSwitchMutation(queryClient));
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [reasonError, setReasonError] = useState<string | null>(null);

  const change: KillSwitchChange = {
    scope: target.scope, engaged: engage,
    ...(target.scope === 'blueprint' ? { blueprintId: target.blueprint.id } : {}),
    ...(reason.trim() ? { reason: reason.trim() } : {}),
  };
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (engage && !reason.trim()) return setReasonError('Say why: builders see it, and the audit log records it.');
    if (engage && !confirming) return setConfirming(true);
    put.mutate(change, { onSuccess: onClose });
  };

  const title = engage ? `Stop the agents of ${targetName(target)}?` : `Release the kill switch for ${targetName(target)}?`;
  return (
    <Dialog open title={title} busy={put.isPending} onClose={onClose} size="md"
      description={engage
        ? 'Model calls are refused and in-flight streams cut, egress is refused, and every command is denied, until you release it.'
        : 'Agents resume under the policy within a second.'}>
      <form onSubmit={onSubmit} className="space-y-4" noValidate>
        {put.isError && <ErrorBanner title="Could not change the kill switch" error={put.error} />}
        <Field id="kill-switch-reason" label={engage ? 'Reason' : 'Note (optional)'} error={reasonError}
          hint={engage ? 'Shown to builders whose agents stop, and recorded in the audit log.' : undefined}>
          <textarea id="kill-switch-reason" rows={3} value={reason} maxLength={500} readOnly={confirming}
            aria-invalid={reasonError ? true : undefined} aria-describedby="kill-switch-reason-hint"
            onChange={(e) => { setReason(e.target.value); setReasonError(null); }} className={textareaClass} />
        </Field>
        {confirming && (
          <p className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800" role="alert">
            This stops the agents of {targetName(target)} now. Click again to confirm.
          </p>
        )}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose} disabled={put.isPending}>Cancel</Button>
          <Button type="submit" variant={engage ? 'destructive' : 'primary'} loading={put.isPending}>
            {engage ? (confirming ? 'Confirm: stop the agents' : 'Engage kill switch') : 'Release'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

/** Every engaged switch, in words; empty when none is. */
export function engagedSwitches(ks: KillSwitch, blueprints: Blueprint[] | undefined): string[] {
  const name = (id: string) => blueprints?.find((b) => b.id === id)?.name ?? id;
  return [
    ...(ks.org.engaged ? [`The org-wide kill switch is engaged${ks.org.reason ? `: ${ks.org.reason}` : ''}`] : []),
    ...Object.entries(ks.blueprints).filter(([, s]) => s.engaged)
      .map(([id, s]) => `The kill switch for “${name(id)}” is engaged${s.reason ? `: ${s.reason}` : ''}`),
  ];
}

/**
 * A banner across every page while any kill switch is engaged, for admins and
 * auditors (the switch's state is theirs to read). It is not a QueryView: no
 * switch, an error or a slow answer all show nothing, so the banner never
 * stands in a page's way.
 */
export function KillSwitchBanner() {
  const user = useCurrentUser();
  const admin = canSeeAdmin(user?.role);
  const ks = useQuery({ ...killSwitchQuery(), enabled: admin });
  const blueprints = useQuery({ ...blueprintsQuery(), enabled: admin && ks.data !== undefined });
  const lines = ks.data ? engagedSwitches(ks.data, blueprints.data) : [];
  if (!admin || lines.length === 0) return null;
  return (
    <div role="alert" data-testid="kill-switch-banner" className="border-b border-red-300 bg-red-600 text-white">
      <div className="mx-auto flex max-w-7xl items-start gap-2 px-4 py-2 text-sm sm:px-6">
        <OctagonX className="mt-0.5 size-4 shrink-0" aria-hidden />
        <div>
          {lines.map((l) => <p key={l} className="font-medium">{l}. Agents are stopped.</p>)}
        </div>
      </div>
    </div>
  );
}
