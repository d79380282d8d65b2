import type { Role } from '@paddock/protocol';
import type { AppAction, PublishRequestAction, WorkspaceAction } from './policy.js';

/**
 * For every method of the services that read or change an owned object, how it is
 * authorized: by the policy (policy.ts) for its actor argument, or why it needs none.
 * The authorization suite (e2e/authorization.test.ts) enumerates these classes'
 * methods and fails for one missing here, and for every policy-checked method runs
 * a case proving a refused actor is refused (Coder's dbauthz does the same for its
 * query methods).
 *
 * - workspace / account / member / blueprint: the method asks the policy for that
 *   action on that object, for the actor it is given ('asked': the caller names the
 *   action, as `Workspaces.get(actor, id, action)` does).
 * - roles: the route layer admits only these roles (api/registerRoutes.ts); the
 *   object is no one's own (blueprint settings).
 * - holder: acts on an object the caller already holds from a policy-checked call
 *   (named), so it asks nothing again.
 * - credential: proves who someone is or redeems a single-use credential; there is
 *   no actor yet.
 * - internal: a helper of the class's own checked methods, or its plumbing.
 */
export type MethodRule =
  | { workspace: WorkspaceAction | 'asked' }
  | { account: 'manage' }
  | { member: 'manage' }
  | { blueprint: 'use' }
  | { publishRequest: PublishRequestAction }
  | { app: AppAction }
  | { roles: readonly Role[] }
  | { holder: string }
  | { credential: true }
  | { internal: true };

const internal = { internal: true } as const;
const credential = { credential: true } as const;
const admins = { roles: ['admin'] } as const;
const readers = { roles: ['admin', 'auditor'] } as const;
const ownAgent = { holder: "an agent authenticated on its control stream; only for workspaces placed on it (checked in the query)" } as const;

