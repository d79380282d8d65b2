import { useEffect, useState } from 'react';
import { DEFAULT_ACCENT_COLOR } from '@paddock/protocol';
import { useBranding } from '../../api/branding';
import { accentPalette } from './accentPalette';

const DARK = '(prefers-color-scheme: dark)';

function useColorScheme(): 'light' | 'dark' {
  const [dark, setDark] = useState(() => window.matchMedia(DARK).matches);
  useEffect(() => {
    const query = window.matchMedia(DARK);
    const onChange = () => setDark(query.matches);
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, []);
  return dark ? 'dark' : 'light';
}

const ACCENT_VARIABLES = {
  accent: '--color-accent', accentHover: '--color-accent-hover', accentForeground: '--color-accent-fg',
  accentText: '--color-accent-text', accentSoft: '--color-accent-soft',
} as const;

/**
 * The brand on the whole app: the accent palette as CSS variables on :root (index.css names
 * them; Paddock's own accent keeps the theme's neutral ones), the tab's title and its favicon.
 * Mounted once, above the router, so every page, signed in or not, carries it.
 */
export function BrandingEffects() {
  const branding = useBranding();
  const scheme = useColorScheme();

  useEffect(() => {
    const root = document.documentElement.style;
    const custom = branding.accentColor.toLowerCase() !== DEFAULT_ACCENT_COLOR;
    const palette = accentPalette(branding.accentColor, scheme);
    for (const [key, variable] of Object.entries(ACCENT_VARIABLES)) {
      if (custom) root.setProperty(variable, palette[key as keyof typeof ACCENT_VARIABLES]);
      else root.removeProperty(variable);
    }
    if (custom) root.setProperty('--color-accent-ring', palette.accentText);
    else root.removeProperty('--color-accent-ring');
  }, [branding.accentColor, scheme]);

  useEffect(() => {
    document.title = branding.name;
  }, [branding.name]);

  useEffect(() => {
    const link = document.querySelector<HTMLLinkElement>('link[rel="icon"]') ?? document.head.appendChild(document.createElement('link'));
    link.rel = 'icon';
    link.href = branding.faviconUrl ?? '/favicon.svg';
    // The portal checked what the file is; the browser reads the type from the answer.
    link.removeAttribute('type');
  }, [branding.faviconUrl]);

  return null;
}
