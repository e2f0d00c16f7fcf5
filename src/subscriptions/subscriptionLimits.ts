import { ConfigError } from '../config/loadConfig.js';

/** Limits and timers of the subscription transports, from the environment (docs/configuration.md). */
export interface SubscriptionLimits {
  /** SUBSCRIPTIONS_ENABLED [true]: serve WS upgrades on /graphql and SSE on /graphql/stream. */
  enabled: boolean;
  /** WS_MAX_CONNECTIONS [10000]: open subscription connections per process (WS and SSE); over it, 1013 / 503. */
  maxConnections: number;
  /** WS_MAX_CONNECTIONS_PER_USER [10]: per user (or API-key client, or address when anonymous). */
  maxConnectionsPerUser: number;
  /** WS_MAX_SUBSCRIPTIONS [20]: concurrent subscriptions on one connection. */
  maxSubscriptionsPerConnection: number;
  /** WS_MAX_MESSAGES_PER_SECOND [50]: client messages per second on one connection; over it, 4429. */
  maxMessagesPerSecond: number;
  /** WS_MAX_MESSAGE_BYTES [65536]: one client message. */
  maxMessageBytes: number;
  /** WS_MAX_QUEUED_EVENTS [100]: events waiting for one slow subscriber before 4413. */
  maxQueuedEvents: number;
  /** WS_MAX_BUFFERED_BYTES [1048576]: bytes the socket may hold unsent before 4413. */
  maxBufferedBytes: number;
  /** WS_KEEPALIVE_MS [12000]: ping interval; a connection without a pong by the next ping is dropped. 0: off. */
  keepAliveMs: number;
  /** WS_IDLE_TIMEOUT_MS [300000]: no subscription and no message for this long: 4411. 0: off. */
  idleTimeoutMs: number;
  /** WS_MAX_LIFETIME_MS [3600000]: 4412 after this long, whatever the connection does. 0: off. */
  maxLifetimeMs: number;
  /** WS_INIT_TIMEOUT_MS [3000]: time to send connection_init (4408). */
  initTimeoutMs: number;
}

const DEFAULTS: Record<Exclude<keyof SubscriptionLimits, 'enabled'>, [string, number, number]> = {
  maxConnections: ['WS_MAX_CONNECTIONS', 10_000, 1],
  maxConnectionsPerUser: ['WS_MAX_CONNECTIONS_PER_USER', 10, 1],
  maxSubscriptionsPerConnection: ['WS_MAX_SUBSCRIPTIONS', 20, 1],
  maxMessagesPerSecond: ['WS_MAX_MESSAGES_PER_SECOND', 50, 1],
  maxMessageBytes: ['WS_MAX_MESSAGE_BYTES', 65_536, 1024],
  maxQueuedEvents: ['WS_MAX_QUEUED_EVENTS', 100, 1],
  maxBufferedBytes: ['WS_MAX_BUFFERED_BYTES', 1_048_576, 1024],
  keepAliveMs: ['WS_KEEPALIVE_MS', 12_000, 0],
  idleTimeoutMs: ['WS_IDLE_TIMEOUT_MS', 300_000, 0],
  maxLifetimeMs: ['WS_MAX_LIFETIME_MS', 3_600_000, 0],
  initTimeoutMs: ['WS_INIT_TIMEOUT_MS', 3_000, 1],
};

/**
 * @returns the subscription limits from `env`.
 * @throws ConfigError naming each variable that is not an integer in range.
 */
export function loadSubscriptionLimits(env: NodeJS.ProcessEnv = process.env): SubscriptionLimits {
  const issues: string[] = [];
  const limits = { enabled: true } as SubscriptionLimits;
  const enabled = env.SUBSCRIPTIONS_ENABLED;
  if (enabled !== undefined && enabled !== '') {
    if (!['true', 'false', '1', '0'].includes(enabled))
      issues.push(`SUBSCRIPTIONS_ENABLED: must be true or false, got ${JSON.stringify(enabled)}`);
    limits.enabled = enabled === 'true' || enabled === '1';
  }
  for (const [key, [name, fallback, min]] of Object.entries(DEFAULTS)) {
    const text = env[name];
    const value = text === undefined || text === '' ? fallback : Number(text);
    if (!Number.isInteger(value) || value < min) issues.push(`${name}: must be an integer >= ${min}, got ${JSON.stringify(text)}`);
    (limits as unknown as Record<string, number>)[key] = value;
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return limits;
}
