import { useState, type FormEvent } from 'react';
import type { Blueprint, BlueprintIllustration, UpdateBlueprintRequest } from '@paddock/protocol';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field, inputClass, textareaClass } from '../../components/Field';
import { Section } from '../../components/Section';
import { SavedNote } from '../../components/SavedNote';
import { cn } from '../../components/cn';
import { BlueprintIllustrationArt, illustrationLabel, illustrationNames } from './illustrations';
import { useBlueprintSave } from './useBlueprintSave';

export function BlueprintDetailsForm({ blueprint, readOnly }: { blueprint: Blueprint; readOnly: boolean }) {
  const section = useBlueprintSave(blueprint);
  const [name, setName] = useState(blueprint.name);
  const [description, setDescription] = useState(blueprint.description);
  const [illustration, setIllustration] = useState<BlueprintIllustration | null>(blueprint.illustration);
  const savedRate = blueprint.hourlyRateUsd === null ? '' : String(blueprint.hourlyRateUsd);
  const [rate, setRate] = useState(savedRate);
  // Empty: no price (the cost page shows "no rate", never $0).
  const rateValue = rate.trim() === '' ? null : Number(rate);
  const rateInvalid = rateValue !== null && (!Number.isFinite(rateValue) || rateValue < 0);

  const changes: UpdateBlueprintRequest = {};
  if (name.trim() !== blueprint.name) changes.name = name.trim();
  if (description.trim() !== blueprint.description) changes.description = description.trim();
  if (illustration !== blueprint.illustration) changes.illustration = illustration;
  if (!rateInvalid && rateValue !== blueprint.hourlyRateUsd) changes.hourlyRateUsd = rateValue;
  const dirty = Object.keys(changes).length > 0;

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (dirty) section.save(changes);
  };
  const edit = <T,>(set: (v: T) => void) => (v: T) => { set(v); section.reset(); };

  return (
    <Section title="Details" description="What builders see in the catalog: its name, what it is for, and its picture.">
      <form onSubmit={onSubmit} className="space-y-5" noValidate>
        {section.bannerError != null && <ErrorBanner title="Could not save" error={section.bannerError} />}
        <Field id="bp-name" label="Name" hint="Up to 64 characters." error={section.error('name')}>
          <input
            id="bp-name"
            required
            readOnly={readOnly}
            value={name}
            onChange={(e) => edit(setName)(e.target.value)}
            aria-invalid={section.error('name') ? true : undefined}
            aria-describedby="bp-name-hint"
            className={inputClass}
          />
        </Field>
        <Field
          id="bp-description"
          label="What it is for"
          hint="In plain words, for the people who will pick it: shown on its card in the catalog."
          error={section.error('description')}
        >
          <textarea
            id="bp-description"
            rows={3}
            readOnly={readOnly}
            value={description}
            onChange={(e) => edit(setDescription)(e.target.value)}
            aria-invalid={section.error('description') ? true : undefined}
            aria-describedby="bp-description-hint"
            className={textareaClass}
          />
        </Field>
        <fieldset>
          <legend className="text-sm font-medium text-zinc-700">Picture</legend>
          <p className="mt-0.5 text-xs text-zinc-500">Shown at the top of its card.</p>
          <div role="radiogroup" aria-label="Picture" className="mt-2 grid grid-cols-4 gap-2 sm:grid-cols-8">
            {illustrationNames.map((n) => {
              const chosen = (illustration ?? 'spark') === n;
              return (
                <button
                  key={n}
                  type="button"
                  role="radio"
                  aria-checked={chosen}
                  aria-label={illustrationLabel(n)}
                  title={illustrationLabel(n)}
                  disabled={readOnly}
                  onClick={() => edit(setIllustration)(n)}
                  className={cn(
                    'overflow-hidden rounded-md border focus-visible:outline-2 focus-visible:outline-blue-600',
                    chosen ? 'border-zinc-900 ring-2 ring-zinc-900/20' : 'border-zinc-200 hover:border-zinc-400',
                  )}
                >
                  <BlueprintIllustrationArt name={n} className="h-12 py-1" />
                </button>
              );
            })}
          </div>
        </fieldset>
        <Field
          id="bp-rate"
          label="Compute price (US dollars per running hour)"
          hint="What an hour of one of its workspaces running costs, for the Usage & cost page. Leave empty for no price."
          error={rateInvalid ? 'Enter an amount of 0 or more' : section.error('hourlyRateUsd')}
        >
          <input
            id="bp-rate"
            inputMode="decimal"
            readOnly={readOnly}
            value={rate}
            onChange={(e) => edit(setRate)(e.target.value)}
            placeholder="no price"
            aria-invalid={rateInvalid}
            aria-describedby="bp-rate-hint"
            className={inputClass}
          />
        </Field>
        {!readOnly && (
          <div className="flex items-center justify-end gap-3">
            <SavedNote show={section.saved && !dirty} />
            <Button
              onClick={() => {
                setName(blueprint.name);
                setDescription(blueprint.description);
                setIllustration(blueprint.illustration);
                setRate(savedRate);
                section.reset();
              }}
              disabled={!dirty || section.pending}
            >
              Reset
            </Button>
            <Button type="submit" variant="primary" loading={section.pending} disabled={!dirty || !name.trim() || rateInvalid}>
              Save details
            </Button>
          </div>
        )}
      </form>
    </Section>
  );
}
