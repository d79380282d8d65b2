import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Plus, X } from 'lucide-react';
import type { PutSsoRequest, Role, SsoConfigResponse } from '@paddock/protocol';
import { isApiError } from '../../api/client';
import { authSettingsQuery, putAuthSettingsMutation, putSsoSettingsMutation, ssoSettingsQuery } from '../../api/sso';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { CopyField } from '../../components/CopyButton';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field, codeTextareaClass, controlClass, inputClass, selectClass } from '../../components/Field';
import { NotAvailable } from '../../components/NotAvailable';
import { Notice } from '../../components/Notice';
import { PageHeader } from '../../components/PageHeader';
import { SavedNote } from '../../components/SavedNote';
import { QueryView } from '../../components/QueryView';
import { Section } from '../../components/Section';
import { Skeleton } from '../../components/Skeleton';
import { Switch } from '../../components/Switch';
import { cn } from '../../components/cn';
import { ReadOnlyBadge } from '../../modules/admin/AdminLayout';
import { ROLES } from '../../modules/admin/roles';
import { useCanManage } from '../../modules/auth/permissions';

export function SsoSettingsPage() {
  const canManage = useCanManage();
  return (
    <>
      <PageHeader
        title="Sign-in & SSO"
        description="How people sign in: single sign-on through your identity provider (OpenID Connect), and local passwords."
        actions={canManage ? undefined : <ReadOnlyBadge />}
      />
      <div className="space-y-8">
        <SsoSection />
        <LocalPasswordsSection />
      </div>
    </>
  );
}

function SsoSection() {
  const sso = useQuery(ssoSettingsQuery());
  if (sso.isError && isApiError(sso.error) && sso.error.isNotFound) return <NotAvailable feature="Single sign-on" />;
  // The form is keyed so a save (or a change elsewhere) resets it to what the server holds.
  return (
    <QueryView
      query={sso}
      loading={
        <Section title="Single sign-on">
          <div className="space-y-4" aria-busy="true" aria-label="Loading SSO settings">
            <Skeleton className="h-9 w-full" />
            <Skeleton className="h-9 w-full" />
            <Skeleton className="h-9 w-2/3" />
          </div>
        </Section>
      }
      errorTitle="Could not load the SSO settings"
    >
      {(data) => <SsoForm key={JSON.stringify(data)} data={data} />}
    </QueryView>
  );
}

interface MappingDraft {
  key: number;
  value: string;
  role: Role;
}

let nextKey = 1;

