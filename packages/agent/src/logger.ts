import pino from 'pino';
import pretty from 'pino-pretty';

/**
 * The agent's logger: JSON lines for machines, readable lines on a terminal
 * (LOG_FORMAT=json|pretty overrides), and the credentials the agent handles
 * (its own secret, enrollment tokens, provider and virtual keys, workspace
 * secrets) redacted by configuration wherever a log call puts them.
 */
const SENSITIVE_KEYS = [
  'secret', 'agentSecret', 'token', 'enrollmentToken', 'apiKey', 'upstreamApiKey', 'virtualKey', 'password', 'authorization', 'env',
];
export const AGENT_REDACT_PATHS = [
  ...SENSITIVE_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
  ...['authorization', 'x-api-key', 'proxy-authorization', 'cookie'].map((h) => `req.headers["${h}"]`),
];

export function agentLogFormat(env: NodeJS.ProcessEnv = process.env, stream: { isTTY?: boolean } = process.stdout): 'json' | 'pretty' {
  if (env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty') return env.LOG_FORMAT;
  return stream.isTTY ? 'pretty' : 'json';
}

export function createAgentLogger(level: string, destination?: pino.DestinationStream): pino.Logger {
  const out = destination ?? (agentLogFormat() === 'pretty'
    ? pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', sync: true })
    : undefined);
  return pino({ level, base: { component: 'agent' }, redact: { paths: AGENT_REDACT_PATHS, censor: '[redacted]' } }, out);
}
