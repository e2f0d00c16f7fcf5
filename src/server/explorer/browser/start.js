// GraphiQL for this BFF, started from the packages the BFF serves itself (useExplorer.ts):
// React, GraphiQL and its explorer plugin arrive as the browser bundles their npm packages
// ship, so the page needs nothing beyond the BFF. Plain browser JavaScript, not compiled.
/* global React, ReactDOM, GraphiQL, GraphiQLPluginExplorer */
(function start() {
  const config = JSON.parse(document.getElementById('explorer-config').textContent);
  const h = React.createElement;

  // The page is served by the GraphQL endpoint itself: operations go to the page's own path.
  const endpoint = location.pathname;
  // On a BFF that is the browser's token handler, a signed-in session is the cookie: sent with
  // the header its CSRF defence asks for (the page is same-origin, so the browser adds Origin).
  const send = GraphiQL.createFetcher(
    config.signIn
      ? {
          url: endpoint,
          fetch: (url, init) =>
            fetch(
              url,
              Object.assign({}, init, {
                credentials: 'same-origin',
                headers: Object.assign({}, init?.headers, { 'x-bff-csrf': '1' }),
              }),
            ),
        }
      : { url: endpoint },
  );

  // The pre-filled Authorization header is a placeholder until a token is pasted in; a value
  // still holding '<' (never part of a token) is left out, so that the schema loads and
  // operations run anonymously instead of every request answering 401.
  function withoutPlaceholders(headers) {
    if (!headers) return headers;
    const kept = {};
    for (const name of Object.keys(headers)) {
      const value = headers[name];
      if (typeof value === 'string' && value.includes('<')) continue;
      kept[name] = value;
    }
    return kept;
  }
  function fetcher(params, options) {
    return send(params, Object.assign({}, options, { headers: withoutPlaceholders(options?.headers) }));
  }

  // The token handler's session, as /auth/session tells it: sign in through the identity
  // provider's page (back here afterwards), or sign out (the session ends on every replica).
  function SignIn() {
    const [session, setSession] = React.useState(undefined);
    React.useEffect(() => {
      fetch('/auth/session', { credentials: 'same-origin' })
        .then((res) => (res.ok ? res.json() : { authenticated: false }))
        .then(setSession, () => setSession({ authenticated: false }));
    }, []);
    const signOut = () =>
      fetch('/auth/logout', { method: 'POST', credentials: 'same-origin', headers: { 'x-bff-csrf': '1' } }).then(() => location.reload());
    if (session === undefined) return h('p', null, 'Checking the session…');
    if (session.authenticated) {
      return h(
        'p',
        { className: 'bff-session' },
        'Signed in as ',
        code(String(session.userId || session.sub || 'a user')),
        ' (session cookie; no token in the browser). ',
        h('button', { type: 'button', className: 'bff-sign-out', onClick: signOut }, 'Sign out'),
      );
    }
    return h(
      'p',
      null,
      h(
        'a',
        { className: 'bff-sign-in', href: '/auth/login?returnTo=' + encodeURIComponent(endpoint) },
        'Sign in with the demo identity provider',
      ),
      ' (staff: ',
      code('u-00001'),
      '): the BFF keeps the tokens and this page sends its session cookie. Or use a token:',
    );
  }

  function code(text) {
    return h('code', null, text);
  }
  function Help() {
    return h(
      'div',
      { className: 'bff-help' },
      h('div', { className: 'graphiql-doc-explorer-title' }, 'Getting started'),
      h(
        'p',
        null,
        'This is ',
        h('b', null, 'bff-' + config.bff),
        ', explored with GraphiQL served by the BFF itself (no internet needed).',
      ),
      h('h3', null, 'Sign in'),
      config.signIn ? h(SignIn) : null,
      h('p', null, 'Anonymous callers see public fields only. For a token from the demo identity provider, run in the repository:'),
      h('pre', null, config.tokenCommands.join('\n')),
      h(
        'p',
        null,
        'and replace the placeholder in the ',
        h('b', null, 'Headers'),
        ' tab below the query: ',
        code('"Authorization": "Bearer <token>"'),
        '. While the placeholder is there, it is not sent.',
      ),
      h(
        'p',
        null,
        'Fields that need a signed-in user or a scope say so in the Docs ("Requires a signed-in user…", from the schema’s ',
        code('@auth'),
        '). Without a user the answer is ',
        code('UNAUTHENTICATED'),
        ' (401); without the scope, ',
        code('FORBIDDEN'),
        ' (403).',
      ),
      h('h3', null, 'Backend calls'),
      config.fanoutDebug
        ? h(
            'p',
            null,
            'The header ',
            code('"x-bff-debug": "fanout"'),
            ' (pre-filled) adds ',
            code('extensions.fanout'),
            ' to each response: every backend call the request made, with its keys and time. Remove it for plain responses.',
          )
        : h('p', null, code('x-bff-debug: fanout'), ' is turned off on this BFF (', code('BFF_FANOUT_DEBUG'), ').'),
      h('h3', null, 'Schema'),
      h(
        'p',
        null,
        'Build a query with the ',
        h('b', null, 'Explorer'),
        ', read the ',
        h('b', null, 'Docs'),
        ', or download the SDL with its directives: ',
        h('a', { href: config.sdlPath }, config.sdlPath),
        '.',
      ),
      h(
        'p',
        null,
        'Prefer Apollo Sandbox (needs internet: it loads from Apollo’s CDN)? Start the BFF with ',
        code('BFF_EXPLORER=sandbox'),
        '.',
      ),
    );
  }
  const help = {
    title: 'Getting started',
    icon: function HelpIcon() {
      return h('span', { 'aria-hidden': true, className: 'bff-help-icon' }, '?');
    },
    content: Help,
  };

  // Links can carry an operation: ?query=…&variables=…&operationName=… (never headers: tokens stay out of URLs).
  const search = new URLSearchParams(location.search);
  const props = {
    fetcher,
    plugins: [help, GraphiQLPluginExplorer.explorerPlugin()],
    defaultQuery: config.defaultQuery,
    defaultHeaders: config.defaultHeaders,
    defaultEditorToolsVisibility: 'headers',
    // Tokens are not kept in the browser's storage between visits.
    shouldPersistHeaders: false,
  };
  for (const name of ['query', 'variables', 'operationName']) {
    if (search.has(name)) props[name] = search.get(name);
  }
  const root = document.getElementById('graphiql');
  ReactDOM.createRoot(root).render(h(GraphiQL, props));

  // On a first visit, open "Getting started" as if its button were clicked. (GraphiQL 4's
  // `visiblePlugin` prop marks a plugin visible without opening its pane on the first render.)
  const SEEN = 'bff-explorer:help-seen';
  if (!localStorage.getItem(SEEN)) {
    const opener = new MutationObserver(() => {
      const button = root.querySelector('button[aria-label="Show ' + help.title + '"]');
      if (!button) return;
      opener.disconnect();
      button.click();
      localStorage.setItem(SEEN, '1');
    });
    opener.observe(root, { childList: true, subtree: true });
  }
})();