function SsoForm({ data }: { data: SsoConfigResponse }) {
  const canManage = useCanManage();
  const queryClient = useQueryClient();
  const save = useMutation(putSsoSettingsMutation(queryClient));
  const fromEnvironment = data.source === 'environment';
  const readOnly = !canManage || fromEnvironment;
  const c = data.config;

  const [enabled, setEnabled] = useState(c?.enabled ?? true);
  const [name, setName] = useState(c?.name ?? 'SSO');
  const [issuer, setIssuer] = useState(c?.issuer ?? '');
  const [clientId, setClientId] = useState(c?.clientId ?? '');
  const [clientSecret, setClientSecret] = useState('');
  const [domains, setDomains] = useState((c?.allowedDomains ?? []).join('\n'));
  const [roleClaim, setRoleClaim] = useState(c?.roleClaim ?? 'groups');
  const [mappings, setMappings] = useState<MappingDraft[]>(
    (c?.roleMappings ?? []).map((m) => ({ key: nextKey++, value: m.value, role: m.role })),
  );
  const [defaultRole, setDefaultRole] = useState<Role>(c?.defaultRole ?? 'builder');
  const [syncGroups, setSyncGroups] = useState(c ? c.groupsClaim !== null : true);
  const [groupsClaim, setGroupsClaim] = useState(c?.groupsClaim ?? 'groups');

  const secretSet = Boolean(c?.clientSecret);
  const needsSecret = !secretSet && !clientSecret;
  const valid = issuer.trim() && clientId.trim() && !needsSecret && mappings.every((m) => m.value.trim());

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!valid || readOnly) return;
    const body: PutSsoRequest = {
      enabled,
      name: name.trim() || 'SSO',
      issuer: issuer.trim(),
      clientId: clientId.trim(),
      allowedDomains: splitList(domains),
      roleClaim: roleClaim.trim() || 'groups',
      roleMappings: mappings.map((m) => ({ value: m.value.trim(), role: m.role })),
      defaultRole,
      groupsClaim: syncGroups ? groupsClaim.trim() || 'groups' : null,
    };
    if (clientSecret) body.clientSecret = clientSecret;
    save.mutate(body);
  };

  return (
    <Section
      title="Single sign-on (OpenID Connect)"
      description="People from your identity provider get an account on first sign-in."
      actions={
        // Until SSO is set up there is nothing to enable: saving the first settings turns it on.
        c ? (
          <Switch
            checked={enabled}
            onChange={setEnabled}
            disabled={readOnly}
            label={enabled ? 'Enabled' : 'Disabled'}
          />
        ) : (
          <Badge tone="neutral" data-testid="sso-not-set-up">Not set up</Badge>
        )
      }
    >
      <form onSubmit={onSubmit} className="space-y-6" noValidate>
        {fromEnvironment && (
          <Notice title="Configured by the environment">
            These settings come from PADDOCK_OIDC_* environment variables on the server, which take precedence. Change
            them there.
          </Notice>
        )}
        {data.source === 'none' && canManage && (
          <Notice>Single sign-on is not set up yet. Register Paddock with your identity provider, then fill this in.</Notice>
        )}
        {save.isError && <ErrorBanner title="Could not save the SSO settings" error={save.error} />}

        {data.callbackUrl && (
          <Field id="sso-callback" label="Redirect URI" hint="Register this as the redirect (callback) URL in your identity provider.">
            <CopyField id="sso-callback" label="Redirect URI" value={data.callbackUrl} />
          </Field>
        )}

        <div className="grid gap-5 md:grid-cols-2">
          <Field id="sso-issuer" label="Issuer URL" hint="Where /.well-known/openid-configuration is found.">
            <input
              id="sso-issuer"
              type="url"
              required
              readOnly={readOnly}
              value={issuer}
              onChange={(e) => setIssuer(e.target.value)}
              placeholder="https://login.example.com/realms/company"
              className={inputClass}
              aria-describedby="sso-issuer-hint"
            />
          </Field>
          <Field id="sso-name" label="Button label" hint={`Shown on the sign-in page as "Sign in with ${name.trim() || 'SSO'}".`}>
            <input
              id="sso-name"
              readOnly={readOnly}
              maxLength={64}
              value={name}
              onChange={(e) => setName(e.target.value)}
              className={inputClass}
              aria-describedby="sso-name-hint"
            />
          </Field>
          <Field id="sso-client-id" label="Client ID">
            <input
              id="sso-client-id"
              required
              readOnly={readOnly}
              value={clientId}
              onChange={(e) => setClientId(e.target.value)}
              className={cn(inputClass, 'font-mono text-[13px]')}
              autoComplete="off"
              spellCheck={false}
            />
          </Field>
          <Field
            id="sso-client-secret"
            label="Client secret"
            hint={
              secretSet
                ? `A secret is set (${c?.clientSecret}). Leave empty to keep it; type a new one to replace it.`
                : 'Required. Stored encrypted; never shown again.'
            }
          >
            {readOnly ? (
              <input id="sso-client-secret" readOnly value={c?.clientSecret ?? 'Not set'} className={cn(inputClass, 'font-mono text-[13px]')} />
            ) : (
              <input
                id="sso-client-secret"
                type="password"
                autoComplete="new-password"
                value={clientSecret}
                onChange={(e) => setClientSecret(e.target.value)}
                placeholder={secretSet ? '•••••••• (unchanged)' : ''}
                className={inputClass}
                aria-describedby="sso-client-secret-hint"
                data-1p-ignore
                data-lpignore="true"
              />
            )}
          </Field>
        </div>

        <Field
          id="sso-domains"
          label="Allowed email domains"
          hint="One a line (or comma-separated). Empty: any account your identity provider signs in."
        >
          <textarea
            id="sso-domains"
            rows={3}
            readOnly={readOnly}
            value={domains}
            onChange={(e) => setDomains(e.target.value)}
            placeholder="example.com"
            className={codeTextareaClass}
            aria-describedby="sso-domains-hint"
          />
        </Field>

        <fieldset className="space-y-3 rounded-lg border border-zinc-200 p-4">
          <legend className="px-1 text-sm font-medium text-zinc-700">Roles</legend>
          <div className="grid gap-5 md:grid-cols-2">
            <Field id="sso-role-claim" label="Role claim" hint="The ID token claim whose values map to roles.">
              <input
                id="sso-role-claim"
                readOnly={readOnly}
                value={roleClaim}
                onChange={(e) => setRoleClaim(e.target.value)}
                className={cn(inputClass, 'font-mono text-[13px]')}
                aria-describedby="sso-role-claim-hint"
              />
            </Field>
            <Field id="sso-default-role" label="Default role" hint="For people no mapping matches.">
              <select
                id="sso-default-role"
                disabled={readOnly}
                value={defaultRole}
                onChange={(e) => setDefaultRole(e.target.value as Role)}
                className={selectClass}
                aria-describedby="sso-default-role-hint"
              >
                {ROLES.map((r) => (
                  <option key={r.value} value={r.value}>
                    {r.label}
                  </option>
                ))}
              </select>
            </Field>
          </div>
          <div className="space-y-2">
            <p className="text-sm font-medium text-zinc-700">Mappings</p>
            <p className="text-xs text-zinc-500">The first mapping whose value appears in the claim decides the role.</p>
            {mappings.length === 0 ? (
              <p className="text-sm text-zinc-500">No mappings: everyone gets the default role.</p>
            ) : (
              <ol className="space-y-2">
                {mappings.map((m, index) => (
                  <li key={m.key} className="flex items-center gap-2">
                    <input
                      aria-label={`Mapping ${index + 1} claim value`}
                      readOnly={readOnly}
                      value={m.value}
                      placeholder="paddock-admins"
                      onChange={(e) => setMappings((all) => all.map((x) => (x.key === m.key ? { ...x, value: e.target.value } : x)))}
                      className={cn(controlClass, 'min-w-0 flex-1 font-mono text-[13px]')}
                    />
                    <span className="text-sm text-zinc-400" aria-hidden>
                      →
                    </span>
                    <select
                      aria-label={`Mapping ${index + 1} role`}
                      disabled={readOnly}
                      value={m.role}
                      onChange={(e) =>
                        setMappings((all) => all.map((x) => (x.key === m.key ? { ...x, role: e.target.value as Role } : x)))
                      }
                      className={cn(controlClass, 'w-36 pr-8')}
                    >
                      {ROLES.map((r) => (
                        <option key={r.value} value={r.value}>
                          {r.label}
                        </option>
                      ))}
                    </select>
                    {!readOnly && (
                      <Button
                        variant="ghost"
                        size="sm"
                        className="px-2"
                        aria-label={`Remove mapping ${index + 1}`}
                        icon={<X className="size-4" aria-hidden />}
                        onClick={() => setMappings((all) => all.filter((x) => x.key !== m.key))}
                      />
                    )}
                  </li>
                ))}
              </ol>
            )}
            {!readOnly && (
              <Button
                size="sm"
                icon={<Plus className="size-3.5" aria-hidden />}
                onClick={() => setMappings((all) => [...all, { key: nextKey++, value: '', role: 'builder' }])}
              >
                Add mapping
              </Button>
            )}
          </div>
        </fieldset>

        <div className="space-y-3">
          <Switch
            checked={syncGroups}
            onChange={setSyncGroups}
            disabled={readOnly}
            label="Sync groups from the identity provider on every sign-in (for blueprint access rules)"
          />
          {syncGroups && (
            <Field id="sso-groups-claim" label="Groups claim" className="max-w-sm">
              <input
                id="sso-groups-claim"
                readOnly={readOnly}
                value={groupsClaim}
                onChange={(e) => setGroupsClaim(e.target.value)}
                className={cn(inputClass, 'font-mono text-[13px]')}
              />
            </Field>
          )}
        </div>

        {!readOnly && (
          <div className="flex items-center justify-end gap-3 border-t border-zinc-100 pt-5">
            {needsSecret && <span className="text-xs text-zinc-500">Enter the client secret to save.</span>}
            <SavedNote show={save.isSuccess} />
            <Button type="submit" variant="primary" loading={save.isPending} disabled={!valid}>
              Save SSO settings
            </Button>
          </div>
        )}
      </form>
    </Section>
  );
}

