import { BRANDING_ASSET_MAX_BYTES, BRANDING_ASSET_TYPES, type BrandingAssetSlot, type BrandingImageType as BrandImageType } from '@paddock/protocol';
import { ApiError } from '../errors.js';
import { looksLikeSvg, sanitizeSvg } from './svgSanitizer.js';

const TYPE_NAMES: Record<BrandImageType, string> = {
  'image/png': 'PNG', 'image/jpeg': 'JPEG', 'image/webp': 'WebP', 'image/x-icon': 'ICO', 'image/svg+xml': 'SVG',
};

/** The names browsers and tools also send for the same types. */
const ALIASES: Record<string, BrandImageType> = { 'image/jpg': 'image/jpeg', 'image/vnd.microsoft.icon': 'image/x-icon', 'image/ico': 'image/x-icon' };

const SLOT_NAMES: Record<BrandingAssetSlot, string> = { 'logo-light': 'the light-mode logo', 'logo-dark': 'the dark-mode logo', favicon: 'the favicon' };

class InvalidImageError extends ApiError {
  constructor(message: string) { super(400, 'invalid_image', message); }
}

const startsWith = (bytes: Buffer, prefix: number[], at = 0) => prefix.every((b, i) => bytes[at + i] === b);

/** What the bytes are, by their magic numbers; never by the name or the type the client declared. */
export function detectImageType(bytes: Buffer): BrandImageType | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  // An icon directory: reserved 0, type 1, at least one image.
  if (startsWith(bytes, [0, 0, 1, 0]) && bytes.length >= 6 && bytes.readUInt16LE(4) > 0) return 'image/x-icon';
  if (looksLikeSvg(bytes)) return 'image/svg+xml';
  return null;
}

const kib = (n: number) => `${Math.ceil(n / 1024)} KiB`;

/**
 * An upload for a branding slot, checked: at most 512 KiB, of a type the slot takes, whose
 * bytes are what the client said they are, and for SVG, sanitised (or refused when it can't
 * be made safe). Answers what to store and serve, with the type to serve it as.
 */
export function checkBrandImage(slot: BrandingAssetSlot, declared: string | undefined, bytes: Buffer): { contentType: BrandImageType; bytes: Buffer } {
  if (bytes.length === 0) throw new InvalidImageError('the file is empty');
  if (bytes.length > BRANDING_ASSET_MAX_BYTES) {
    throw new ApiError(413, 'too_large', `the image is ${kib(bytes.length)}; the limit is ${kib(BRANDING_ASSET_MAX_BYTES)}`);
  }
  const detected = detectImageType(bytes);
  if (!detected) throw new InvalidImageError('this file is not a PNG, JPEG, WebP, ICO or SVG image, whatever its name says');
  const said = (declared ?? '').split(';')[0]!.trim().toLowerCase();
  const saidType = ALIASES[said] ?? said;
  if (saidType !== detected) throw new InvalidImageError(`the file is a ${TYPE_NAMES[detected]} image but was sent as ${said || 'no type'}`);
  const accepted = BRANDING_ASSET_TYPES[slot];
  if (!accepted.includes(detected)) {
    const names = accepted.map((t) => TYPE_NAMES[t]).join(', ');
    throw new InvalidImageError(`${SLOT_NAMES[slot]} may be ${names}, not ${TYPE_NAMES[detected]}`);
  }
  return { contentType: detected, bytes: detected === 'image/svg+xml' ? sanitizeSvg(bytes) : bytes };
}
