import type { FastifyError } from 'fastify';

/** An error that is the client's fault, as Fastify or Node's HTTP parser found it. */
export interface ClientFault { status: number; code: string; message: string }

/** Fastify's own client errors keep their status, with our code and a message that doesn't echo the request back. */
const fastifyFaults: Record<string, { code: string; message?: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'invalid_input' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'invalid_input', message: 'the body is not valid JSON' },
  FST_ERR_BAD_URL: { code: 'invalid_url', message: 'the URL is not valid: broken percent-encoding or not UTF-8' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'uri_too_long', message: 'a part of the path is longer than any name it could be' },
};

/** A Fastify error that is the client's fault (4xx), or null for anything else. */
export function fastifyClientFault(err: FastifyError | Error): ClientFault | null {
  const fe = err as FastifyError;
  if (!fe.statusCode || fe.statusCode < 400 || fe.statusCode >= 500) return null;
  const known = fe.code ? fastifyFaults[fe.code] : undefined;
  return { status: fe.statusCode, code: known?.code ?? 'bad_request', message: known?.message ?? fe.message };
}

type ParserError = NodeJS.ErrnoException & { rawPacket?: Buffer; bytesParsed?: number };

/** The request line of the request the parser failed on (a connection may carry several). */
function failedRequestLine(err: ParserError): string {
  const raw = err.rawPacket?.toString('latin1') ?? '';
  const before = raw.slice(0, err.bytesParsed ?? raw.length);
  const start = before.lastIndexOf('\r\n\r\n');
  return raw.slice(start < 0 ? 0 : start + 4).split('\r\n', 1)[0] ?? '';
}

const notHttp = { status: 400, code: 'bad_request', message: 'the request is not valid HTTP' };

/** What Node's HTTP parser refused, as a status and the one error body, and the path it was for (if it got that far). */
export function parserFault(err: ParserError): ClientFault & { path: string } {
  const line = failedRequestLine(err);
  const path = line.split(' ')[1] ?? '';
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'headers_too_large', message: 'the request\'s headers are larger than the portal takes (16 KiB)', path };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'request_timeout', message: 'the request did not arrive in time', path };
    case 'HPE_INVALID_METHOD':
      // A well-formed request line with a method HTTP doesn't know is a 501 (RFC 9110 §9.1); anything else is not HTTP.
      return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \S+ HTTP\/\d\.\d$/.test(line)
        ? { status: 501, code: 'not_implemented', message: 'the portal does not know this method', path }
        : { ...notHttp, path };
    default:
      return { ...notHttp, path };
  }
}

export const httpReason: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large', 501: 'Not Implemented' };
