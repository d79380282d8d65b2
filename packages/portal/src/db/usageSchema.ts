import type { ColumnType, Generated } from 'kysely';

/** bigint: read as a number (the database layer parses int8); callers still coerce. */
type TokenCount = ColumnType<number, number, number>;

export interface LlmUsageTable {
  id: Generated<string>;
  at: ColumnType<Date, Date, Date>;
  agent_id: string;
  workspace_id: string;
  user_id: string;
  blueprint_id: string;
  model: string;
  input_tokens: TokenCount;
  output_tokens: TokenCount;
  cache_read_tokens: TokenCount;
  cache_write_tokens: TokenCount;
}
