import { z } from 'zod';
import { BFF_NAME } from '../config/BffProfile.js';

/**
 * One partner or device API key as configured. Only the key's SHA-256 is stored: a leaked
 * configuration does not leak usable keys, and the presented key is hashed before it is
 * compared, so the comparison runs over fixed-length digests.
 */
export interface ApiKeyRecord {
  /** The client's name: propagated to backends as `x-bff-client`, used in logs and rate limits. */
  client: string;
  /** Lower-case hex SHA-256 of the key. */
  sha256: string;
  /**
   * The BFFs this key may call, by their profile's name (BffProfile.name). Any name of that
   * shape is accepted here: the kit does not know which BFFs a deployment runs (one API_KEYS
   * serves them all), and each BFF lets through only the keys that name it (createApiKeyVerifier).
   */
  bffs: string[];
  /** The rate-limit plan. Default `partner`. */
  plan: string;
  /** Scopes granted to the key. Default none. */
  scopes: string[];
  /** A revoked key is refused like an unknown one (401), but is kept to say so in the log. */
  revoked: boolean;
}

const apiKeyRecords = z
  .array(
    z.strictObject({
      client: z.string().regex(/^[\w.:-]{1,64}$/, 'must be 1-64 of [A-Za-z0-9_.:-]'),
      sha256: z
        .string()
        .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits (the SHA-256 of the key)')
        .transform((hex) => hex.toLowerCase()),
      bffs: z.array(z.string().regex(BFF_NAME, `must be a BFF's name (${BFF_NAME.source})`)).min(1),
      plan: z.string().min(1).default('partner'),
      scopes: z.array(z.string().min(1)).default([]),
      revoked: z.boolean().default(false),
    }),
  )
  .superRefine((records, ctx) => {
    const seen = new Set<string>();
    for (const [index, record] of records.entries()) {
      if (seen.has(record.sha256)) ctx.addIssue({ code: 'custom', path: [index, 'sha256'], message: 'is configured twice' });
      seen.add(record.sha256);
    }
  });

/**
 * @param json the JSON text of `API_KEYS` or of the `API_KEYS_FILE`:
 *   `[{ "client": "acme", "sha256": "<hex>", "bffs": ["web"], "plan": "partner", "scopes": [], "revoked": false }]`
 * @returns the validated records.
 * @throws TypeError naming the bad entry and field, e.g. `[0].sha256: must be 64 hex digits …`.
 */
export function parseApiKeys(json: string): ApiKeyRecord[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new TypeError(`not valid JSON (${(error as Error).message})`);
  }
  const parsed = apiKeyRecords.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
    throw new TypeError(`${where || '(the list)'}: ${issue.message}`);
  }
  return parsed.data;
}
