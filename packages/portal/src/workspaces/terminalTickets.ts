import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { hashSecret, newSecret } from '../ids.js';

export const TERMINAL_TICKET_TTL_MS = 30_000;

/**
 * Single-use, 30-second tickets that let a browser open a terminal WebSocket
 * (browsers can't set headers on one). Only hashes are stored; the redeeming
 * UPDATE is atomic, so a ticket works once even across portal replicas.
 */
export class TerminalTickets {
  constructor(private readonly db: Database, private readonly clock: Clock) {}

  async issue(userId: string, workspaceId: string): Promise<{ ticket: string; expiresAt: string }> {
    const ticket = newSecret('pdt');
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + TERMINAL_TICKET_TTL_MS);
    await this.db.deleteFrom('terminal_tickets').where('expires_at', '<', now).execute();
    await this.db.insertInto('terminal_tickets').values({
      ticket_hash: hashSecret(ticket), user_id: userId, workspace_id: workspaceId, expires_at: expiresAt, used_at: null,
    }).execute();
    return { ticket, expiresAt: expiresAt.toISOString() };
  }

  /** Returns the ticket's user when it is unused, unexpired and for this workspace; burns it either way. */
  async redeem(ticket: string, workspaceId: string): Promise<string | null> {
    const now = this.clock.now();
    const row = await this.db.updateTable('terminal_tickets').set({ used_at: now })
      .where('ticket_hash', '=', hashSecret(ticket)).where('used_at', 'is', null)
      .returning(['user_id', 'workspace_id', 'expires_at']).executeTakeFirst();
    if (!row || row.workspace_id !== workspaceId || row.expires_at <= now) return null;
    return row.user_id;
  }
}
