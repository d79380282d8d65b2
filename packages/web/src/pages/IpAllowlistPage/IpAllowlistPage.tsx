import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ShieldBan } from 'lucide-react';
import { isApiError } from '../../api/client';
import type { BlockedAttempt, IpAllowlistResponse } from '@paddock/protocol';
import { blockedAttemptsQuery, ipAllowlistQuery, putIpAllowlistMutation } from '../../api/ipAllowlist';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field, codeTextareaClass } from '../../components/Field';
import { NotAvailable } from '../../components/NotAvailable';
import { Notice } from '../../components/Notice';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { SavedNote } from '../../components/SavedNote';
import { Section } from '../../components/Section';
import { Skeleton } from '../../components/Skeleton';
import { TBody, THead, Table, TableEmpty, TableSkeleton, Td, Th } from '../../components/Table';
import { formatDateTime, timeAgo } from '../../components/formatTime';
import { ReadOnlyBadge } from '../../modules/admin/AdminLayout';
import { useCanManage } from '../../modules/auth/permissions';

export function IpAllowlistPage() {
  const canManage = useCanManage();
  const allowlist = useQuery(ipAllowlistQuery());
  const notDeployed = allowlist.isError && isApiError(allowlist.error) && allowlist.error.isNotFound;

  return (
    <>
      <PageHeader
        title="IP allowlist"
        description="Which networks may reach Paddock: the portal, the API and terminals."
        actions={canManage ? undefined : <ReadOnlyBadge />}
      />
      {notDeployed ? (
        <NotAvailable feature="The IP allowlist" />
      ) : (
        <div className="space-y-8">
          <QueryView
            query={allowlist}
            loading={
              <Section title="Allowed networks">
                <div className="space-y-3" aria-busy="true" aria-label="Loading the allowlist">
                  <Skeleton className="h-28 w-full" />
                  <Skeleton className="h-20 w-full" />
                </div>
              </Section>
            }
            errorTitle="Could not load the allowlist"
          >
            {(saved) => <AllowlistForm key={JSON.stringify(saved)} saved={saved} readOnly={!canManage} />}
          </QueryView>
          <BlockedSection />
        </div>
      )}
    </>
  );
}

const lines = (text: string) => [...new Set(text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean))];

function AllowlistForm({ saved, readOnly }: { saved: IpAllowlistResponse; readOnly: boolean }) {
  const queryClient = useQueryClient();
  const put = useMutation(putIpAllowlistMutation(queryClient));
  const [cidrs, setCidrs] = useState(saved.cidrs.join('\n'));
  const [proxies, setProxies] = useState(saved.trustedProxies.join('\n'));

  const body = { cidrs: lines(cidrs), trustedProxies: lines(proxies) };
  const dirty = JSON.stringify(body) !== JSON.stringify({ cidrs: saved.cidrs, trustedProxies: saved.trustedProxies });
  const everyone = body.cidrs.length === 0;

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (dirty) put.mutate(body);
  };

  return (
    <Section
      title="Allowed networks"
      description={saved.updatedAt ? `Last changed ${timeAgo(saved.updatedAt)}.` : undefined}
    >
      <form onSubmit={onSubmit} className="space-y-5" noValidate>
        {put.isError && (
          <ErrorBanner
            title={
              isApiError(put.error) && put.error.status === 409
                ? 'This would lock you out'
                : isApiError(put.error) && put.error.status === 400
                  ? 'An entry is not valid'
                  : 'Could not save the allowlist'
            }
            error={put.error}
          />
        )}
        {everyone ? (
          <Notice tone="warning" title="Everyone may connect">
            The list is empty, so Paddock accepts connections from any address. Add networks to restrict it.
          </Notice>
        ) : (
          <Notice title={`Only ${body.cidrs.length} ${body.cidrs.length === 1 ? 'network' : 'networks'} may connect`}>
            Connections from anywhere else are refused and logged below.
          </Notice>
        )}
        <div className="grid gap-5 md:grid-cols-2">
          <Field
            id="ip-cidrs"
            label="Allowed addresses and networks"
            hint="One a line: CIDRs or single addresses, IPv4 or IPv6, e.g. 10.0.0.0/8 or 2001:db8::/32."
          >
            <textarea
              id="ip-cidrs"
              rows={8}
              readOnly={readOnly}
              spellCheck={false}
              value={cidrs}
              onChange={(e) => setCidrs(e.target.value)}
              placeholder={'10.0.0.0/8\n192.168.1.20\n2001:db8::/32'}
              className={codeTextareaClass}
              aria-describedby="ip-cidrs-hint"
            />
          </Field>
          <Field
            id="ip-proxies"
            label="Trusted proxies"
            hint="Load balancers in front of Paddock. Only they may set X-Forwarded-For; leave empty if clients connect directly."
          >
            <textarea
              id="ip-proxies"
              rows={8}
              readOnly={readOnly}
              spellCheck={false}
              value={proxies}
              onChange={(e) => setProxies(e.target.value)}
              placeholder="10.0.0.5"
              className={codeTextareaClass}
              aria-describedby="ip-proxies-hint"
            />
          </Field>
        </div>
        {!readOnly && (
          <div className="flex items-center justify-end gap-3">
            <SavedNote show={put.isSuccess && !dirty} />
            <Button
              onClick={() => {
                setCidrs(saved.cidrs.join('\n'));
                setProxies(saved.trustedProxies.join('\n'));
              }}
              disabled={!dirty || put.isPending}
            >
              Reset
            </Button>
            <Button type="submit" variant="primary" loading={put.isPending} disabled={!dirty}>
              Save allowlist
            </Button>
          </div>
        )}
      </form>
    </Section>
  );
}

function BlockedSection() {
  const blocked = useQuery(blockedAttemptsQuery());
  const notDeployed = blocked.isError && isApiError(blocked.error) && blocked.error.isNotFound;
  if (notDeployed) return null;

  return (
    <Section flush title="Blocked attempts" description="Recent connections the allowlist refused.">
      <QueryView
        query={blocked}
        loading={<TableSkeleton rows={3} label="Loading blocked attempts" />}
        errorTitle="Could not load blocked attempts"
        errorClassName="m-4"
        empty={<TableEmpty icon={<ShieldBan className="size-5 text-zinc-400" aria-hidden />}>Nothing blocked.</TableEmpty>}
      >
        {(attempts) => <BlockedTable attempts={attempts} />}
      </QueryView>
    </Section>
  );
}

function BlockedTable({ attempts }: { attempts: BlockedAttempt[] }) {
  return (
    <Table>
      <THead>
        <Th>When</Th>
        <Th>Address</Th>
        <Th>Request</Th>
        <Th>User</Th>
      </THead>
      <TBody>
        {attempts.map((a) => (
          <tr key={a.id} data-testid="blocked-row">
            <Td className="whitespace-nowrap text-zinc-500">
              <span title={formatDateTime(a.at)}>{timeAgo(a.at)}</span>
            </Td>
            <Td className="font-mono text-[13px] text-zinc-900">{a.ip}</Td>
            <Td className="max-w-xs truncate font-mono text-[13px] text-zinc-600" title={a.path}>
              {a.method} {a.path}
            </Td>
            <Td className="text-zinc-600">{a.userEmail || <span className="text-zinc-400">Unknown</span>}</Td>
          </tr>
        ))}
      </TBody>
    </Table>
  );
}

