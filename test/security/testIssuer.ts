import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** The controlled clock of token tests: every token is signed and verified at this instant. */
export const NOW_S = 1_900_000_000;
export const NOW = () => new Date(NOW_S * 1000);
export const ISSUER = 'https://idp.test';
export const AUDIENCE = 'shop-bff';

export interface TestIssuer {
  kid: string;
  /** The public JWK Set, as an IdP would publish it. */
  jwks: { keys: JWK[] };
  /** A JWKS_FILE holding `jwks`. */
  jwksFile: string;
  /** The public key as PEM: what an "HS256 signed with the public key" attack uses as secret. */
  publicPem: string;
  /** A well-formed token for `sub` at NOW_S; `claims` and `header` override the defaults. */
  sign(sub: string, claims?: JWTPayload, header?: Record<string, unknown>): Promise<string>;
  /** The same claims signed by a key the IdP never published. */
  signWithUnknownKey(sub: string): Promise<string>;
  /** `alg: none`, no signature. */
  unsigned(sub: string): string;
  /** HS256 with the public key's PEM as the HMAC secret (the algorithm-confusion attack). */
  hs256WithPublicKey(sub: string): Promise<string>;
}

function defaults(sub: string, claims: JWTPayload): JWTPayload {
  return { iss: ISSUER, aud: AUDIENCE, sub, iat: NOW_S, exp: NOW_S + 3600, scope: 'orders:read:self', ...claims };
}

async function signWith(key: CryptoKey, kid: string, payload: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT', ...header }).sign(key);
}

/** An ES256 key pair owned by the test, its JWKS in a temp file, and token forgers. */
export async function createTestIssuer(kid = 'test-key-1'): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const other = await generateKeyPair('ES256');
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] };
  const jwksFile = join(mkdtempSync(join(tmpdir(), 'bff-jwks-')), 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify(jwks));
  const publicPem = await exportSPKI(publicKey);
  return {
    kid,
    jwks,
    jwksFile,
    publicPem,
    sign: (sub, claims = {}, header = {}) => signWith(privateKey, kid, defaults(sub, claims), header),
    signWithUnknownKey: (sub) => signWith(other.privateKey, 'not-published', defaults(sub, {})),
    unsigned(sub) {
      const part = (value: unknown) => base64url.encode(JSON.stringify(value));
      return `${part({ alg: 'none', typ: 'JWT', kid })}.${part(defaults(sub, {}))}.`;
    },
    hs256WithPublicKey: (sub) =>
      new SignJWT(defaults(sub, {})).setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT' }).sign(new TextEncoder().encode(publicPem)),
  };
}
