import { useBranding } from '../../api/branding';

/** The builder home's welcome, as the admin wrote it (Admin → Branding). */
export function BuilderWelcome() {
  const { welcome } = useBranding();
  return (
    <div className="mb-8" data-testid="builder-welcome">
      <h2 className="text-2xl font-semibold tracking-tight text-zinc-900">{welcome.title}</h2>
      {welcome.text && <p className="mt-1 max-w-2xl text-sm text-zinc-600">{welcome.text}</p>}
    </div>
  );
}
