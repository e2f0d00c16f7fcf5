import { ApolloServer, type ApolloServerOptions } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { BffConfig } from '../config/loadConfig.js';
import type { BffContext } from '../context/BffContext.js';
import { formatErrorOf, operationGateway, useOperationPipeline } from './apolloPlugins.js';
import type { OperationPipeline } from './OperationPipeline.js';

/**
 * Apollo Server for the operations the fast path does not take, with the pipeline's steps as
 * its plugin, `formatError` and (jit) executor, and Apollo's own features this server relies on
 * stated rather than defaulted.
 *
 * @returns the server, started.
 */
export async function createApolloServer(
  pipeline: OperationPipeline,
  options: { config: BffConfig; persistedQueries: ApolloServerOptions<BffContext>['persistedQueries'] },
): Promise<ApolloServer<BffContext>> {
  const { config } = options;
  const apollo = new ApolloServer<BffContext>({
    // The jit executor reaches Apollo through its gateway interface, which then supplies the schema.
    ...(pipeline.executor === 'jit' ? { gateway: operationGateway(pipeline) } : { schema: pipeline.schema }),
    introspection: !config.production,
    // No "Did you mean …?" in production: it would leak the schema introspection hides.
    hideSchemaDetailsFromClientErrors: config.production,
    // Stack traces go to the log; outside production a client asks for a short one (formatResult).
    includeStacktraceInErrorResponses: false,
    formatError: formatErrorOf(pipeline),
    // Apollo's defaults, stated because the edge relies on them: a GET or a "simple" POST needs a
    // preflight-forcing header (CSRF), and a JSON array body is refused before it gets here.
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    persistedQueries: options.persistedQueries,
    // runServer owns the process's signals and the order of shutdown. Apollo's own SIGTERM
    // handler (on outside NODE_ENV=test) would start a second stop that waits out the
    // shutdown deadline whenever a client keeps an idle keep-alive connection.
    stopOnTerminationSignals: false,
    plugins: [
      // Every step of the operation (check, format, outcome) is the pipeline's: one plugin.
      useOperationPipeline(pipeline),
      // Apollo's plugin wraps every resolver of the schema (which the fast path shares) to
      // collect hints per field; that cost a third of the dashboard's throughput (see README,
      // Performance). The pipeline sets the same `Cache-Control` from the `@cacheControl` hints,
      // once per document (src/cache/responseCachePolicy.ts), on both paths.
      ApolloServerPluginCacheControlDisabled(),
      // Apollo installs its federated inline-trace plugin unless told not to; it only ever acts in a
      // subgraph (this is not one), but still costs every request a requestDidStart call.
      ApolloServerPluginInlineTraceDisabled(),
      // Apollo's page only when asked for (BFF_EXPLORER=sandbox: it loads from Apollo's CDN);
      // the default, GraphiQL, is served by useExplorer. Never in production.
      config.explorer === 'sandbox'
        ? ApolloServerPluginLandingPageLocalDefault({ embed: { endpointIsEditable: false }, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();
  return apollo;
}