function splitList(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((s) => s.trim().toLowerCase()).filter(Boolean))];
}

function LocalPasswordsSection() {
  const settings = useQuery(authSettingsQuery());
  const canManage = useCanManage();
  const queryClient = useQueryClient();
  const put = useMutation(putAuthSettingsMutation(queryClient));
  const [confirmOff, setConfirmOff] = useState(false);

  if (settings.isError && isApiError(settings.error) && settings.error.isNotFound) {
    return <NotAvailable feature="Password sign-in settings" />;
  }

  return (
    <Section
      title="Local passwords"
      description="Signing in with an email and a password kept by Paddock. Turn it off once everyone uses single sign-on."
    >
      <QueryView query={settings} loading={<Skeleton className="h-6 w-48" />} errorTitle="Could not load the sign-in settings">
        {({ localPasswords: enabled }) => (
          <div className="space-y-4">
            {put.isError && (
              <ErrorBanner
                title={isApiError(put.error) && put.error.status === 409 ? 'Passwords must stay on' : 'Could not change the setting'}
                error={put.error}
              />
            )}
            <Switch
              checked={enabled}
              disabled={!canManage || put.isPending}
              onChange={(on) => {
                put.reset();
                if (on) put.mutate({ localPasswords: true });
                else setConfirmOff(true);
              }}
              label={enabled ? 'Password sign-in is allowed' : 'Password sign-in is turned off'}
            />
          </div>
        )}
      </QueryView>
      <ConfirmDialog
        open={confirmOff}
        title="Turn off password sign-in?"
        description="Everyone, admins included, will have to sign in through single sign-on. Make sure it works for you first. Existing password sessions stay until they end."
        confirmLabel="Turn off passwords"
        destructive
        loading={put.isPending}
        onClose={() => setConfirmOff(false)}
        onConfirm={() => put.mutate({ localPasswords: false }, { onSettled: () => setConfirmOff(false) })}
      />
    </Section>
  );
}
