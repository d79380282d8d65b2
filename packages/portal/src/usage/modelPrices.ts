import type { ModelPrice } from '@paddock/protocol';
import type { UserActor } from '../auth/actor.js';
import type { AuditLog } from '../audit/auditLog.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';

export type StoredModelPrice = ModelPrice & { updatedAt: string };

/**
 * The price table (migration 0024, seeded with list prices). Read on every usage
 * summary: a few rows, and a price an admin just changed counts at once.
 */
export class ModelPrices {
  constructor(private readonly db: Database, private readonly clock: Clock, private readonly audit: AuditLog) {}

  async list(): Promise<StoredModelPrice[]> {
    const rows = await this.db.selectFrom('model_prices').selectAll().orderBy('model').execute();
    return rows.map((r) => ({
      model: r.model,
      inputUsdPerMTok: Number(r.input_usd_per_mtok),
      outputUsdPerMTok: Number(r.output_usd_per_mtok),
      cacheReadUsdPerMTok: Number(r.cache_read_usd_per_mtok),
      cacheWriteUsdPerMTok: Number(r.cache_write_usd_per_mtok),
      updatedAt: r.updated_at.toISOString(),
    }));
  }

  /** Replaces the table in one transaction with its audit record: models left out lose their price. */
  async replace(items: readonly ModelPrice[], by: UserActor): Promise<StoredModelPrice[]> {
    const now = this.clock.now();
    await this.db.transaction().execute(async (tx) => {
      // Read and replaced in one transaction, so the audit's "removed" is what this save removed.
      const before = await tx.deleteFrom('model_prices').returning('model').execute();
      if (items.length > 0) {
        await tx.insertInto('model_prices').values(items.map((p) => ({
          model: p.model,
          input_usd_per_mtok: p.inputUsdPerMTok,
          output_usd_per_mtok: p.outputUsdPerMTok,
          cache_read_usd_per_mtok: p.cacheReadUsdPerMTok,
          cache_write_usd_per_mtok: p.cacheWriteUsdPerMTok,
          updated_at: now,
        }))).execute();
      }
      const kept = new Set(items.map((p) => p.model));
      await this.audit.append({
        actor: by, action: 'model_prices.update', targetType: 'setting', targetId: 'model_prices', outcome: 'success',
        detail: { models: items.map((p) => p.model), removed: before.map((p) => p.model).filter((m) => !kept.has(m)) },
      }, tx);
    });
    return this.list();
  }
}
