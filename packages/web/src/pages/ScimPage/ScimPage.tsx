import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { KeyRound } from 'lucide-react';
import { isApiError } from '../../api/client';
import { createScimToken } from '../../api/sso';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { CopyField } from '../../components/CopyButton';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { NotAvailable } from '../../components/NotAvailable';
import { OneTimeSecret } from '../../components/OneTimeSecret';
import { PageHeader } from '../../components/PageHeader';
import { Section } from '../../components/Section';
import { ReadOnlyBadge } from '../../modules/admin/AdminLayout';
import { useCanManage } from '../../modules/auth/permissions';

export function ScimPage() {
  const canManage = useCanManage();
  const issue = useMutation({ mutationFn: createScimToken });
  const [confirming, setConfirming] = useState(false);
  const baseUrl = `${window.location.origin}/scim/v2`;

  return (
    <>
      <PageHeader
        title="Provisioning (SCIM)"
        description="Let your identity provider create, update and deactivate Paddock members and groups automatically."
        actions={canManage ? undefined : <ReadOnlyBadge />}
      />
      {isApiError(issue.error) && issue.error.isNotFound ? (
        <NotAvailable feature="SCIM provisioning" />
      ) : (
        <Section title="Connect your identity provider" description="Use SCIM 2.0 with a bearer token (HTTP header authentication).">
          <div className="space-y-6">
            <Field id="scim-base-url" label="SCIM base URL" hint="Paste this as the tenant or base URL in your identity provider.">
              <CopyField id="scim-base-url" label="SCIM base URL" value={baseUrl} />
            </Field>

            <div className="space-y-3">
              <p className="text-sm font-medium text-zinc-700">Bearer token</p>
              {issue.data ? (
                <OneTimeSecret id="scim-token" label="SCIM token" value={issue.data.token}>
                  <p>Paste it in your identity provider as the secret token. Any older SCIM token no longer works.</p>
                </OneTimeSecret>
              ) : (
                <p className="text-sm text-zinc-500">
                  Paddock keeps one SCIM token. {canManage ? 'Generate it here; ' : 'An admin generates it; '}
                  it is shown only once.
                </p>
              )}
              {issue.isError && <ErrorBanner title="Could not generate a token" error={issue.error} />}
              {canManage && (
                <Button
                  variant={issue.data ? 'secondary' : 'primary'}
                  icon={<KeyRound className="size-4" aria-hidden />}
                  loading={issue.isPending}
                  onClick={() => setConfirming(true)}
                >
                  {issue.data ? 'Generate another token' : 'Generate token'}
                </Button>
              )}
            </div>
          </div>
        </Section>
      )}
      <ConfirmDialog
        open={confirming}
        title="Generate a new SCIM token?"
        description="The new token replaces the previous one at once: an identity provider still using the old token stops syncing until you paste the new one."
        confirmLabel="Generate token"
        onClose={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false);
          issue.mutate();
        }}
      />
    </>
  );
}
