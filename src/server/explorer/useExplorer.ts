import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import type { BffConfig } from '../../config/loadConfig.js';
import type { Logger } from '../../observability/createLogger.js';
import { explorerPage, missingExplorerPage } from './explorerPage.js';

export interface ExplorerOptions {
  /** The GraphQL endpoint's path; the page, its assets and the SDL live under it. */
  endpoint: string;
  /** Which BFF this is (the page's title and help). */
  bff: string;
  /** What a browser gets on `GET <endpoint>` (`BFF_EXPLORER`; always `off` in production). */
  mode: BffConfig['explorer'];
  /** The schema whose SDL `GET <endpoint>/schema.graphql` answers; undefined: no such route (production). */
  schema: GraphQLSchema | undefined;
  /** Whether `x-bff-debug: fanout` is honoured: the page pre-fills and explains it only then. */
  fanoutDebug: boolean;
  /** The BFF is the browser's token handler (`/auth/*`): the page offers sign-in and sends the session cookie. */
  signIn?: boolean;
  log: Logger;
}

export interface Explorer {
  /** Whether `request` is a browser asking the endpoint for a page (GET, HTML acceptable). */
  wantsPage(request: FastifyRequest): boolean;
  /** Answers with the explorer's page. */
  sendPage(reply: FastifyReply): FastifyReply;
  /** The two above together (gateOperation's `servePage`): @returns whether it answered with the page. */
  servePage(request: FastifyRequest, reply: FastifyReply): boolean;
}

/**
 * The browser bundles GraphiQL's packages ship, served as `<endpoint>/explorer/<name>`.
 * GraphiQL 4 is the last major that ships one (a UMD build on React 18's UMD build); GraphiQL 5
 * ships only ES modules and Monaco workers for a bundler to put together, which here took
 * ~20 s per build and 6.7 MB of script. These files are served as they are: nothing is
 * built, and nothing is fetched from anywhere but this BFF.
 */
const PACKAGE_ASSETS: Readonly<Record<string, readonly [pkg: string, file: string]>> = {
  'react.js': ['react', 'umd/react.production.min.js'],
  'react-dom.js': ['react-dom', 'umd/react-dom.production.min.js'],
  'graphiql.js': ['graphiql', 'graphiql.min.js'],
  'graphiql.css': ['graphiql', 'graphiql.min.css'],
  'plugin-explorer.js': ['@graphiql/plugin-explorer', 'dist/index.umd.js'],
  'plugin-explorer.css': ['@graphiql/plugin-explorer', 'dist/style.css'],
};
/** The page's own script and styles, beside this file (copied to dist/ by `npm run build`). */
const OWN_ASSETS: Readonly<Record<string, string>> = {
  'start.js': 'browser/start.js',
  'page.css': 'browser/page.css',
};

/** Nothing but this BFF: scripts and styles from its own origin, requests to it alone. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // GraphiQL's editors set inline styles.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The developer's view of a BFF, outside production:
 * - `GET <endpoint>/schema.graphql`: the SDL, with its directives (`@auth(scopes: …)`), whatever the mode;
 * - with `mode: 'graphiql'`, the page a browser gets on `GET <endpoint>` (GraphiQL with the
 *   explorer plugin, a help panel on tokens and `x-bff-debug`, the headers pre-filled) and its
 *   assets under `<endpoint>/explorer/`. The page's Content-Security-Policy lets it reach
 *   nothing but this BFF.
 * `sandbox` is Apollo's landing page (createServer installs it); `off` serves no page.
 *
 * @returns the page's hooks for the endpoint's GET handler; undefined unless `mode` is `graphiql`.
 */
export function useExplorer(app: FastifyInstance, options: ExplorerOptions): Explorer | undefined {
  const { endpoint, schema } = options;
  if (schema) {
    let sdl: string | undefined;
    app.get(`${endpoint}/schema.graphql`, async (_request, reply) => {
      sdl ??= printSchemaWithDirectives(schema);
      return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-cache').send(sdl);
    });
  }
  if (options.mode !== 'graphiql') return undefined;

  const files = locateAssets();
  if (!files) {
    options.log.warn(
      { packages: [...new Set(Object.values(PACKAGE_ASSETS).map(([pkg]) => pkg))] },
      'the explorer packages are not installed (a production install?): GET on the endpoint explains how to get them',
    );
  }
  // Relative to the page (the endpoint itself), so that a path prefix in front of the BFF still works.
  const relative = endpoint.slice(endpoint.lastIndexOf('/') + 1);
  const sdlPath = `${relative}/schema.graphql`;
  const page = files
    ? explorerPage({
        bff: options.bff,
        assets: `${relative}/explorer/`,
        sdlPath,
        fanoutDebug: options.fanoutDebug,
        signIn: options.signIn ?? false,
      })
    : missingExplorerPage(options.bff, sdlPath);

  if (files) {
    const loaded = new Map<string, Buffer>();
    app.get<{ Params: { file: string } }>(`${endpoint}/explorer/:file`, async (request, reply) => {
      const path = files.get(request.params.file);
      if (!path) return reply.callNotFound();
      let body = loaded.get(path);
      if (!body) loaded.set(path, (body = readFileSync(path)));
      return (
        reply
          .type(path.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8')
          // Unversioned URLs: revalidate, so that an upgraded package is never mixed with a cached one.
          .header('cache-control', 'no-cache')
          .send(body)
      );
    });
  }

  const explorer: Explorer = {
    wantsPage(request) {
      // As Apollo decides for its landing page: a GET that accepts HTML is a browser.
      return request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');
    },
    sendPage(reply) {
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .send(page);
    },
    servePage(request, reply) {
      if (!explorer.wantsPage(request)) return false;
      explorer.sendPage(reply);
      return true;
    },
  };
  return explorer;
}

/** @returns each asset's name and file; undefined when a package is not installed (e.g. `npm ci --omit=dev`). */
function locateAssets(): Map<string, string> | undefined {
  const require = createRequire(import.meta.url);
  const here = dirname(fileURLToPath(import.meta.url));
  const files = new Map<string, string>();
  try {
    for (const [name, [pkg, file]] of Object.entries(PACKAGE_ASSETS)) {
      files.set(name, join(dirname(require.resolve(`${pkg}/package.json`)), file));
    }
  } catch {
    return undefined;
  }
  for (const [name, file] of Object.entries(OWN_ASSETS)) files.set(name, join(here, file));
  return files;
}
