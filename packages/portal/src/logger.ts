import pino from 'pino';

/**
 * Logs never carry secrets or terminal bytes: query strings (tickets) are cut
 * from URLs, and credential-bearing fields are redacted wherever they appear.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): pino.Logger {
  return pino({
    level,
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'secret', '*.secret', 'ticket', '*.ticket',
        'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: req.url.split('?')[0], ip: req.ip }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
  }, destination);
}
