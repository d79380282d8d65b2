import { stopwatch } from '../clock.js';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

type QueryId = PluginTransformQueryArgs['queryId'];

const OPERATIONS: Partial<Record<RootOperationNode['kind'], string>> = {
  SelectQueryNode: 'select',
  InsertQueryNode: 'insert',
  UpdateQueryNode: 'update',
  DeleteQueryNode: 'delete',
};

/**
 * Times every query from when Kysely hands it to the driver until its rows are
 * back (a failed query is not observed). Labels: the statement's kind only; raw
 * SQL (migrations, locks, counts) is `other`.
 */
export function queryTiming(observe: (operation: string, seconds: number) => void): KyselyPlugin {
  const started = new WeakMap<QueryId, { elapsed: () => number; operation: string }>();
  return {
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      started.set(args.queryId, { elapsed: stopwatch(), operation: OPERATIONS[args.node.kind] ?? 'other' });
      return args.node;
    },
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      const s = started.get(args.queryId);
      if (s) observe(s.operation, s.elapsed());
      return args.result;
    },
  };
}
