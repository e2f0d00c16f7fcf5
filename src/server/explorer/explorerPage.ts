/**
 * The HTML of the explorer page (useExplorer.ts). Everything it loads is relative to the
 * endpoint, so the page also works behind a proxy that serves the BFF under a path prefix.
 */

export interface ExplorerPageOptions {
  bff: string;
  /** Where the assets are, relative to the page: `graphql/explorer/`. */
  assets: string;
  /** Where the SDL is, relative to the page. */
  sdlPath: string;
  fanoutDebug: boolean;
  /** Offer the token handler's sign-in (`/auth/login`) and send the session cookie with the CSRF header. */
  signIn: boolean;
}

/** The commands that print a demo token (scripts/token.ts), as the help panel shows them. */
export const TOKEN_COMMANDS = [
  '# a customer',
  'npm run -s token -- --sub u-00007',
  '# staff (orders:read:all customers:read)',
  'npm run -s token -- --sub u-00001 --staff',
];

/** The pre-filled Authorization value; the page leaves out any header value holding '<' (start.js). */
export const TOKEN_PLACEHOLDER = 'Bearer <paste the output of: npm run -s token -- --sub u-00007>';

/** @returns the page: GraphiQL's bundles, its configuration as JSON, and the script that starts it. */
export function explorerPage(options: ExplorerPageOptions): string {
  const { bff, assets } = options;
  const headers: Record<string, string> = { Authorization: TOKEN_PLACEHOLDER };
  if (options.fanoutDebug) headers['x-bff-debug'] = 'fanout';
  const config = {
    bff,
    sdlPath: options.sdlPath,
    fanoutDebug: options.fanoutDebug,
    signIn: options.signIn,
    tokenCommands: TOKEN_COMMANDS,
    defaultHeaders: JSON.stringify(headers, null, 2),
    defaultQuery: [
      `# bff-${bff}, in GraphiQL served by the BFF itself.`,
      '#',
      '# Build a query with the Explorer, or type one',
      '# (Ctrl-Space completes); Ctrl-Enter runs it.',
      '# The Docs say which fields need a user or a scope.',
      '# Signing in, x-bff-debug: "Getting started" (?).',
      '',
      '{',
      '  __typename',
      '}',
      '',
    ].join('\n'),
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bff-${escapeHtml(bff)} · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assets}graphiql.css">
<link rel="stylesheet" href="${assets}plugin-explorer.css">
<link rel="stylesheet" href="${assets}page.css">
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<noscript>GraphiQL needs JavaScript. The schema is at <a href="${escapeHtml(options.sdlPath)}">${escapeHtml(options.sdlPath)}</a>.</noscript>
<script type="application/json" id="explorer-config">${jsonInHtml(config)}</script>
<script src="${assets}react.js"></script>
<script src="${assets}react-dom.js"></script>
<script src="${assets}graphiql.js"></script>
<script src="${assets}plugin-explorer.js"></script>
<script src="${assets}start.js"></script>
</body>
</html>
`;
}

/** @returns the page served when the explorer's packages are missing: what to do instead. */
export function missingExplorerPage(bff: string, sdlPath: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>bff-${escapeHtml(bff)}</title><link rel="icon" href="data:,"></head>
<body>
<h1>bff-${escapeHtml(bff)}: the explorer is not installed</h1>
<p>GraphiQL is a development dependency: run <code>npm ci</code> (without <code>--omit=dev</code>) and restart the BFF,
or start it with <code>BFF_EXPLORER=sandbox</code> for Apollo Sandbox (needs internet).</p>
<p>The schema: <a href="${escapeHtml(sdlPath)}">${escapeHtml(sdlPath)}</a>. Operations: <code>POST</code> JSON to this URL.</p>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that cannot end its `<script>` element early. */
function jsonInHtml(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}
