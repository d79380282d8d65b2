/**
 * `@paddock/protocol/governance`: the one policy evaluator, in Node only (the
 * bash grammar is WebAssembly loaded from node_modules; the matchers use
 * node:url and node:path). The agent decides with it; the portal replays
 * recorded events through it (the simulator). The browser never imports it.
 */
export { evaluate, firstMatchingRule, ruleMatches, type EvaluateContext } from './governance/evaluate.js';
export { commandPatternMatches } from './governance/commandMatch.js';
export { normalizeRemote, refPatternMatches, remotePatternMatches } from './governance/gitMatch.js';
export { domainPatternMatches, httpPathMatches, methodMatches, normalizeDomain, normalizeHttpPath } from './governance/httpMatch.js';
export { WORKSPACE_ROOT, normalizeWorkspacePath, pathPatternMatches } from './governance/pathMatch.js';
export { basename, loadShellParser, parseCommandLine, stripWrappers, type ParsedCommandLine } from './governance/shellCommands.js';
export { SUMMARY_MAX, oneLine, recordedAction, redactedAction, summaryOf } from './governance/summary.js';
