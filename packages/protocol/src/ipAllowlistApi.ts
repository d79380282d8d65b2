import { z } from 'zod';
import { wellFormedString } from './strings.js';

/**
 * The IP allowlist. Entries are CIDRs or single addresses, IPv4 or IPv6; the
 * portal validates them strictly (the API answers 400 naming the bad entry).
 * An empty `cidrs` list lets everyone connect.
 */
export const ipAllowlistSchema = z.object({
  cidrs: z.array(wellFormedString().max(64)).max(1000),
  trustedProxies: z.array(wellFormedString().max(64)).max(100).default([]),
});
export type IpAllowlist = z.infer<typeof ipAllowlistSchema>;

export const ipAllowlistResponseSchema = z.object({
  cidrs: z.array(z.string()),
  trustedProxies: z.array(z.string()),
  updatedAt: z.string().nullable(),
});
export type IpAllowlistResponse = z.infer<typeof ipAllowlistResponseSchema>;

export const blockedAttemptSchema = z.object({
  id: z.number(),
  at: z.string(),
  ip: z.string(),
  method: z.string(),
  path: z.string(),
  userId: z.string().nullable(),
  userEmail: z.string().nullable(),
});
export type BlockedAttempt = z.infer<typeof blockedAttemptSchema>;
export const blockedAttemptsSchema = z.object({ attempts: z.array(blockedAttemptSchema) });
