import { z } from 'zod';
import { wellFormedString } from './strings.js';

/**
 * White-label (issue 12): the portal's name, logos, favicon, accent colour and the
 * builder home's welcome. Read by anyone (the sign-in page shows it before anyone signs
 * in), changed by admins. The images are uploaded one by one as their raw bytes; each
 * is served at a URL carrying its content hash, so a browser may cache it for good.
 */

export const BRANDING_ASSET_SLOTS = ['logo-light', 'logo-dark', 'favicon'] as const;
export const brandingAssetSlotSchema = z.enum(BRANDING_ASSET_SLOTS);
export type BrandingAssetSlot = z.infer<typeof brandingAssetSlotSchema>;

/** The image types the portal stores and serves (branding_assets.content_type). */
export const BRANDING_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/x-icon', 'image/svg+xml'] as const;
export type BrandingImageType = (typeof BRANDING_IMAGE_TYPES)[number];

/** The largest image an admin may upload, in bytes. */
export const BRANDING_ASSET_MAX_BYTES = 512 * 1024;

/** What each slot accepts, by the type its bytes prove (not the name or the declared type). */
export const BRANDING_ASSET_TYPES: Record<BrandingAssetSlot, readonly BrandingImageType[]> = {
  'logo-light': ['image/png', 'image/jpeg', 'image/webp', 'image/svg+xml'],
  'logo-dark': ['image/png', 'image/jpeg', 'image/webp', 'image/svg+xml'],
  favicon: ['image/png', 'image/x-icon', 'image/svg+xml'],
};

/** Paddock's own look: the neutral palette, which follows the light or dark theme. */
export const DEFAULT_ACCENT_COLOR = '#18181b';
export const DEFAULT_PORTAL_NAME = 'Paddock';
export const DEFAULT_WELCOME = {
  title: 'What do you want to build?',
  text: 'Pick a blueprint, describe your app in plain words, and watch it appear.',
  cta: 'Start building',
} as const;

const hexColor = wellFormedString().trim().toLowerCase()
  .regex(/^#[0-9a-f]{6}$/, 'a colour is written as # and six hex digits, like #2563eb');
/** One line of text: no line breaks or other control characters (it is shown in titles and headers). */
const line = (max: number, what: string) => wellFormedString().trim()
  .min(1, `${what} must not be empty`).max(max, `${what} has at most ${max} characters`)
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), `${what} must be one line`);

export const brandingWelcomeSchema = z.object({
  title: line(120, 'the welcome title'),
  text: wellFormedString().trim().max(600, 'the welcome text has at most 600 characters'),
  cta: line(40, 'the call to action'),
});
export type BrandingWelcome = z.infer<typeof brandingWelcomeSchema>;

/** PUT /api/v1/admin/branding: the text and colour, replaced whole. The images have routes of their own. */
export const putBrandingRequestSchema = z.object({
  name: line(60, 'the portal name'),
  accentColor: hexColor,
  welcome: brandingWelcomeSchema,
});
export type PutBrandingRequest = z.infer<typeof putBrandingRequestSchema>;

/** GET /api/v1/branding (public). An image URL is there only when one was uploaded; the dark logo falls back to the light one in the web app. */
export const brandingSchema = z.object({
  name: z.string(),
  accentColor: z.string(),
  logoLightUrl: z.string().optional(),
  logoDarkUrl: z.string().optional(),
  faviconUrl: z.string().optional(),
  welcome: z.object({ title: z.string(), text: z.string(), cta: z.string() }),
});
export type Branding = z.infer<typeof brandingSchema>;