export const SERVICE_RULES: Record<string, Record<string, MethodRule>> = {
  /** The admin list (Admin → Workspaces): scoped by the policy's read, so a builder would see their own only (the route admits admins and auditors). */
  WorkspaceDirectory: {
    list: { workspace: 'read' },
  },
  Workspaces: {
    list: { workspace: 'read' },
    get: { workspace: 'asked' },
    create: { blueprint: 'use' },
    setDesired: { workspace: 'operate' },
    stopAllOwnedBy: { workspace: 'stop' },
    stopWhereBlueprintAccessLost: { workspace: 'stop' },
    setObserved: { workspace: 'observe' },
    keepAlive: { workspace: 'operate' },
    rename: { workspace: 'operate' },
    // Each stop and cleanup is checked again, for the actor given, in policyChange.
    enforceResourcePolicy: { workspace: 'enforcePolicy' },
    policyChange: internal,
    assertWithinRunningLimit: internal,
    markActive: internal,
    recordRun: internal,
    touch: { holder: "a workspace id from an authorized use (a terminal, a preview grant, a file save, a prompt) or a usage record its own agent sent; it only moves the idle deadline" },
    agentOf: { holder: 'a workspace from Workspaces.get' },
    ownerOf: { holder: "a workspace id from a bus event; the event stream asks can(actor, 'read') with the owner for each subscriber" },
    notifyChanged: { holder: 'a workspace id an agent reported on; it only tells subscribers, who each see it by their own read' },
    audited: internal, createIn: internal, setDesiredIn: internal, changed: internal,
  },
  PreviewAuth: {
    issue: { holder: "a workspace from Workspaces.get(actor, id, 'connect')" },
    redeem: credential,
    check: { workspace: 'connect' },
  },
  TerminalTickets: {
    issue: { holder: "a workspace from Workspaces.get(actor, id, 'connect')" },
    redeem: credential,
  },
  Blueprints: {
    list: { blueprint: 'use' },
    get: { blueprint: 'use' },
    setupOf: { holder: 'a workspace from Workspaces.get' },
    create: admins,
    update: admins,
    archive: admins,
    unarchive: admins,
    setArchived: internal,
    duplicate: admins,
    delete: admins,
  },
  BlueprintAccessControl: {
    usableIds: { blueprint: 'use' },
    mayUse: { blueprint: 'use' },
    assertUsable: { blueprint: 'use' },
    get: { roles: ['admin', 'auditor'] },
    set: admins,
  },
  GovernancePolicies: {
    org: readers, override: readers, killSwitch: readers,
    putOrg: admins, putOverride: admins, setKillSwitch: admins,
    effectiveFor: { holder: 'a workspace row the reconciler is sending the spec of' },
    storedOverride: readers, grantsOf: readers, assertBlueprint: internal,
  },
  // Reads only: a draft is replayed, nothing is saved (an admin's draft, a reader's suggestions).
  GovernanceSimulator: {
    simulate: admins, report: readers, replay: readers, replayPage: internal, labels: internal,
  },
  GovernanceSuggester: {
    suggest: readers, overreaching: internal,
  },
  GovernanceEvents: {
    record: ownAgent, list: readers, get: readers, row: internal,
    recordPortalEvent: { holder: "a budget's alert, raised by the budget watch about the ledger's own call that crossed the threshold" },
  },
  Budgets: {
    list: readers, replace: admins,
    months: internal, markAlerted: internal, countRefusal: internal, checkTargets: internal,
  },
  BudgetWatch: {
    statuses: readers,
    forActor: { holder: "the signed-in user: the route passes its own actor's id, and only budgets counting that user's calls are answered" },
    refused: ownAgent,
    refusalFor: { holder: 'a workspace row the reconciler read, to build its model route' },
    start: internal, stop: internal, trigger: internal, settled: internal, onRefusalsChanged: internal,
    pass: internal, alert: internal, evaluate: internal, groupMembers: internal, labels: internal,
  },
  GovernanceApprovals: {
    hold: ownAgent, list: readers, decide: admins,
    sweep: internal, outcome: { holder: 'an approval id from the bus; it goes only to the agent that asked for the hold' },
  },
  WorkspaceGovernance: {
    get: { workspace: 'read' },
  },
  Publishing: {
    request: { workspace: 'publish' },
    status: { workspace: 'read' },
    list: { publishRequest: 'read' },
    get: { publishRequest: 'read' },
    approve: { publishRequest: 'decide' },
    reject: { publishRequest: 'decide' },
    decide: { holder: 'a request from row(actor, id, \'decide\')' },
    row: internal, assertSubdomainFree: internal, changed: internal, lastPublished: internal,
  },
  PublishedApps: {
    list: { app: 'read' },
    get: { app: 'read' },
    versions: { app: 'read' },
    rollback: { app: 'manage' },
    unpublish: { app: 'manage' },
    signInLink: { holder: 'the signed-in member: any member may open any published app; the token is for them and that app only' },
    takeDown: { holder: "an app from unpublish (checked for 'manage') or from the app reconciler's kill-switch pass, as the policy sweeper" },
    publishApproved: { holder: 'a request an admin (or the trusted owner) approved, inside the transaction that approved it' },
    markLive: { holder: 'an app sandbox its own agent reported running, after the app answered on its port' },
    markFailed: { holder: 'an app sandbox its own agent reported failed, or that did not answer' },
    toApp: internal, row: internal, ownerEmail: internal, changed: internal,
  },
  Identity: {
    createUser: { member: 'manage' },
    createUserIn: { member: 'manage' },
    updateUser: { member: 'manage' },
    deactivate: { member: 'manage' },
    reactivate: { member: 'manage' },
    getUser: { roles: ['admin', 'auditor'] },
    listUsers: { roles: ['admin', 'auditor'] },
    listGroups: { roles: ['admin', 'auditor'] },
    listSessions: { account: 'manage' },
    revokeSession: { account: 'manage' },
    listTokens: { account: 'manage' },
    deleteToken: { account: 'manage' },
    changePassword: { holder: "the actor's own account (it changes the caller's password)" },
    logout: { holder: "the actor's own session" },
    createToken: { holder: "the caller's own user id (POST /tokens), or bootstrap's admin" },
    login: credential, openSession: credential, actorFromSession: credential, actorById: credential, actorFromToken: credential,
    countGuess: internal, assertAnotherAdmin: internal, deactivateIn: internal, reactivateIn: internal, replacePassword: internal,
  },
};
