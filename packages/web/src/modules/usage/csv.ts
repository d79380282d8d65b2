// The CSV itself is the protocol's (the portal's exports write the same), with its formula guard.
export { toCsv } from '@paddock/protocol';

/** Offers the text as a download, without a round trip: the data is what the page shows. */
export function downloadCsv(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}
