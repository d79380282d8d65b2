export { startModelSim, type ModelSim, type ModelSimOptions, type SeenRequest } from './modelSim.js';
export { DEMO_MODEL_ID, DEMO_DEV_SERVER_PORT, scriptedReply } from './scenarios.js';
export type { MessagesRequest, Reply, ReplyBlock, Usage } from './messages.js';
export type { ChatCompletionsRequest } from './chatCompletions.js';
