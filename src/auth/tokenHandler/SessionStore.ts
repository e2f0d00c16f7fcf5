import { createHash } from 'node:crypto';
import type { RedisClient } from '../../redis/createRedisClient.js';

/** What the token handler keeps for one browser session: the tokens never leave the server. */
export interface Session {
  sub: string;
  accessToken: string;
  refreshToken: string | undefined;
  idToken: string | undefined;
  /** When the access token expires, ms since the epoch. */
  accessExpiresAt: number;
  /** When the session ends whatever happens (SESSION_TTL_S after sign-in), ms since the epoch. */
  endsAt: number;
}

/**
 * Where sessions live. Keys are the SHA-256 of the cookie value, so the store (a Redis dump, a
 * heap snapshot) never holds a cookie that would work in a browser.
 */
export interface SessionStore {
  get(id: string): Promise<Session | undefined>;
  /** Stores until `session.endsAt`. */
  set(id: string, session: Session): Promise<void>;
  delete(id: string): Promise<void>;
  /** A short-lived record (a pending login: state and PKCE verifier), read once. */
  putOnce(id: string, value: string, ttlSeconds: number): Promise<void>;
  takeOnce(id: string): Promise<string | undefined>;
}

const keyOf = (id: string) => createHash('sha256').update(id).digest('base64url');

/** One process's sessions: the default, right for one replica (each replica has its own). */
export function createMemorySessionStore(now: () => number = Date.now): SessionStore {
  const sessions = new Map<string, Session>();
  const once = new Map<string, { value: string; expiresAt: number }>();
  const sweep = () => {
    const t = now();
    for (const [k, s] of sessions) if (s.endsAt <= t) sessions.delete(k);
    for (const [k, v] of once) if (v.expiresAt <= t) once.delete(k);
  };
  return {
    async get(id) {
      const session = sessions.get(keyOf(id));
      return session && session.endsAt > now() ? session : undefined;
    },
    async set(id, session) {
      sweep();
      sessions.set(keyOf(id), session);
    },
    async delete(id) {
      sessions.delete(keyOf(id));
    },
    async putOnce(id, value, ttlSeconds) {
      sweep();
      once.set(keyOf(id), { value, expiresAt: now() + ttlSeconds * 1000 });
    },
    async takeOnce(id) {
      const key = keyOf(id);
      const entry = once.get(key);
      once.delete(key);
      return entry && entry.expiresAt > now() ? entry.value : undefined;
    },
  };
}

/**
 * Sessions in Redis, shared by every replica: a sign-out on one is a sign-out on all, and a
 * refresh by one is seen by the others. Each key expires with its session.
 */
export function createRedisSessionStore(redis: RedisClient, prefix: string): SessionStore {
  const session = (id: string) => `${prefix}:session:${keyOf(id)}`;
  const pending = (id: string) => `${prefix}:login:${keyOf(id)}`;
  return {
    async get(id) {
      const text = await redis.get(session(id));
      return typeof text === 'string' ? (JSON.parse(text) as Session) : undefined;
    },
    async set(id, value) {
      const ms = Math.max(1, value.endsAt - Date.now());
      await redis.set(session(id), JSON.stringify(value), { PX: ms });
    },
    async delete(id) {
      await redis.del(session(id));
    },
    async putOnce(id, value, ttlSeconds) {
      await redis.set(pending(id), value, { EX: ttlSeconds });
    },
    async takeOnce(id) {
      const value = await redis.getDel(pending(id));
      return typeof value === 'string' ? value : undefined;
    },
  };
}
