const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The small HTML page a preview origin (or a published app's) answers with when it can't show
 * the app, under the portal's name (Admin → Branding; escaped like everything else here).
 */
export function previewPage(title: string, message: string, portalUrl: string | undefined, portalName = 'Paddock'): string {
  const link = portalUrl ? `<p><a href="${escape(portalUrl)}">Back to ${escape(portalName)}</a></p>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
    `<title>${escape(title)} · ${escape(portalName)}</title><style>body{font:15px system-ui,sans-serif;color:#18181b;max-width:32rem;margin:15vh auto;padding:0 1rem}` +
    `h1{font-size:1.25rem}p{color:#52525b}a{color:#18181b}</style></head><body><h1>${escape(title)}</h1><p>${escape(message)}</p>${link}</body></html>`;
}
