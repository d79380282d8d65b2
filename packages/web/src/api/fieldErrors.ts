import { isApiError } from './client';

/**
 * The API's one error shape names each bad field in its message
 * (`invalid request body: rules.2.match.command: Too small; mode: Invalid option`, or a
 * service's own `rules: the id "x" is used twice`). This splits such a message
 * into field path → message, so a form can show each beside its field; what
 * names no field is left in `rest` for a banner.
 */
export function fieldErrors(error: unknown): { fields: Record<string, string>; rest: string[] } {
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  if (!isApiError(error) || error.status !== 400) return { fields, rest };
  // parseInput's prefix: "invalid request body: ", "invalid query: " …
  const text = error.message.replace(/^invalid [a-z ]+: /, '');
  for (const part of text.split('; ')) {
    const m = /^([A-Za-z_][\w]*(?:\.[\w]+)*): (.+)$/.exec(part);
    if (m) fields[m[1]!] = fields[m[1]!] ? `${fields[m[1]!]}; ${m[2]}` : m[2]!;
    else rest.push(part);
  }
  return { fields, rest };
}

/** The messages of a path and everything under it (`rules.2` gathers `rules.2.match.command`). */
export function errorsUnder(fields: Record<string, string>, path: string): string | undefined {
  const found = Object.entries(fields).filter(([k]) => k === path || k.startsWith(`${path}.`)).map(([k, v]) => (k === path ? v : `${k.slice(path.length + 1)}: ${v}`));
  return found.length ? found.join('; ') : undefined;
}

/** What a zod issue carries that a message needs (the web app has no zod of its own: the protocol's schemas bring it). */
interface SchemaIssue {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  code?: string;
  origin?: string;
  maximum?: number | bigint;
  minimum?: number | bigint;
}

/**
 * A protocol schema's issues, checked in the browser before sending, as the same
 * field path → message map that fieldErrors makes of the server's answer, so a form
 * shows both the same way. Length limits are said in plain words.
 */
export function issueFields(issues: readonly SchemaIssue[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join('.') || 'form';
    fields[key] ??= issueMessage(issue);
  }
  return fields;
}

function issueMessage(issue: SchemaIssue): string {
  const text = issue.origin === 'string';
  if (issue.code === 'too_big' && issue.maximum !== undefined) return text ? `At most ${issue.maximum} characters` : `At most ${issue.maximum}`;
  if (issue.code === 'too_small' && issue.minimum !== undefined) return text && Number(issue.minimum) === 1 ? 'Required' : text ? `At least ${issue.minimum} characters` : `At least ${issue.minimum}`;
  return issue.message;
}
