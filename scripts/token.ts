/**
 * `npm run token -- --sub u-00007 [--scope "orders:read:self"] [--staff] [--ttl 3600] [--aud shop-bff]`
 *
 * Prints an access token signed by the running demo identity provider (`npm start` runs it
 * on http://127.0.0.1:5006; IDP_URL points elsewhere), for pasting into the explorer as
 * `Authorization: Bearer <token>`. Only the token goes to stdout, so
 * `TOKEN=$(npm run -s token -- --sub u-00007)` works; hints go to stderr.
 *
 * --staff adds the dashboard's staff scopes (orders:read:all customers:read) to the scope.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_SCOPE } from '../backends/idp/createIdp.js';

const STAFF_SCOPES = ['orders:read:all', 'customers:read'];
const USAGE = 'usage: npm run token -- --sub <user id> [--scope "<space-separated scopes>"] [--staff] [--ttl <seconds>] [--aud <audience>]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      sub: { type: 'string' },
      scope: { type: 'string' },
      staff: { type: 'boolean', default: false },
      ttl: { type: 'string' },
      aud: { type: 'string' },
    },
    strict: true,
  }));
} catch (error) {
  fail((error as Error).message);
}
if (!values.sub) fail('--sub is required');
const ttlSeconds = values.ttl === undefined ? undefined : Number(values.ttl);
if (ttlSeconds !== undefined && !(Number.isInteger(ttlSeconds) && ttlSeconds > 0))
  fail(`--ttl must be a positive integer, got ${values.ttl}`);

// Without --scope the IdP grants its default user scopes; --staff adds to whichever applies.
const scopes = (values.scope ?? (values.staff ? DEFAULT_SCOPE : '')).split(' ').filter(Boolean);
if (values.staff) scopes.push(...STAFF_SCOPES.filter((s) => !scopes.includes(s)));

const idp = process.env.IDP_URL ?? 'http://127.0.0.1:5006';
let res: Response;
try {
  res = await fetch(new URL('/token', idp), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      sub: values.sub,
      ...(scopes.length > 0 && { scope: scopes.join(' ') }),
      ...(ttlSeconds !== undefined && { ttlSeconds }),
      ...(values.aud !== undefined && { aud: values.aud }),
    }),
    signal: AbortSignal.timeout(5_000),
  });
} catch (error) {
  process.stderr.write(`cannot reach the identity provider at ${idp} (${(error as Error).message}); is \`npm start\` running?\n`);
  process.exit(1);
}
if (!res.ok) {
  process.stderr.write(`${idp}/token answered ${res.status}: ${await res.text()}\n`);
  process.exit(1);
}
const { access_token: token, expires_in: expiresIn } = (await res.json()) as { access_token: string; expires_in: number };
process.stdout.write(`${token}\n`);
process.stderr.write(`(expires in ${expiresIn} s; send it as  Authorization: Bearer <token>)\n`);
