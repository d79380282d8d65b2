import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  DEFAULT_ACCENT_COLOR, DEFAULT_PORTAL_NAME, DEFAULT_WELCOME, putBrandingRequestSchema,
  type Branding, type BrandingAssetSlot, type PutBrandingRequest,
} from '@paddock/protocol';
import type { AuditLog } from '../audit/auditLog.js';
import type { UserActor } from '../auth/actor.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { NotFoundError } from '../errors.js';
import type { Settings } from '../settings.js';
import { checkBrandImage } from './brandImage.js';

export const BRANDING_SETTINGS_KEY = 'branding';

const DEFAULTS: PutBrandingRequest = { name: DEFAULT_PORTAL_NAME, accentColor: DEFAULT_ACCENT_COLOR, welcome: { ...DEFAULT_WELCOME } };

/** How much of an image's SHA-256 names its version in its URL: enough that two versions never share one. */
const URL_HASH_CHARS = 16;

/** How long a replica's server-written pages may show an old portal name. */
const NAME_TTL_MS = 30_000;

const URL_FIELDS: Record<BrandingAssetSlot, 'logoLightUrl' | 'logoDarkUrl' | 'faviconUrl'> = {
  'logo-light': 'logoLightUrl', 'logo-dark': 'logoDarkUrl', favicon: 'faviconUrl',
};

export const brandingAssetUrl = (slot: BrandingAssetSlot, sha256: string) => `/api/v1/branding/assets/${slot}/${sha256.slice(0, URL_HASH_CHARS)}`;

/**
 * The portal's brand: its name, accent colour and welcome (a setting), and its logos and
 * favicon (branding_assets, checked by checkBrandImage before they are stored). Every
 * change commits with its audit record; an image's record names its hash, never its bytes.
 */
export class BrandingService {
  constructor(private readonly deps: { db: Database; clock: Clock; settings: Settings; audit: AuditLog }) {}

  async get(): Promise<Branding> {
    const stored = await this.deps.settings.get(BRANDING_SETTINGS_KEY, putBrandingRequestSchema, DEFAULTS);
    const assets = await this.deps.db.selectFrom('branding_assets').select(['slot', 'sha256']).execute();
    const urls: Partial<Record<'logoLightUrl' | 'logoDarkUrl' | 'faviconUrl', string>> = {};
    for (const a of assets) urls[URL_FIELDS[a.slot]] = brandingAssetUrl(a.slot, a.sha256);
    return { ...stored, ...urls };
  }

  private known = { name: DEFAULT_PORTAL_NAME, at: Number.NEGATIVE_INFINITY, refreshing: false };

  /**
   * The portal's name for the pages the server writes itself (a preview's or a published app's
   * error pages), answered at once: the last one read, refreshed in the background when older
   * than NAME_TTL_MS (another replica's change shows within that), Paddock's until first read.
   */
  currentName(): string {
    const now = this.deps.clock.now().getTime();
    if (now - this.known.at > NAME_TTL_MS && !this.known.refreshing) {
      this.known.refreshing = true;
      void this.deps.settings.get(BRANDING_SETTINGS_KEY, putBrandingRequestSchema, DEFAULTS)
        .then((b) => { this.known.name = b.name; this.known.at = this.deps.clock.now().getTime(); })
        .catch(() => { /* the last name known stays; the next page asks again */ })
        .finally(() => { this.known.refreshing = false; });
    }
    return this.known.name;
  }

  async put(value: PutBrandingRequest, actor: UserActor): Promise<Branding> {
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.settings.set(BRANDING_SETTINGS_KEY, value, tx);
      await this.deps.audit.append({ actor, action: 'branding.update', targetType: 'setting', targetId: BRANDING_SETTINGS_KEY, outcome: 'success', detail: { ...value } }, tx);
    });
    this.known = { name: value.name, at: this.deps.clock.now().getTime(), refreshing: false };
    return this.get();
  }

  /** Checks (type by magic bytes, size, SVG sanitised or refused) and stores one image; what was refused writes nothing. */
  async putAsset(slot: BrandingAssetSlot, declaredType: string | undefined, body: Buffer, actor: UserActor): Promise<Branding> {
    const image = checkBrandImage(slot, declaredType, body);
    const sha256 = createHash('sha256').update(image.bytes).digest('hex');
    const now = this.deps.clock.now();
    const row = { content_type: image.contentType, bytes: image.bytes, sha256, updated_at: now };
    await this.deps.db.transaction().execute(async (tx) => {
      await tx.insertInto('branding_assets').values({ slot, ...row }).onConflict((oc) => oc.column('slot').doUpdateSet(row)).execute();
      await this.deps.audit.append({
        actor, action: 'branding.asset.upload', targetType: 'branding', targetId: slot, outcome: 'success',
        detail: { slot, contentType: image.contentType, bytes: image.bytes.length, sha256, sanitized: image.bytes !== body },
      }, tx);
    });
    return this.get();
  }

  async deleteAsset(slot: BrandingAssetSlot, actor: UserActor): Promise<Branding> {
    await this.deps.db.transaction().execute(async (tx) => {
      const gone = await tx.deleteFrom('branding_assets').where('slot', '=', slot).returning('sha256').executeTakeFirst();
      if (!gone) throw new NotFoundError('image');
      await this.deps.audit.append({
        actor, action: 'branding.asset.delete', targetType: 'branding', targetId: slot, outcome: 'success', detail: { slot, sha256: gone.sha256 },
      }, tx);
    });
    return this.get();
  }

  /** The image a URL names: the slot's current one, if its hash is the one in the URL. */
  async asset(slot: BrandingAssetSlot, hash: string): Promise<{ contentType: string; bytes: Buffer } | null> {
    const row = await this.deps.db.selectFrom('branding_assets').select(['content_type', 'bytes', 'sha256']).where('slot', '=', slot).executeTakeFirst();
    if (!row || row.sha256.slice(0, URL_HASH_CHARS) !== hash) return null;
    return { contentType: row.content_type, bytes: Buffer.from(row.bytes) };
  }
}

export const brandingHashSchema = z.string().regex(/^[0-9a-f]{16}$/);
