export { openTestDatabase, testEngine, type TestDatabase, type TestEngine } from './testDatabase.js';
export { engineSpecific, engineSpecificTests } from './engineSpecific.js';
