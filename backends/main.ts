/**
 * Starts the demo backends as one process: `npm run start:backends`.
 *
 * Environment (defaults in brackets):
 *   BACKENDS_HOST [127.0.0.1]            bind address of every server
 *   <NAME>_PORT                          one per server: ADMIN_PORT [5000] IDP_PORT [5006]
 *                                        BROKER_PORT [5007], and one per declared backend at its
 *                                        declared port (src/config/backends.ts): USERS_PORT [5001]
 *                                        CATALOG_PORT [5002] ORDERS_PORT [5003] INVENTORY_PORT [5004]
 *                                        REVIEWS_PORT [5005] SHIPPING_PORT [5008]
 *   CATALOG_V2_PORT [5009]               the second catalog instance (v2 ranking; routing-rules.json)
 *   BACKENDS_PORTS=ephemeral             every port 0 (OS-chosen); overrides the *_PORT vars
 *   IDENTITY_HMAC_SECRET [dev-identity-secret-change-me]
 *   JWT_ISSUER [https://idp.demo.shop]  JWT_AUDIENCE [shop-bff]
 *   IDP_EPHEMERAL_KEYS=1                 IdP keys in memory, not .dev-keys/idp-key.json
 *   IDP_ACCESS_TOKEN_TTL_S [300]         lifetime of the IdP's OAuth access tokens
 *   BACKEND_FAULTS                       JSON, as POST /faults on the admin port takes it
 *   BACKEND_LATENCY_MS [0]               latency added to every call of every service
 *   BROKER_URL                           redis://… : Redis Streams; unset (or http://…): this
 *                                        process hosts the embedded broker on BROKER_PORT
 *   BACKENDS_CONSUMERS [true]            run the returns and analytics queue consumers here
 *   QUEUE_CLAIM_IDLE_MS [30000]          an unacknowledged message is redelivered after this
 *   ORDERS_FULFILMENT_MS [0]             placed orders move one status on this often (0: never)
 *   ORDERS_WATCH_INTERVAL_MS [50]        pause between WatchOrderStatus events
 *   ORDERS_WATCH_REPEAT=1                WatchOrderStatus cycles its statuses forever (load tests)
 *
 * Stdout carries exactly one line, once all servers listen:
 *   {"event":"backends.ready","ports":{"admin":N,"idp":N,"broker":N,"users":N,...}}
 * Logs go to stderr. SIGTERM/SIGINT close every server and exit 0.
 */
import { loadBackendsOptions } from './loadBackendsOptions.js';
import { startBackends } from './startBackends.js';

try {
  const backends = await startBackends(loadBackendsOptions(process.env));
  process.stdout.write(`${JSON.stringify({ event: 'backends.ready', ports: backends.ports })}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`[backends] ${signal}: closing\n`);
    void backends.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (err) {
  process.stderr.write(`[backends] failed to start: ${(err as Error).message}\n`);
  process.exit(1);
}
