import { z } from 'zod';

/**
 * The routing rules file (ROUTING_RULES_FILE, e.g. `routing-rules.json`): experiments, each
 * with weighted variants, optional segments that pin a variant, and an optional canary
 * analysis. Validated with zod like the rest of the configuration; a file that does not
 * validate is refused as a whole (the router keeps its last good rules).
 */

const name = z.string().regex(/^[A-Za-z0-9][\w.-]{0,63}$/, 'must be 1-64 letters, digits, . _ -');
const claimValue = z.union([z.string(), z.number(), z.boolean()]);

/** Who a segment is: every condition given must hold (an empty match holds for everyone). */
export const matchSchema = z
  .object({
    /** JWT claims of a signed-in user: `{ "tier": "gold" }`, `{ "country": ["DE", "AT"] }`, `{ "staff": true }`. */
    claim: z.record(z.string(), z.union([claimValue, z.array(claimValue).min(1)])).optional(),
    /** A scope the viewer holds (`customers:read`). */
    scope: z.string().min(1).optional(),
    /** `user` (signed in) or `anonymous`. */
    viewer: z.enum(['user', 'anonymous']).optional(),
    /** The calling app: `apollographql-client-name` and `apollographql-client-version` (or `x-app-name` / `x-app-version`). */
    client: z
      .object({
        name: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
        /** Versions at or above (dotted numbers, `3.2.0`). */
        minVersion: z
          .string()
          .regex(/^\d+(\.\d+)*$/)
          .optional(),
        /** Versions below. */
        belowVersion: z
          .string()
          .regex(/^\d+(\.\d+)*$/)
          .optional(),
      })
      .strict()
      .optional(),
    /** Request headers with exact values: the app's own header, `{ "x-app-platform": "ios" }`. */
    header: z.record(z.string().regex(/^[a-z0-9-]+$/, 'header names in lower case'), z.string()).optional(),
  })
  .strict();
export type Match = z.infer<typeof matchSchema>;

const variantSchema = z
  .object({
    name,
    /** Share of the users not pinned by a segment; relative to the other variants' weights. */
    weight: z.number().min(0).max(1_000_000),
    /** For an experiment with a `backend`: this variant's instance (URL, or host:port for gRPC). Default: the configured one. */
    address: z.string().min(1).optional(),
  })
  .strict();

const canarySchema = z
  .object({
    /** The variant under analysis; compared with the baseline (the first variant). */
    variant: name,
    /** The sliding window both are measured over. */
    windowSeconds: z.number().int().min(1).max(3_600).default(60),
    /** Calls the canary needs in the window before it is judged. */
    minCalls: z.number().int().min(1).max(1_000_000).default(20),
    /** Rolled back when its error rate exceeds the baseline's by more than this (0..1). */
    maxErrorRateIncrease: z.number().min(0).max(1).default(0.05),
    /** Rolled back when its mean latency exceeds the baseline's × this + `latencySlackMs`. */
    maxLatencyRatio: z.number().min(1).max(1_000).default(2),
    latencySlackMs: z.number().min(0).max(60_000).default(50),
  })
  .strict();

const experimentSchema = z
  .object({
    name,
    /** Off without deleting: everyone gets the baseline. Default true. */
    enabled: z.boolean().default(true),
    /** The BFFs it runs in, by their profile's name (`mobile`, `web`); default every BFF. */
    bffs: z
      .array(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/))
      .min(1)
      .optional(),
    /** When set, the variants choose which instance of this backend serves the request. */
    backend: z.enum(['users', 'catalog', 'orders', 'inventory', 'reviews']).optional(),
    /** The first variant is the baseline: where traffic goes when nothing else applies or a canary is rolled back. */
    variants: z.array(variantSchema).min(1).max(16),
    /** First match wins and pins its variant; everyone else is split by weight. */
    segments: z
      .array(z.object({ when: matchSchema, variant: name }).strict())
      .max(64)
      .default([]),
    canary: canarySchema.optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    const names = new Set<string>();
    for (const v of e.variants) {
      if (names.has(v.name)) ctx.addIssue({ code: 'custom', path: ['variants'], message: `variant "${v.name}" is listed twice` });
      names.add(v.name);
      if (v.address !== undefined && e.backend === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['variants'],
          message: `variant "${v.name}" has an address but the experiment names no backend`,
        });
    }
    if (e.variants.every((v) => v.weight === 0))
      ctx.addIssue({ code: 'custom', path: ['variants'], message: 'at least one variant needs a weight above 0' });
    for (const s of e.segments) {
      if (!names.has(s.variant))
        ctx.addIssue({ code: 'custom', path: ['segments'], message: `segment names unknown variant "${s.variant}"` });
    }
    if (e.canary) {
      if (!names.has(e.canary.variant))
        ctx.addIssue({ code: 'custom', path: ['canary', 'variant'], message: `unknown variant "${e.canary.variant}"` });
      if (e.canary.variant === e.variants[0]!.name)
        ctx.addIssue({ code: 'custom', path: ['canary', 'variant'], message: 'the canary cannot be the baseline (the first variant)' });
      if (e.backend === undefined) ctx.addIssue({ code: 'custom', path: ['canary'], message: 'a canary needs a backend to measure' });
    }
  });
export type Experiment = z.infer<typeof experimentSchema>;

export const routingRulesSchema = z
  .object({
    $comment: z.string().optional(),
    /** Who may choose variants with the override header (`x-bff-variant`); a test key (ROUTING_TEST_KEYS) may too. */
    staff: z.array(matchSchema).default([]),
    experiments: z.array(experimentSchema).max(64).default([]),
  })
  .strict()
  .superRefine((rules, ctx) => {
    const seen = new Set<string>();
    // Per backend, the experiments routing it and in which BFFs (undefined: every BFF).
    const routed = new Map<string, { name: string; bffs: readonly string[] | undefined }[]>();
    rules.experiments.forEach((e, i) => {
      if (seen.has(e.name))
        ctx.addIssue({ code: 'custom', path: ['experiments', i, 'name'], message: `experiment "${e.name}" is listed twice` });
      seen.add(e.name);
      if (e.backend === undefined) return;
      // One request sees one instance per backend: two experiments on one backend in one BFF could disagree.
      const others = routed.get(e.backend) ?? [];
      const clash = others.find((o) => o.bffs === undefined || e.bffs === undefined || o.bffs.some((bff) => e.bffs!.includes(bff)));
      if (clash)
        ctx.addIssue({
          code: 'custom',
          path: ['experiments', i, 'backend'],
          message: `backend "${e.backend}" is already routed by "${clash.name}" in the same BFF`,
        });
      routed.set(e.backend, [...others, { name: e.name, bffs: e.bffs }]);
    });
  });
export type RoutingRules = z.infer<typeof routingRulesSchema>;

/**
 * @returns the rules of a file's text.
 * @throws TypeError naming the file and every invalid path (JSON syntax included).
 */
export function parseRoutingRules(text: string, source: string): RoutingRules {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`${source}: not JSON: ${(error as Error).message}`);
  }
  const result = routingRulesSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new TypeError(`${source}: ${issues.join('; ')}`);
  }
  return result.data;
}
