/**
 * The dashboard's one HTML page: a shell that loads the script and the stylesheet (both served by
 * the dashboard itself; no inline script or style, so the Content-Security-Policy forbids them) and
 * carries the CSRF token and the settings in meta tags. Everything else is built by the script,
 * with text nodes only.
 */
import type { AccessControl } from './access.js';

/** What the page embeds. */
export interface PageSettings {
  readonly access: Pick<AccessControl, 'csrfToken'>;
  readonly readOnly: boolean;
  readonly refreshMs: number;
}

/** Escapes text for an HTML attribute value or text content. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The page's HTML. */
export function renderPage(settings: PageSettings): string {
  const csrf = escapeHtml(settings.access.csrfToken);
  const readOnly = settings.readOnly ? 'true' : 'false';
  const refresh = escapeHtml(String(settings.refreshMs));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${csrf}">
<meta name="rs-settings" data-read-only="${readOnly}" data-refresh-ms="${refresh}">
<title>redis-streamer dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/app.css">
<script src="assets/app.js" defer></script>
</head>
<body>
<header class="top">
  <h1><span class="logo" aria-hidden="true"></span>redis-streamer</h1>
  <span id="mode" class="badge"></span>
  <span id="status" class="status" role="status" aria-live="polite">loading…</span>
</header>
<div class="layout">
  <nav id="channels" class="channels" aria-label="Channels"></nav>
  <main id="main" class="main"></main>
</div>
<noscript>This dashboard needs JavaScript.</noscript>
</body>
</html>
`;
}
