import { useBranding } from '../api/branding';

/** The portal's logo: the one uploaded in Admin → Branding (the dark-mode one on a dark system, else the light one), or Paddock's. */
export function Logo({ className = 'size-7' }: { className?: string }) {
  const { logoLightUrl, logoDarkUrl, name } = useBranding();
  if (logoLightUrl || logoDarkUrl) {
    return (
      <picture data-testid="brand-logo">
        {logoDarkUrl && <source srcSet={logoDarkUrl} media="(prefers-color-scheme: dark)" />}
        <img src={logoLightUrl ?? logoDarkUrl} alt={name} className={`${className} w-auto max-w-40 object-contain`} />
      </picture>
    );
  }
  return <PaddockMark className={className} />;
}

function PaddockMark({ className }: { className: string }) {
  return (
    <svg viewBox="0 0 32 32" className={className} aria-hidden>
      <rect width="32" height="32" rx="7" fill="#18181b" />
      <path
        d="M10 23V9h7a5 5 0 0 1 0 10h-3.5"
        fill="none"
        stroke="#fff"
        strokeWidth="2.5"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
      <circle cx="10" cy="23" r="1.6" fill="#34d399" />
    </svg>
  );
}
