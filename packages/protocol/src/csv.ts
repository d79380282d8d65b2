/**
 * One CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180), and never
 * read as a formula by a spreadsheet: text starting with =, +, -, @, a tab or a carriage return
 * gets a leading ' (CSV injection; OWASP's list). Numbers stay numbers, negative ones too.
 * Shared by the web app's downloads and the portal's exports (the audit log).
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value !== 'number') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line (with its CRLF) of the fields in order. */
export function csvLine(values: unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** Rows as CSV text, with a header of their keys in `columns` order. */
export function toCsv<T extends object>(rows: T[], columns: Array<keyof T & string>): string {
  return csvLine(columns) + rows.map((r) => csvLine(columns.map((c) => r[c]))).join('');
}
