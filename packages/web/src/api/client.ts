import { CSRF_HEADER } from '@paddock/protocol';

/** An error answered by the API, in its one error shape, or a network failure (status 0). */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  /** What the error carries beyond its words, for the UI to act on (the running workspaces of a quota_exceeded). */
  readonly details: Record<string, unknown> | undefined;

  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  get isUnauthorized(): boolean {
    return this.status === 401;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

/** A message fit to show a person, whatever was thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong.';
}

// The CSRF token comes with the session (login or /auth/me); every
// cookie-authenticated write must echo it back in a header.
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface RequestOptions {
  body?: unknown;
  /** Sent as text/plain instead of a JSON body (file contents). */
  text?: string;
  /** Sent as is, with its own type (an uploaded image). */
  file?: Blob;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

async function request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.text !== undefined) headers['content-type'] = 'text/plain; charset=utf-8';
  if (options.file !== undefined) headers['content-type'] = options.file.type || 'application/octet-stream';
  if (method !== 'GET' && csrfToken) headers[CSRF_HEADER] = csrfToken;

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.file ?? options.text ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', 'Could not reach the Paddock server. Check your connection.');
  }

  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const data: unknown = text ? safeParse(text) : undefined;

  if (!response.ok) throw toApiError(response, data);
  return data as T;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toApiError(response: Response, data: unknown): ApiError {
  const body = data as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined;
  const code = typeof body?.error?.code === 'string' ? body.error.code : `http_${response.status}`;
  const message =
    typeof body?.error?.message === 'string' && body.error.message
      ? body.error.message
      : response.statusText || `Request failed with status ${response.status}`;
  const details = body?.error?.details;
  return new ApiError(response.status, code, message, details && typeof details === 'object' ? (details as Record<string, unknown>) : undefined);
}

/** The one HTTP client of the web app. */
export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, { signal }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, { body }),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, { body }),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, { body }),
  delete: <T>(path: string) => request<T>('DELETE', path),
  putText: <T>(path: string, text: string, headers?: Record<string, string>) => request<T>('PUT', path, { text, headers }),
  putFile: <T>(path: string, file: Blob) => request<T>('PUT', path, { file }),
};
