/** One CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180), and never read as a formula by a spreadsheet. */
function field(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  // A leading =, +, - or @ would make Excel or Sheets run it as a formula (CSV injection).
  if (/^[=+\-@]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows as CSV text, with a header of their keys in `columns` order. */
export function toCsv<T extends object>(rows: T[], columns: Array<keyof T & string>): string {
  return [columns.join(','), ...rows.map((r) => columns.map((c) => field(r[c])).join(','))].join('\r\n') + '\r\n';
}

/** Offers the text as a download, without a round trip: the data is what the page shows. */
export function downloadCsv(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}
