import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Globe } from 'lucide-react';
import type { PublishedApp } from '@paddock/protocol';
import { appsQuery, unpublishAppMutation } from '../../api/publishing';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { EmptyState } from '../../components/EmptyState';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { TBody, THead, Table, TableSkeleton, Td, Th } from '../../components/Table';
import { timeAgo } from '../../components/formatTime';
import { useConfirmDialog } from '../../components/useConfirmDialog';
import { ReadOnlyBadge } from '../../modules/admin/AdminLayout';
import { useCanManage } from '../../modules/auth/permissions';
import { AppStateBadge } from '../../modules/publishing/AppStateBadge';

/** Every published app with its owner (admins and auditors); an admin can take any down. */
export function AppsPage() {
  const canManage = useCanManage();
  const apps = useQuery(appsQuery());
  const queryClient = useQueryClient();
  const unpublish = useMutation(unpublishAppMutation(queryClient));
  const confirm = useConfirmDialog<PublishedApp, { subdomain: string }>(unpublish, (app) => ({ subdomain: app.subdomain }));

  return (
    <>
      <PageHeader title="Published apps" description="Apps builders published from their workspaces, who owns each, and what it serves." actions={canManage ? undefined : <ReadOnlyBadge />} />
      <QueryView
        query={apps}
        loading={<Card><TableSkeleton label="Loading apps" /></Card>}
        errorTitle="Could not load the apps"
        empty={<EmptyState icon={<Globe className="size-5" />} title="No apps yet" description="When a builder publishes a workspace and it is approved, it shows here." />}
      >
        {(list) => (
          <Card className="overflow-hidden">
            <Table>
              <THead>
                <Th>App</Th>
                <Th>Owner</Th>
                <Th>Who may open it</Th>
                <Th>State</Th>
                <Th>Version</Th>
                <Th>Changed</Th>
                {canManage && <Th><span className="sr-only">Actions</span></Th>}
              </THead>
              <TBody>
                {list.map((app) => (
                  <tr key={app.subdomain} data-testid={`app-row-${app.subdomain}`}>
                    <Td>{app.liveVersion ? <a className="font-mono underline underline-offset-2" href={app.url} target="_blank" rel="noreferrer">{app.subdomain}</a> : <span className="font-mono">{app.subdomain}</span>}</Td>
                    <Td>{app.ownerEmail}</Td>
                    <Td>{app.access === 'public' ? 'Anyone' : 'Everyone signed in'}</Td>
                    <Td><AppStateBadge app={app} /></Td>
                    <Td className="font-mono text-xs">{(app.liveVersion ?? app.version).slice(0, 12)}</Td>
                    <Td>{timeAgo(app.updatedAt)}</Td>
                    {canManage && (
                      <Td className="text-right">
                        <Button variant="danger" size="sm" disabled={app.state === 'unpublished'} onClick={() => confirm.ask(app)}>Unpublish</Button>
                      </Td>
                    )}
                  </tr>
                ))}
              </TBody>
            </Table>
          </Card>
        )}
      </QueryView>
      <ConfirmDialog {...confirm.dialogProps} title="Unpublish this app?" destructive confirmLabel="Unpublish"
        description={<>Nobody can open <span className="font-mono">{confirm.target?.subdomain}</span> until its builder publishes or rolls back again. Audited.</>} />
    </>
  );
}
