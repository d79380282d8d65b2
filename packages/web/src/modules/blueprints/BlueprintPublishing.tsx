import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Blueprint } from '@paddock/protocol';
import { updateBlueprintMutation } from '../../api/blueprintAdmin';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Section } from '../../components/Section';
import { Switch } from '../../components/Switch';
import { BlueprintGitRemote } from './BlueprintGitRemote';

/** Who may open this blueprint's published apps, whether its trusted builders skip review, and the git remote approved versions go to (all audited). */
export function BlueprintPublishing({ blueprint, readOnly }: { blueprint: Blueprint; readOnly: boolean }) {
  const queryClient = useQueryClient();
  const update = useMutation(updateBlueprintMutation(queryClient, blueprint.id));
  return (
    <Section title="Publishing" description="Apps built from this blueprint are published after an admin's review.">
      <div className="space-y-3">
        <Switch label="Allow public apps (anyone, without signing in)" checked={blueprint.allowPublicApps} disabled={readOnly || update.isPending}
          onChange={(allowPublicApps) => update.mutate({ allowPublicApps })} />
        <Switch label="Trusted builders skip review when every check passes" checked={blueprint.trustedPublishing} disabled={readOnly || update.isPending}
          onChange={(trustedPublishing) => update.mutate({ trustedPublishing })} />
        <Switch label="Published apps get this blueprint's credentials (its secrets)" checked={blueprint.appsGetCredentials} disabled={readOnly || update.isPending}
          onChange={(appsGetCredentials) => update.mutate({ appsGetCredentials })} />
        {update.isError && <ErrorBanner title="The change did not go through" error={update.error} />}
        <BlueprintGitRemote blueprintId={blueprint.id} readOnly={readOnly} />
      </div>
    </Section>
  );
}
