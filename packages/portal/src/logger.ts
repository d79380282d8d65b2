import pino from 'pino';
import pretty from 'pino-pretty';
import { currentRequestId } from './requestId.js';

/**
 * What is never logged, by configuration: credentials anywhere in a logged
 * object (pino's redact paths, up to two levels down) and every
 * header that carries one. URLs are logged without query strings (tickets,
 * preview sign-in tokens ride there).
 */
const SENSITIVE_KEYS = [
  'password', 'newPassword', 'currentPassword', 'token', 'ticket', 'secret', 'clientSecret', 'apiKey', 'upstreamApiKey',
  'authorization', 'cookie', 'csrf', 'csrfToken', 'value', 'secretValue', 'masterKey', 'enrollmentToken',
];
const SENSITIVE_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'x-csrf-token', 'x-api-key'];
export const REDACT_PATHS = [
  ...SENSITIVE_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
  ...SENSITIVE_HEADERS.map((h) => `req.headers["${h}"]`),
  'res.headers["set-cookie"]',
];

/** JSON lines for machines (not a TTY, or LOG_FORMAT=json); readable lines on a terminal (or LOG_FORMAT=pretty). */
export function logFormat(env: NodeJS.ProcessEnv = process.env, stream: { isTTY?: boolean } = process.stdout): 'json' | 'pretty' {
  if (env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty') return env.LOG_FORMAT;
  return stream.isTTY ? 'pretty' : 'json';
}

export function createLogger(level: string, destination?: pino.DestinationStream): pino.Logger {
  const out = destination ?? (logFormat() === 'pretty'
    ? pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', sync: true })
    : undefined);
  return pino({
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: { method?: string; url?: string; ip?: string }) => ({ method: req.method, url: req.url?.split('?')[0], ip: req.ip }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
    // The request being served, on lines the services write too; Fastify's own request logger already carries it.
    mixin: (_merge, _level, logger) => {
      const reqId = currentRequestId();
      return reqId && !('reqId' in logger.bindings()) ? { reqId } : {};
    },
  }, out);
}
