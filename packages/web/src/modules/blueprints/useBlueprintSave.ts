import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { blueprintWorkspaceConfigSchema, updateBlueprintRequestSchema, type Blueprint, type UpdateBlueprintRequest } from '@paddock/protocol';
import { updateBlueprintMutation } from '../../api/blueprintAdmin';
import { fieldErrors, issueFields } from '../../api/fieldErrors';

/**
 * One section of the blueprint editor saving its part: checked in the browser with
 * the protocol's own schemas first (the request, then the whole setup as the server
 * checks it after merging), so each mistake shows at its field before anything is
 * sent; what the server still refuses shows there too (fieldErrors).
 */
export function useBlueprintSave(blueprint: Blueprint) {
  const queryClient = useQueryClient();
  const update = useMutation(updateBlueprintMutation(queryClient, blueprint.id));
  const [checked, setChecked] = useState<Record<string, string>>({});

  const save = (patch: UpdateBlueprintRequest) => {
    const request = updateBlueprintRequestSchema.safeParse(patch);
    const whole = request.success ? blueprintWorkspaceConfigSchema.safeParse({ ...blueprint, ...request.data }) : null;
    const problems = !request.success ? issueFields(request.error.issues) : whole && !whole.success ? issueFields(whole.error.issues) : {};
    setChecked(problems);
    update.reset();
    if (Object.keys(problems).length === 0) update.mutate(patch);
  };

  const server = fieldErrors(update.error);
  const errors = { ...server.fields, ...checked };
  return {
    save,
    errors,
    /** The message for one field, or null. */
    error: (path: string): string | null => errors[path] ?? null,
    /** A failure that names no field (or not a 400): for the section's banner. */
    bannerError: update.isError && Object.keys(server.fields).length === 0 ? update.error : null,
    pending: update.isPending,
    saved: update.isSuccess,
    /** Forget the last save's outcome (after an edit, "Saved" no longer holds). */
    reset: () => { update.reset(); setChecked({}); },
  };
}
