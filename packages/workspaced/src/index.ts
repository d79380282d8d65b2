export { createDaemon, type Daemon, type DaemonOptions } from './createDaemon.js';
export { ScrollbackRing } from './pty/scrollbackRing.js';
export type { FlowControlOptions } from './pty/ptySession.js';
