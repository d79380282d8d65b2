import type { FastifyInstance } from 'fastify';
import { BRANDING_ASSET_MAX_BYTES, brandingAssetSlotSchema, brandingSchema, putBrandingRequestSchema, type BrandingAssetSlot } from '@paddock/protocol';
import { brandingHashSchema } from '../branding/brandingService.js';
import { ApiError, NotFoundError } from '../errors.js';
import { route } from './route.js';

/**
 * A served image runs nothing, even opened on its own: its exact type, no sniffing, and a
 * policy that allows no script, no fetch and no plugin (`sandbox` also gives it an opaque
 * origin). The URL names the version (its hash), so it may be cached for good.
 */
const ASSET_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
  'cache-control': 'public, max-age=31536000, immutable',
  'cross-origin-resource-policy': 'same-origin',
};

/** Images are uploaded as their raw bytes; the route checks what they are (branding/brandImage.ts). */
export function registerImageContentTypes(app: FastifyInstance): void {
  app.addContentTypeParser(/^image\/[a-z0-9.+-]+$/i, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
}

const slotParam = { slot: brandingAssetSlotSchema };

export const brandingRoutes = [
  route({
    method: 'GET', url: '/api/v1/branding', access: 'public',
    summary: "The portal's brand: name, accent colour, logo and favicon URLs (when uploaded), the builder home's welcome; shown before anyone signs in",
    response: brandingSchema,
    handler: async ({ services }) => services.branding.get(),
  }),
  route({
    method: 'PUT', url: '/api/v1/admin/branding', access: 'admin',
    summary: "Sets the portal's name, accent colour (#rrggbb) and the builder home's welcome (title, text, call to action), replaced whole",
    body: putBrandingRequestSchema, response: brandingSchema,
    handler: async ({ body, actor, services }) => services.branding.put(body, actor),
  }),
  route({
    method: 'PUT', url: '/api/v1/admin/branding/:slot', access: 'admin',
    summary: 'Uploads the light-mode logo, the dark-mode logo or the favicon (slot logo-light | logo-dark | favicon): the raw image as the body with its Content-Type; PNG, JPEG, WebP, ICO (favicon) or SVG (sanitised, or refused when unsafe), at most 512 KiB',
    params: slotParam, response: brandingSchema,
    // Anything up to twice the limit reaches the check, which says what the limit is.
    bodyLimit: BRANDING_ASSET_MAX_BYTES * 2,
    handler: async ({ params, req, actor, services }) => {
      if (!Buffer.isBuffer(req.body)) {
        throw new ApiError(415, 'unsupported_media_type', 'send the image itself as the body, with its type (image/png, image/svg+xml…) as the Content-Type');
      }
      return services.branding.putAsset(params.slot as BrandingAssetSlot, req.headers['content-type'], req.body, actor);
    },
  }),
  route({
    method: 'DELETE', url: '/api/v1/admin/branding/:slot', access: 'admin',
    summary: 'Removes an uploaded logo or the favicon (Paddock\'s own shows again; the dark logo falls back to the light one)',
    params: slotParam, response: brandingSchema,
    handler: async ({ params, actor, services }) => services.branding.deleteAsset(params.slot as BrandingAssetSlot, actor),
  }),
  route({
    method: 'GET', url: '/api/v1/branding/assets/:slot/:hash', access: 'public',
    summary: 'An uploaded image, at the URL GET /api/v1/branding gives (its hash names the version; an old one is 404)',
    params: { ...slotParam, hash: brandingHashSchema }, response: 'file',
    handler: async ({ params, reply, services }) => {
      const image = await services.branding.asset(params.slot as BrandingAssetSlot, params.hash);
      if (!image) throw new NotFoundError('image');
      return reply.headers(ASSET_HEADERS).type(image.contentType).send(image.bytes);
    },
  }),
];
