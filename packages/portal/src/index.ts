export { startPortal, type Portal, type PortalOptions } from './app.js';
export { configFromEnv, type PortalConfig, type TunnelHttpTimeouts } from './config.js';
export { FakeClock, systemClock, type Clock } from './clock.js';
export { openDatabase, type Database } from './db/database.js';
export { createLogger } from './logger.js';
export { apiRoutes, webSocketRoutes } from './api/routes.js';
export type { Route, WebSocketRoute, Access } from './api/route.js';
export { adminCommands, isAdminCommand, runAdminCommand, type AdminCommand } from './admin/adminCommands.js';
export { previewCookieName } from './preview/previewCookies.js';
