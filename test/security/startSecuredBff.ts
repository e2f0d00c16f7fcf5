import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { createApiKeyVerifier } from '../../src/auth/createApiKeyVerifier.js';
import { createAuthenticator } from '../../src/auth/createAuthenticator.js';
import { createTokenVerifier } from '../../src/auth/createTokenVerifier.js';
import { loadConfig } from '../../src/config/loadConfig.js';
import type { CreateServerOptions } from '../../src/server/createServer.js';
import type { BackendsProcess } from '../fixtures/startBackends.js';
import { backendEnv, BFFS, type BffName, type RunningBff } from '../fixtures/startBffs.js';
import { ISSUER, NOW, type TestIssuer } from './testIssuer.js';

/** Plain-text API keys the tests present; the BFF is configured with their hashes only. */
export const API_KEYS = {
  mobileDevice: 'mk_test_device_0123456789abcdef',
  webPartner: 'wk_test_partner_0123456789abcdef',
  revoked: 'rk_test_revoked_0123456789abcdef',
} as const;

const sha256 = (key: string) => createHash('sha256').update(key).digest('hex');

export const API_KEYS_ENV = JSON.stringify([
  { client: 'kiosk-app', sha256: sha256(API_KEYS.mobileDevice), bffs: ['mobile'], plan: 'device', scopes: ['catalog:read'] },
  { client: 'acme-partner', sha256: sha256(API_KEYS.webPartner), bffs: ['web'], plan: 'partner', scopes: ['catalog:read'] },
  { client: 'old-partner', sha256: sha256(API_KEYS.revoked), bffs: ['mobile', 'web'], revoked: true },
]);

/**
 * A BFF trusting the test's own issuer (a JWKS file) and verifying tokens at the controlled
 * clock NOW, with the test API keys; otherwise as startBff builds it.
 */
export async function startSecuredBff(
  name: BffName,
  backends: BackendsProcess,
  issuer: TestIssuer,
  env: Record<string, string> = {},
  overrides: Partial<CreateServerOptions> = {},
): Promise<RunningBff> {
  const config = loadConfig(BFFS[name].profile, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    BFF_HOST: '127.0.0.1',
    BFF_PORT: '0',
    RATE_LIMIT_ENABLED: 'false',
    ...backendEnv(backends),
    JWKS_FILE: issuer.jwksFile,
    JWT_ISSUER: ISSUER,
    API_KEYS: API_KEYS_ENV,
    ...env,
  });
  const authenticate = createAuthenticator({
    client: config.name,
    verifyToken: createTokenVerifier({ auth: config.auth, now: NOW }),
    verifyApiKey: createApiKeyVerifier({ bff: config.name, keys: config.auth.apiKeys }),
  });
  const server = await BFFS[name].create(config, { authenticate, ...overrides });
  const url = await server.listen();
  return { name, server, config, url, origin: new URL(url).origin, adminOrigin: server.adminUrl!, close: () => server.close() };
}

/** Every backend call the backends process has counted so far. */
export async function backendCalls(backends: BackendsProcess): Promise<number> {
  return Object.values(await backends.admin.stats()).reduce((sum, service) => sum + service.calls, 0);
}

export interface RawResponse {
  status: number;
  contentType: string;
  /** The `x-request-id` response header. */
  requestId: string | null;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  text: string;
}

/** Sends any HTTP request and parses the body as JSON (failing loudly when it is not). */
export async function send(url: string, init: RequestInit = {}): Promise<RawResponse> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: RawResponse['body'];
  try {
    body = JSON.parse(text) as RawResponse['body'];
  } catch {
    throw new Error(`non-JSON response (${res.status} ${res.headers.get('content-type')}): ${text.slice(0, 200)}`);
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', requestId: res.headers.get('x-request-id'), body, text };
}

/** POSTs `{ query, variables, extensions }` as JSON. */
export function post(url: string, payload: Record<string, unknown>, headers: Record<string, string> = {}): Promise<RawResponse> {
  return send(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(payload) });
}

/**
 * Writes `head` (request line and headers, CRLF-separated, without the blank line) on a raw
 * socket to `origin` and parses the answer: for requests fetch cannot send (HTTP/1.0, no Host).
 */
export async function sendRaw(origin: string, head: string): Promise<RawResponse> {
  const { hostname, port } = new URL(origin);
  const socket = connect({ host: hostname, port: Number(port) });
  await once(socket, 'connect');
  socket.end(`${head}\r\n\r\n`);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  const [headText = '', ...rest] = raw.split('\r\n\r\n');
  const [statusLine = '', ...headerLines] = headText.split('\r\n');
  const headers = new Map(
    headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  let text = rest.join('\r\n\r\n');
  if (headers.get('transfer-encoding') === 'chunked')
    text = text
      .replace(/^[0-9a-f]+\r\n/i, '')
      .replace(/\r\n0\r\n\r\n$/, '')
      .replace(/\r\n0\r\n$/, '');
  let body: RawResponse['body'];
  try {
    body = JSON.parse(text) as RawResponse['body'];
  } catch {
    throw new Error(`non-JSON response: ${raw.slice(0, 300)}`);
  }
  return {
    status: Number(statusLine.split(' ')[1]),
    contentType: headers.get('content-type') ?? '',
    requestId: headers.get('x-request-id') ?? null,
    body,
    text,
  };
}
