import { useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ImageUp, Trash2 } from 'lucide-react';
import { BRANDING_ASSET_MAX_BYTES, BRANDING_ASSET_TYPES, type Branding, type BrandingAssetSlot } from '@paddock/protocol';
import { brandingQuery, deleteBrandingAssetMutation, putBrandingMutation, uploadBrandingAssetMutation } from '../../api/branding';
import { errorsUnder, fieldErrors } from '../../api/fieldErrors';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field, inputClass, textareaClass } from '../../components/Field';
import { Notice } from '../../components/Notice';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { SavedNote } from '../../components/SavedNote';
import { Section } from '../../components/Section';
import { Skeleton } from '../../components/Skeleton';
import { ReadOnlyBadge } from '../../modules/admin/AdminLayout';
import { useCanManage } from '../../modules/auth/permissions';
import { contrastReport } from '../../modules/branding/accentPalette';

/** Admin → Branding: the portal's name, logos, favicon, accent colour and the builder home's welcome. */
export function BrandingPage() {
  const canManage = useCanManage();
  const branding = useQuery(brandingQuery());
  return (
    <>
      <PageHeader
        title="Branding"
        description="Your company's name, logo and colour on every page, the sign-in page and published apps' sign-in included."
        actions={canManage ? undefined : <ReadOnlyBadge />}
      />
      <QueryView
        query={branding}
        loading={<div className="space-y-4" aria-busy="true" aria-label="Loading the branding"><Skeleton className="h-40 w-full" /><Skeleton className="h-40 w-full" /></div>}
        errorTitle="Could not load the branding"
      >
        {(data) => (
          <div className="space-y-8">
            <BrandForm key={JSON.stringify([data.name, data.accentColor, data.welcome])} data={data} readOnly={!canManage} />
            <ImagesSection data={data} readOnly={!canManage} />
          </div>
        )}
      </QueryView>
    </>
  );
}

const HEX = /^#[0-9a-f]{6}$/i;

function BrandForm({ data, readOnly }: { data: Branding; readOnly: boolean }) {
  const queryClient = useQueryClient();
  const save = useMutation(putBrandingMutation(queryClient));
  const [name, setName] = useState(data.name);
  const [accent, setAccent] = useState(data.accentColor);
  const [title, setTitle] = useState(data.welcome.title);
  const [text, setText] = useState(data.welcome.text);
  const [cta, setCta] = useState(data.welcome.cta);

  const accentValid = HEX.test(accent.trim());
  const dirty = name !== data.name || accent.toLowerCase() !== data.accentColor || title !== data.welcome.title || text !== data.welcome.text || cta !== data.welcome.cta;
  const valid = name.trim() && accentValid && title.trim() && cta.trim();
  const { fields, rest } = fieldErrors(save.error);
  const report = accentValid ? contrastReport(accent.trim()) : null;

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!valid || readOnly) return;
    save.mutate({ name: name.trim(), accentColor: accent.trim().toLowerCase(), welcome: { title: title.trim(), text: text.trim(), cta: cta.trim() } });
  };

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-8" aria-label="Brand">
      <Section title="Name and colour" description="The name shows in the header, the browser tab and the sign-in page.">
        <div className="space-y-5">
          {save.isError && rest.length > 0 && <ErrorBanner title="Could not save the branding">{rest.join('; ')}</ErrorBanner>}
          <Field id="brand-name" label="Portal name" error={fields.name}>
            <input id="brand-name" value={name} readOnly={readOnly} maxLength={60} onChange={(e) => setName(e.target.value)} className={inputClass} aria-invalid={!!fields.name || !name.trim()} />
          </Field>
          <Field
            id="brand-accent"
            label="Accent colour"
            error={fields.accentColor ?? (accentValid ? null : 'A colour is # and six hex digits, like #2563eb.')}
            hint="Buttons, links, focus rings and the selected menu item. Text on it is picked to stay readable."
          >
            <div className="flex items-center gap-3">
              <input
                type="color"
                aria-label="Pick the accent colour"
                value={accentValid ? accent.trim().toLowerCase() : '#000000'}
                disabled={readOnly}
                onChange={(e) => setAccent(e.target.value)}
                className="h-9 w-12 cursor-pointer rounded-md border border-zinc-300 bg-white p-1"
              />
              <input id="brand-accent" value={accent} readOnly={readOnly} maxLength={7} onChange={(e) => setAccent(e.target.value)} className={`${inputClass} max-w-32 font-mono`} aria-describedby="brand-accent-hint" aria-invalid={!accentValid} spellCheck={false} />
              {report && (
                <span className="inline-flex h-9 items-center rounded-md px-3 text-sm font-medium" style={{ background: accent.trim(), color: report.foreground }} data-testid="accent-sample">
                  Sample button
                </span>
              )}
            </div>
          </Field>
          {report && (
            <div className="space-y-2" data-testid="contrast-report">
              <p className="text-xs text-zinc-500">
                Contrast: text on the colour {report.onAccent.toFixed(1)}:1 · on the light page {report.onLightPage.toFixed(1)}:1 · on the dark page {report.onDarkPage.toFixed(1)}:1
                {' '}(readable text needs 4.5:1, controls 3:1).
              </p>
              {report.warnings.map((w) => <Notice key={w} tone="warning">{w}</Notice>)}
            </div>
          )}
        </div>
      </Section>

      <Section title="Builder home" description="The welcome builders see at the top of their home page.">
        <div className="space-y-5">
          <Field id="brand-welcome-title" label="Welcome title" error={errorsUnder(fields, 'welcome.title')}>
            <input id="brand-welcome-title" value={title} readOnly={readOnly} maxLength={120} onChange={(e) => setTitle(e.target.value)} className={inputClass} />
          </Field>
          <Field id="brand-welcome-text" label="Welcome text" error={errorsUnder(fields, 'welcome.text')} hint="Optional.">
            <textarea id="brand-welcome-text" value={text} readOnly={readOnly} maxLength={600} rows={3} onChange={(e) => setText(e.target.value)} className={textareaClass} />
          </Field>
          <Field id="brand-welcome-cta" label="Call to action" error={errorsUnder(fields, 'welcome.cta')} hint="The words on the button that starts a build.">
            <input id="brand-welcome-cta" value={cta} readOnly={readOnly} maxLength={40} onChange={(e) => setCta(e.target.value)} className={`${inputClass} max-w-sm`} />
          </Field>
        </div>
      </Section>

      {!readOnly && (
        <div className="flex items-center justify-end gap-3">
          <SavedNote show={save.isSuccess && !dirty} />
          <Button type="submit" variant="primary" loading={save.isPending} disabled={!dirty || !valid}>Save branding</Button>
        </div>
      )}
    </form>
  );
}

