import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Rocket } from 'lucide-react';
import { defaultAppStart, subdomainSchema, type PublishAccess, type PublishRequest, type Workspace } from '@paddock/protocol';
import { blueprintQuery } from '../../api/blueprints';
import { previewPortsQuery } from '../../api/previews';
import { createPublishRequestMutation, publishRequestsQuery, publishStatusQuery, refreshPublishRequests } from '../../api/publishing';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field, inputClass, selectClass, textareaClass } from '../../components/Field';
import { PublishDiff } from './PublishDiff';
import { PublishChecks } from './PublishChecks';
import { PublishStateBadge } from './PublishStateBadge';

/** States in which a request is still on its way: no second one while it is. */
const IN_FLIGHT = new Set(['publishing']);

/**
 * The workspace header's Publish button: disabled while the workspace isn't
 * running, while a request is being published, and when nothing changed since
 * the last published version; it opens the Publish dialog, and beside it the
 * latest request's state, live (the event stream refreshes it).
 */
export function PublishButton({ workspace }: { workspace: Workspace }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const requests = useQuery(publishRequestsQuery());
  const latest = requests.data?.find((r) => r.workspaceId === workspace.id);
  const running = workspace.state === 'running';
  const status = useQuery(publishStatusQuery(workspace.id, running));
  const inFlight = latest !== undefined && IN_FLIGHT.has(latest.state);
  // Only a definite "unchanged" disables it: while asking, or when the agent couldn't say, publishing says why itself.
  const unchanged = status.data?.changed === false;
  const why = !running ? 'Start the workspace to publish it'
    : inFlight ? 'A publish is in progress'
      : unchanged ? 'Nothing changed since the last published version' : undefined;
  const close = () => {
    setOpen(false);
    // What was just asked for (or given up on) may be the version now published: look again.
    refreshPublishRequests(queryClient);
  };

  return (
    <div className="flex items-center gap-2">
      {latest && <PublishStateBadge request={latest} />}
      <Button icon={<Rocket className="size-4" aria-hidden />} disabled={Boolean(why)} title={why} onClick={() => setOpen(true)}>
        Publish
      </Button>
      {open && <PublishDialog workspace={workspace} latest={latest} onClose={close} />}
    </div>
  );
}

