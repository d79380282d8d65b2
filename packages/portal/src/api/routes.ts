import { agentRoutes } from './agentRoutes.js';
import { aiRoutes } from './aiRoutes.js';
import { auditRoutes } from './auditRoutes.js';
import { brandingRoutes } from './brandingRoutes.js';
import { authRoutes } from './authRoutes.js';
import { blueprintRoutes } from './blueprintRoutes.js';
import { blueprintSecretRoutes } from './blueprintSecretRoutes.js';
import { blueprintLlmKeyRoutes } from './blueprintLlmKeyRoutes.js';
import { blueprintGitRemoteRoutes } from './blueprintGitRemoteRoutes.js';
import { eventRoutes } from './eventRoutes.js';
import { fileRoutes } from './fileRoutes.js';
import { ipAllowlistRoutes } from './ipAllowlistRoutes.js';
import { previewRoutes } from './previewRoutes.js';
import type { Route, WebSocketRoute } from './route.js';
import { scimRoutes } from './scimRoutes.js';
import { terminalRoute } from './terminalRoute.js';
import { ssoRoutes } from './ssoRoutes.js';
import { tokenRoutes } from './tokenRoutes.js';
import { usageRoutes } from './usageRoutes.js';
import { policyRoutes } from './policyRoutes.js';
import { userRoutes } from './userRoutes.js';
import { workspaceRoutes } from './workspaceRoutes.js';
import { adminWorkspaceRoutes } from './adminWorkspaceRoutes.js';
import { securityRoutes } from './securityRoutes.js';
import { masterKeyRoutes } from './masterKeyRoutes.js';
import { backupRoutes } from './backupRoutes.js';
import { governanceRoutes } from './governanceRoutes.js';
import { publishRoutes } from './publishRoutes.js';
import { appRoutes } from './appRoutes.js';
import { governanceFeedRoute } from './governanceFeedRoute.js';
import { overviewRoutes } from './overviewRoutes.js';

/** The route table: every API route, with who may call it. */
export const apiRoutes: Route[] = [
  ...masterKeyRoutes,
  ...backupRoutes,
  ...authRoutes,
  ...ssoRoutes,
  ...userRoutes,
  ...tokenRoutes,
  ...blueprintRoutes,
  ...blueprintSecretRoutes,
  ...blueprintLlmKeyRoutes,
  ...blueprintGitRemoteRoutes,
  ...workspaceRoutes,
  ...adminWorkspaceRoutes,
  ...policyRoutes,
  ...previewRoutes,
  ...fileRoutes,
  ...aiRoutes,
  ...eventRoutes,
  ...auditRoutes,
  ...ipAllowlistRoutes,
  ...securityRoutes,
  ...agentRoutes,
  ...overviewRoutes,
  ...usageRoutes,
  ...governanceRoutes,
  ...publishRoutes,
  ...appRoutes,
  ...brandingRoutes,
  ...scimRoutes,
];

export const webSocketRoutes: WebSocketRoute[] = [terminalRoute, governanceFeedRoute];
