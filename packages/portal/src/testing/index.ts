export { openTestDatabase, scratchPostgresDatabase, testEngine, testPostgresServer, type TestDatabase, type TestEngine } from './testDatabase.js';
export { engineSpecific, engineSpecificTests } from './engineSpecific.js';
export { AUDITOR_QUERY, canonicalizeWithCli, verifyAuditChainAsAuditor } from './auditorCheck.js';
export { undeclaredAnswer } from './declaredAnswer.js';
export { filesWithSizes, publicTables } from './untouched.js';
export { HANDS_OFF_RESOURCE_POLICY, useDefaultResourcePolicy } from './handsOffPolicy.js';
