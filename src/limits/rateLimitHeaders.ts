import type { PolicyState } from './createRateLimiter.js';

/**
 * The IETF httpapi draft's headers (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy`
 * lists each limit counted (`"user";q=600;w=60`), `RateLimit` what is left of each and when it
 * resets (`"user";r=598;t=42`).
 *
 * Its own module, so that answering with the headers does not load the limiter
 * (rate-limiter-flexible), which a BFF with rate limiting off never loads.
 */
export function rateLimitHeaders(policies: readonly PolicyState[]): Record<string, string> {
  return {
    'ratelimit-policy': policies.map((p) => `"${p.policy}";q=${p.quota};w=${p.windowSeconds}`).join(', '),
    ratelimit: policies.map((p) => `"${p.policy}";r=${p.remaining};t=${p.resetSeconds}`).join(', '),
  };
}