function PublishDialog({ workspace, latest, onClose }: { workspace: Workspace; latest: PublishRequest | undefined; onClose: () => void }) {
  const queryClient = useQueryClient();
  const blueprint = useQuery(blueprintQuery(workspace.blueprintId));
  const [subdomain, setSubdomain] = useState(latest?.subdomain ?? (slug(workspace.displayName) || slug(workspace.name)));
  const [access, setAccess] = useState<PublishAccess>(latest?.access ?? 'organization');
  const [note, setNote] = useState('');
  const [command, setCommand] = useState(latest?.command ?? '');
  const [port, setPort] = useState(latest?.port ? String(latest.port) : '');
  const create = useMutation(createPublishRequestMutation(queryClient));
  const checked = subdomainSchema.safeParse(subdomain);
  const subdomainError = subdomain && !checked.success ? checked.error.issues[0]?.message ?? 'not a valid subdomain' : null;
  // What the portal takes when the fields are left empty: the blueprint's dev server; else the port a server listens on now.
  const ports = useQuery(previewPortsQuery(workspace.id));
  const detected = ports.data?.ports.find((p) => p.listening)?.port;
  const blueprintStart = blueprint.data ? defaultAppStart(blueprint.data) : {};
  const fallback = { ...blueprintStart, ...(blueprintStart.port === undefined && detected ? { port: detected } : {}) };
  const portValue = port ? Number(port) : fallback.port;
  const portOk = portValue === undefined || (Number.isInteger(portValue) && portValue >= 1 && portValue <= 65535);
  // How the app starts is an engineer's question: folded away when the blueprint answers it and one app runs.
  const listening = ports.data?.ports.filter((p) => p.listening).length ?? 0;
  const startAnswered = blueprintStart.command !== undefined && blueprintStart.port !== undefined && listening <= 1;
  const [showStart, setShowStart] = useState(Boolean(latest?.command || latest?.port));
  const publicAllowed = blueprint.data?.allowPublicApps === true;
  // A button's words, not a loading state: the snapshot and its checks take a few seconds.
  const submitLabel = create.isPending ? 'Taking a version and checking it…' : 'Ask to publish';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!checked.success || !portOk) return;
    create.mutate({
      workspaceId: workspace.id,
      request: { subdomain, access, ...(note.trim() ? { note: note.trim() } : {}), ...(command.trim() ? { command: command.trim() } : {}), ...(portValue ? { port: portValue } : {}) },
    });
  };

  return (
    <Dialog open title="Publish this workspace" busy={create.isPending} onClose={onClose}
      description="Its files are taken as a version and checked. An admin reviews it, unless you are trusted and every check passes.">
      {create.data ? (
        <div className="space-y-4" role="status">
          <p className="text-sm text-zinc-700">
            Your request for <span className="font-mono">{create.data.subdomain}</span> is <PublishStateBadge request={create.data} />
          </p>
          <PublishChecks checks={create.data.checks} />
          <div>
            <h3 className="text-sm font-medium text-zinc-900">What changed</h3>
            <PublishDiff id={create.data.id} />
          </div>
          <div className="flex justify-end"><Button variant="primary" onClick={onClose}>Done</Button></div>
        </div>
      ) : (
        <form className="space-y-4" onSubmit={submit}>
          <Field id="publish-subdomain" label="Subdomain" error={subdomainError} hint="Lowercase letters, digits and hyphens: the app's address.">
            <input id="publish-subdomain" className={inputClass} value={subdomain} onChange={(e) => setSubdomain(e.target.value)}
              aria-invalid={subdomainError ? true : undefined} aria-describedby="publish-subdomain-hint" autoComplete="off" required />
          </Field>
          <Field id="publish-access" label="Who may open it" hint={publicAllowed ? undefined : "This blueprint's apps can't be public."}>
            <select id="publish-access" className={selectClass} value={access} onChange={(e) => setAccess(e.target.value as PublishAccess)} aria-describedby="publish-access-hint">
              <option value="organization">Everyone signed in to Paddock</option>
              <option value="public" disabled={!publicAllowed}>Anyone, without signing in</option>
            </select>
          </Field>
          {startAnswered && !showStart ? (
            <p className="flex items-center justify-between gap-3 text-sm text-zinc-600">
              It starts the way this blueprint's app always does.
              <Button type="button" variant="ghost" size="sm" onClick={() => setShowStart(true)}>Change how it starts</Button>
            </p>
          ) : (
            <div className="grid grid-cols-3 gap-3">
              <Field id="publish-command" label="Start command" className="col-span-2" hint={fallback.command ? "Empty: the blueprint's dev server" : 'How the app starts'}>
                <input id="publish-command" className={inputClass} value={command} onChange={(e) => setCommand(e.target.value)} placeholder={fallback.command ?? 'npm start'} aria-describedby="publish-command-hint" />
              </Field>
              <Field id="publish-port" label="Port" error={portOk ? null : 'a port from 1 to 65535'} hint={fallback.port ? `Empty: ${fallback.port}` : 'It listens on'}>
                <input id="publish-port" className={inputClass} inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} placeholder={String(fallback.port ?? 3000)}
                  aria-invalid={portOk ? undefined : true} aria-describedby="publish-port-hint" />
              </Field>
            </div>
          )}
          <Field id="publish-note" label="Note for the reviewer" hint="Optional">
            <textarea id="publish-note" className={textareaClass} value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} aria-describedby="publish-note-hint" />
          </Field>
          {create.isError && <ErrorBanner title="The request did not go through" error={create.error} />}
          <div className="flex justify-end gap-2">
            <Button type="button" onClick={onClose} disabled={create.isPending}>Cancel</Button>
            <Button type="submit" variant="primary" disabled={!checked.success || !portOk || create.isPending}>
              {submitLabel}
            </Button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

/** A workspace's name as a first guess at its subdomain. */
function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
}
