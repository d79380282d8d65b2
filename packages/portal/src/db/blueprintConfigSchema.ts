import type { ColumnType } from 'kysely';

/**
 * blueprints.workspace_config (migrations/0008_blueprint_config.sql): read as
 * parsed JSON, written as a JSON string. Its shape is the protocol's
 * blueprintWorkspaceConfigSchema; parse it on read (older rows lack fields).
 */
export type BlueprintWorkspaceConfigColumn = ColumnType<unknown, string | undefined, string>;
