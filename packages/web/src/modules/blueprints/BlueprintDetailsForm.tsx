import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Blueprint } from '@paddock/protocol';
import { updateBlueprintMutation } from '../../api/blueprintAdmin';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field, inputClass, textareaClass } from '../../components/Field';
import { Section } from '../../components/Section';
import { SavedNote } from '../../components/SavedNote';

export function BlueprintDetailsForm({ blueprint, readOnly }: { blueprint: Blueprint; readOnly: boolean }) {
  const queryClient = useQueryClient();
  const update = useMutation(updateBlueprintMutation(queryClient, blueprint.id));
  const [name, setName] = useState(blueprint.name);
  const [description, setDescription] = useState(blueprint.description);
  const savedRate = blueprint.hourlyRateUsd === null ? '' : String(blueprint.hourlyRateUsd);
  const [rate, setRate] = useState(savedRate);
  // Empty: no price (the cost page shows "no rate", never $0).
  const rateValue = rate.trim() === '' ? null : Number(rate);
  const rateInvalid = rateValue !== null && (!Number.isFinite(rateValue) || rateValue < 0);

  const changes: { name?: string; description?: string; hourlyRateUsd?: number | null } = {};
  if (name.trim() !== blueprint.name) changes.name = name.trim();
  if (description.trim() !== blueprint.description) changes.description = description.trim();
  if (!rateInvalid && rateValue !== blueprint.hourlyRateUsd) changes.hourlyRateUsd = rateValue;
  const dirty = Object.keys(changes).length > 0;

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (dirty) update.mutate(changes);
  };

  return (
    <Section title="Details" description="What builders see in the catalog.">
      <form onSubmit={onSubmit} className="space-y-5" noValidate>
        {update.isError && <ErrorBanner title="Could not save" error={update.error} />}
        <Field id="bp-name" label="Name">
          <input
            id="bp-name"
            required
            maxLength={64}
            readOnly={readOnly}
            value={name}
            onChange={(e) => setName(e.target.value)}
            className={inputClass}
          />
        </Field>
        <Field id="bp-description" label="Description">
          <textarea
            id="bp-description"
            rows={3}
            maxLength={2000}
            readOnly={readOnly}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            className={textareaClass}
          />
        </Field>
        <Field
          id="bp-rate"
          label="Compute price (US dollars per running hour)"
          hint="What an hour of one of its workspaces running costs, for the Usage & cost page. Leave empty for no price."
          error={rateInvalid ? 'Enter an amount of 0 or more' : null}
        >
          <input
            id="bp-rate"
            inputMode="decimal"
            readOnly={readOnly}
            value={rate}
            onChange={(e) => setRate(e.target.value)}
            placeholder="no price"
            aria-invalid={rateInvalid}
            aria-describedby="bp-rate-hint"
            className={inputClass}
          />
        </Field>
        {!readOnly && (
          <div className="flex items-center justify-end gap-3">
            <SavedNote show={update.isSuccess && !dirty} />
            <Button
              onClick={() => {
                setName(blueprint.name);
                setDescription(blueprint.description);
                setRate(savedRate);
              }}
              disabled={!dirty || update.isPending}
            >
              Reset
            </Button>
            <Button type="submit" variant="primary" loading={update.isPending} disabled={!dirty || !name.trim() || rateInvalid}>
              Save details
            </Button>
          </div>
        )}
      </form>
    </Section>
  );
}
