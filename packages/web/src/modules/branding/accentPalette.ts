/**
 * The UI's accent palette, derived from the one colour an admin picks (Admin → Branding),
 * with the readable text colour on it chosen by WCAG 2 contrast. Pure functions: the
 * Branding page shows the same numbers it applies.
 */

type Rgb = [number, number, number];

export function parseHex(hex: string): Rgb | null {
  const m = /^#([0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) return null;
  const n = Number.parseInt(m[1]!, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const toHex = (rgb: Rgb) => `#${rgb.map((c) => Math.round(Math.min(255, Math.max(0, c))).toString(16).padStart(2, '0')).join('')}`;

/** WCAG 2 relative luminance. */
export function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two colours, 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const x = parseHex(a);
  const y = parseHex(b);
  if (!x || !y) return 1;
  const [hi, lo] = [luminance(x), luminance(y)].sort((p, q) => q - p) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** `a` moved toward `b` by `t` (0..1). */
export function mix(a: string, b: string, t: number): string {
  const x = parseHex(a)!;
  const y = parseHex(b)!;
  return toHex([0, 1, 2].map((i) => x[i]! + (y[i]! - x[i]!) * t) as Rgb);
}

export const WHITE = '#ffffff';
/** The dark text colour of the UI (zinc-950). */
export const INK = '#09090b';
/** The page backgrounds the accent sits on, light and dark (zinc-50, zinc-950). */
export const PAGE_LIGHT = '#fafafa';
export const PAGE_DARK = '#09090b';

/** AA for normal text; 3:1 is the floor for large text and for a control against its background. */
export const TEXT_CONTRAST = 4.5;
export const UI_CONTRAST = 3;

/** White or ink, whichever reads better on the colour. */
export function readableOn(color: string): string {
  return contrastRatio(color, WHITE) >= contrastRatio(color, INK) ? WHITE : INK;
}

/** The colour moved toward `toward` just far enough to reach `ratio` against `background`. */
function adjustedFor(color: string, background: string, ratio: number, toward: string): string {
  if (contrastRatio(color, background) >= ratio) return color;
  for (let t = 0.05; t <= 1; t += 0.05) {
    const c = mix(color, toward, t);
    if (contrastRatio(c, background) >= ratio) return c;
  }
  return toward;
}

export interface AccentPalette {
  /** Fills: primary buttons, the selected navigation item's marker. */
  accent: string;
  accentHover: string;
  /** Text and icons on an accent fill. */
  accentForeground: string;
  /** Links, focus rings and selected text on the page: the accent, darkened or lightened until it reads. */
  accentText: string;
  /** A faint tint for selected rows and navigation items. */
  accentSoft: string;
}

/** The palette for one theme: the accent on the light or the dark page. */
export function accentPalette(accent: string, scheme: 'light' | 'dark'): AccentPalette {
  const page = scheme === 'dark' ? PAGE_DARK : PAGE_LIGHT;
  const foreground = readableOn(accent);
  return {
    accent,
    accentHover: mix(accent, foreground === WHITE ? INK : WHITE, 0.15),
    accentForeground: foreground,
    accentText: adjustedFor(accent, page, TEXT_CONTRAST, scheme === 'dark' ? WHITE : INK),
    accentSoft: mix(page, accent, scheme === 'dark' ? 0.22 : 0.1),
  };
}

export interface ContrastReport {
  /** The accent against the text chosen for it (buttons). */
  onAccent: number;
  foreground: string;
  /** The accent against the light and the dark page (links, focus rings as the accent itself). */
  onLightPage: number;
  onDarkPage: number;
  warnings: string[];
}

/** What the Branding page says about a colour: the ratios, and what to watch for. */
export function contrastReport(accent: string): ContrastReport {
  const foreground = readableOn(accent);
  const onAccent = contrastRatio(accent, foreground);
  const onLightPage = contrastRatio(accent, PAGE_LIGHT);
  const onDarkPage = contrastRatio(accent, PAGE_DARK);
  const warnings: string[] = [];
  if (onAccent < TEXT_CONTRAST) warnings.push('Text on buttons in this colour is hard to read, in white or in black. Pick a darker or lighter shade.');
  if (onLightPage < UI_CONTRAST) warnings.push('This colour is too light to stand out on the light theme; links and focus rings use a darker shade of it there.');
  if (onDarkPage < UI_CONTRAST) warnings.push('This colour is too dark to stand out on the dark theme; links and focus rings use a lighter shade of it there.');
  return { onAccent, foreground, onLightPage, onDarkPage, warnings };
}
