import { randomUUID } from 'node:crypto';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import { createAuthenticator, type Authenticator } from '../auth/createAuthenticator.js';
import { createTokenVerifier } from '../auth/createTokenVerifier.js';
import type { Viewer } from '../auth/Viewer.js';
import type { BffConfig } from '../config/loadConfig.js';
import type { BffContext } from '../context/BffContext.js';
import { buildContext } from '../context/buildContext.js';
import { createBackends, type Backends } from '../datasources/createBackends.js';
import { asBffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';
import { createLogger, type Logger } from '../observability/createLogger.js';
import { createFormatError, useErrorMasking } from './plugins/useErrorMasking.js';
import { useFanoutReceipt } from './plugins/useFanoutReceipt.js';
import { sendError } from './sendError.js';

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer;
    startedAt: number;
  }
}

export interface CreateServerOptions {
  config: BffConfig;
  /** The BFF's executable schema (its SDL and resolvers). */
  schema: GraphQLSchema;
  /** Backend clients; default: made from `config.backends`. */
  backends?: Backends;
  logger?: Logger;
  /** Default: bearer JWTs verified against the configured key set. */
  authenticate?: Authenticator;
  /** The BFF's own Apollo plugins, after the kit's. */
  plugins?: ApolloServerPlugin<BffContext>[];
}

export interface BffServer {
  readonly app: FastifyInstance;
  readonly apollo: ApolloServer<BffContext>;
  readonly backends: Backends;
  readonly config: BffConfig;
  readonly log: Logger;
  /** @returns the URL of the GraphQL endpoint. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Builds one BFF: fastify for HTTP, Apollo Server for GraphQL, the kit's edge pipeline
 * (request id → authentication → context) and plugins. Nothing here knows which client
 * the BFF serves; that is in the schema and plugins it is given.
 *
 * @returns a started (not yet listening) server.
 */
export async function createServer(options: CreateServerOptions): Promise<BffServer> {
  const { config, schema } = options;
  const log = options.logger ?? createLogger(config);
  const backends = options.backends ?? createBackends(config);
  const authenticate =
    options.authenticate ?? createAuthenticator({ client: config.name, verifyToken: createTokenVerifier({ auth: config.auth }) });

  const apollo = new ApolloServer<BffContext>({
    schema,
    introspection: !config.production,
    includeStacktraceInErrorResponses: !config.production,
    formatError: createFormatError({ mask: config.production }),
    plugins: [
      // No response cache reads cache hints here; computing them cost a third of the
      // dashboard's throughput in measurements (see README, Performance).
      ApolloServerPluginCacheControlDisabled(),
      config.production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: { endpointIsEditable: false }, includeCookies: false }),
      useErrorMasking(),
      useFanoutReceipt(),
      ...(options.plugins ?? []),
    ],
  });
  await apollo.start();

  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    genReqId: (req) => {
      const header = req.headers['x-request-id'];
      return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    },
  });
  app.decorateRequest('viewer', undefined as unknown as Viewer);
  app.decorateRequest('startedAt', 0);

  app.addHook('onRequest', async (request, reply) => {
    request.startedAt = Date.now();
    void reply.header('x-request-id', request.id);
  });

  app.setErrorHandler((error, request, reply) => {
    const bff = asBffError(error);
    if (bff) return sendError(reply, request, bff.code, bff.message, bff.extensions.http as { status?: number } | undefined);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    const fastifyCode = (error as { code?: string }).code;
    if (status >= 500) log.error({ err: error, requestId: request.id }, 'unhandled error');
    const [code, message] = httpErrorOf(status, fastifyCode, error);
    return sendError(reply, request, code, message, { status });
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, request, ErrorCode.NOT_FOUND, `No route ${request.method} ${request.url.split('?')[0]}.`, { status: 404 }));

  app.get('/healthz', async () => ({ status: 'ok' }));

  const graphqlHandler = fastifyApolloHandler<BffContext>(apollo, {
    context: async (request) => contextOf(request),
  });
  const contextOf = (request: FastifyRequest): BffContext => {
    const controller = new AbortController();
    request.raw.once('close', () => {
      if (!request.raw.complete || !request.raw.socket?.writable) controller.abort();
    });
    const traceparent = request.headers.traceparent;
    return buildContext(
      {
        requestId: request.id,
        viewer: request.viewer,
        log: log.child({ requestId: request.id }),
        signal: controller.signal,
        startedAt: request.startedAt,
        traceparent: typeof traceparent === 'string' ? traceparent : undefined,
        wantsFanout: request.headers['x-bff-debug'] === 'fanout',
      },
      { config, backends },
    );
  };

  const authenticated = async (request: FastifyRequest, reply: FastifyReply) => {
    request.viewer = await authenticate(request.headers);
    return graphqlHandler.call(app, request, reply);
  };
  app.route({ method: ['GET', 'POST'], url: '/graphql', handler: authenticated });
  app.route({
    method: ['PUT', 'PATCH', 'DELETE'],
    url: '/graphql',
    handler: async (request, reply) => {
      void reply.header('allow', 'GET, POST');
      return sendError(reply, request, ErrorCode.METHOD_NOT_ALLOWED, 'Use GET or POST.', { status: 405 });
    },
  });

  return {
    app,
    apollo,
    backends,
    config,
    log,
    async listen() {
      const address = await app.listen({ host: config.host, port: config.port });
      return `${address}/graphql`;
    },
    async close() {
      await app.close();
      await apollo.stop();
      await backends.close();
    },
  };
}

function httpErrorOf(status: number, fastifyCode: string | undefined, error: unknown): [ErrorCode, string] {
  if (status === 413) return [ErrorCode.PAYLOAD_TOO_LARGE, 'The request body is too large.'];
  if (status === 415) return [ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Send the operation as application/json.'];
  if (status === 404) return [ErrorCode.NOT_FOUND, 'Not found.'];
  if (status >= 400 && status < 500) {
    if (error instanceof SyntaxError || fastifyCode === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fastifyCode === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return [ErrorCode.BAD_REQUEST, 'The request body is not valid JSON.'];
    }
    return [ErrorCode.BAD_REQUEST, 'The request is malformed.'];
  }
  return [ErrorCode.INTERNAL_SERVER_ERROR, 'Unexpected error.'];
}