const SLOTS: Array<{ slot: BrandingAssetSlot; label: string; hint: string; url: (b: Branding) => string | undefined; dark?: boolean }> = [
  { slot: 'logo-light', label: 'Logo, light mode', hint: 'On light backgrounds. PNG, JPEG, WebP or SVG.', url: (b) => b.logoLightUrl },
  { slot: 'logo-dark', label: 'Logo, dark mode', hint: 'On dark backgrounds; without one, the light-mode logo is used.', url: (b) => b.logoDarkUrl, dark: true },
  { slot: 'favicon', label: 'Favicon', hint: 'The browser tab icon. PNG, ICO or SVG, square.', url: (b) => b.faviconUrl },
];

const ACCEPT: Record<string, string> = { 'image/png': '.png', 'image/jpeg': '.jpg,.jpeg', 'image/webp': '.webp', 'image/x-icon': '.ico', 'image/svg+xml': '.svg' };

function ImagesSection({ data, readOnly }: { data: Branding; readOnly: boolean }) {
  return (
    <Section title="Logos and favicon" description={`At most ${BRANDING_ASSET_MAX_BYTES / 1024} KiB each. SVG files are cleaned of anything that could run; one that needs a script or an outside file is refused.`}>
      <div className="grid gap-6 md:grid-cols-3">
        {SLOTS.map((s) => <ImageSlot key={s.slot} {...s} current={s.url(data)} fallback={s.slot === 'logo-dark' ? data.logoLightUrl : undefined} readOnly={readOnly} />)}
      </div>
    </Section>
  );
}

function ImageSlot({ slot, label, hint, current, fallback, dark, readOnly }: {
  slot: BrandingAssetSlot; label: string; hint: string; current: string | undefined; fallback: string | undefined; dark?: boolean; readOnly: boolean;
}) {
  const queryClient = useQueryClient();
  const upload = useMutation(uploadBrandingAssetMutation(queryClient));
  const remove = useMutation(deleteBrandingAssetMutation(queryClient));
  const input = useRef<HTMLInputElement>(null);
  const [tooBig, setTooBig] = useState<string | null>(null);
  const shown = current ?? fallback;
  const accept = [...BRANDING_ASSET_TYPES[slot], ...BRANDING_ASSET_TYPES[slot].map((t) => ACCEPT[t])].join(',');

  const onFile = (file: File | undefined) => {
    if (!file) return;
    setTooBig(null);
    upload.reset();
    // Said here before the upload; the portal checks again (and checks what the file really is).
    if (file.size > BRANDING_ASSET_MAX_BYTES) setTooBig(`${file.name} is ${Math.ceil(file.size / 1024)} KiB; the limit is ${BRANDING_ASSET_MAX_BYTES / 1024} KiB.`);
    else upload.mutate({ slot, file });
    if (input.current) input.current.value = '';
  };

  return (
    <div className="space-y-2">
      <p className="text-sm font-medium text-zinc-700">{label}</p>
      <div className={`stay-${dark ? 'dark' : 'light'} flex h-24 items-center justify-center rounded-md border border-zinc-200 ${dark ? 'bg-zinc-900' : 'bg-white'}`}>
        {shown ? <img src={shown} alt={`${label}${current ? '' : ' (the light-mode one)'}`} className="max-h-16 max-w-[80%] object-contain" data-testid={`brand-${slot}-preview`} />
          : <span className="text-xs text-zinc-400">Paddock's own</span>}
      </div>
      <p className="text-xs text-zinc-500">{hint}</p>
      {(upload.isError || remove.isError || tooBig) && (
        <p className="text-xs text-red-600" role="alert">{tooBig ?? (upload.error ?? remove.error)?.message}</p>
      )}
      {!readOnly && (
        <div className="flex gap-2">
          <input ref={input} type="file" accept={accept} className="sr-only" id={`brand-${slot}-file`} data-testid={`brand-${slot}-file`} onChange={(e) => onFile(e.target.files?.[0])} />
          <Button size="sm" icon={<ImageUp className="size-3.5" aria-hidden />} loading={upload.isPending} onClick={() => input.current?.click()}>
            {current ? 'Replace' : 'Upload'}
          </Button>
          {current && (
            <Button size="sm" variant="ghost" icon={<Trash2 className="size-3.5" aria-hidden />} loading={remove.isPending} onClick={() => remove.mutate(slot)}>
              Remove
            </Button>
          )}
        </div>
      )}
    </div>
  );
}
