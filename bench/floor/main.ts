/**
 * The floor contender: a plain `node:http` server answering the benchmark's operations by
 * hand (bench/floor/floorOperations.ts), with the BFF's own edge work and clients but no
 * GraphQL. Configured by the same environment as a BFF (BFF_PORT, backend addresses,
 * JWKS_URL, IDENTITY_HMAC_SECRET, UPSTREAM_*), so the benchmark starts it like one.
 *
 *   POST /graphql  {"operationName": "Home" | "OrdersTable", "variables": {...}}
 *   → 200 {"data": ...}, exactly the BFF's data for that operation and those variables.
 *
 * It imports the kit's modules directly, not through src/index.ts, on purpose: the index
 * loads the server stack (Apollo Server, fastify, graphql-jit), which the floor leaves out and
 * whose memory would otherwise count in the floor's figures.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { createAuthenticator } from '../../src/auth/createAuthenticator.js';
import { createTokenVerifier } from '../../src/auth/createTokenVerifier.js';
import { callSigner, identityHeaders } from '../../src/auth/signIdentity.js';
import { loadConfig } from '../../src/config/loadConfig.js';
import { FanoutRecorder } from '../../src/context/FanoutRecorder.js';
import { CallScope } from '../../src/datasources/CallScope.js';
import { createBackends } from '../../src/datasources/createBackends.js';
import { asBffError } from '../../src/errors/BffError.js';
import { applyV8Settings } from '../../src/server/v8Settings.js';
import { floorOperations } from './floorOperations.js';
import { webProfile } from '../../bff-web/webProfile.js';

const config = loadConfig(webProfile);
// The BFF's own V8 settings: the floor measures what GraphQL costs, not a runtime setting.
applyV8Settings(config);
const backends = createBackends(config);
const verifyToken = createTokenVerifier({ auth: config.auth });
// The client name the BFF serving each operation would propagate to the backends.
const authenticators = {
  mobile: createAuthenticator({ client: 'mobile', verifyToken }),
  web: createAuthenticator({ client: 'web', verifyToken }),
};
const clientOf: Record<string, 'mobile' | 'web'> = { Home: 'mobile', OrdersTable: 'web' };
const c = config.upstream.concurrencyPerRequest;
const concurrency = { users: c, catalog: c, orders: c, inventory: c, reviews: c };

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const server = createServer((req, res) => {
  const startedAt = Date.now();
  const requestId = randomUUID();
  // The BFF's own cancellation, line for line (src/server/createServer.ts), so both pay the
  // same for it and behave the same when a load run ends with requests in flight.
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const send = (status: number, body: unknown) => {
    const json = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId });
    res.end(json);
  };
  void (async () => {
    const body = JSON.parse(await readBody(req)) as { operationName?: string; variables?: Record<string, unknown> };
    const name = body.operationName ?? '';
    const operation = floorOperations[name];
    const client = clientOf[name];
    if (req.method !== 'POST' || !operation || !client)
      return send(404, { errors: [{ message: `The floor has no operation "${name}".` }] });
    const viewer = await authenticators[client](req.headers);
    const propagation = identityHeaders(viewer, requestId);
    const scope = new CallScope(
      requestId,
      propagation,
      startedAt + config.requestTimeoutMs,
      controller.signal,
      new FanoutRecorder(),
      concurrency,
      callSigner(config.identitySecret, propagation),
    );
    const data = await operation({ viewer, scope, backends, variables: body.variables ?? {}, now: startedAt });
    send(200, { data });
  })().catch((error: unknown) => {
    const bff = asBffError(error);
    send(bff ? ((bff.extensions.http as { status?: number } | undefined)?.status ?? 500) : 500, {
      errors: [{ message: (error as Error).message, extensions: { code: bff?.code ?? 'INTERNAL_SERVER_ERROR', reason: bff?.reason } }],
    });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(config.port, config.host, () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ event: 'contender.ready', port: typeof address === 'object' && address ? address.port : config.port })}\n`,
  );
});
const stop = () => server.close(() => void backends.close().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
