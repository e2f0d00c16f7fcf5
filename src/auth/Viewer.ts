/**
 * Who is calling, as verified at the edge. Resolvers and data sources read it; nothing
 * but `buildContext` makes one.
 */
export interface Viewer {
  /**
   * `user` (a verified access token for a user), `client` (a machine client's own
   * client-credentials token: no user), `apiKey` (a partner or device key) or `anonymous`.
   */
  readonly kind: 'user' | 'client' | 'apiKey' | 'anonymous';
  /** The user id (JWT `sub`) for `user` viewers. */
  readonly userId: string | undefined;
  /** Granted scopes, from the token's `scope` claim or the API key's configuration. */
  readonly scopes: ReadonlySet<string>;
  /** The calling client: the BFF's own name (`mobile`, `web`), the API key's client name or a machine token's `client_id`. */
  readonly client: string;
  /** The API key's plan (rate limits), `default` otherwise. */
  readonly plan: string;
  /** A user token's verified claims (`tier`, `country`, …), for routing segments (src/routing). */
  readonly claims?: Readonly<Record<string, unknown>>;
}

export function anonymousViewer(client: string): Viewer {
  return { kind: 'anonymous', userId: undefined, scopes: new Set(), client, plan: 'default' };
}
