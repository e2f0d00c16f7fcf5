import { pino, type Logger } from 'pino';
import type { BffConfig } from '../config/loadConfig.js';

export type { Logger };

/**
 * @returns the process logger: JSON lines (one per event) for machines; in development on
 * a terminal, pino-pretty for people.
 */
export function createLogger(config: Pick<BffConfig, 'name' | 'log'>): Logger {
  return pino({
    level: config.log.level,
    base: { bff: config.name },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'], censor: '[redacted]' },
    ...(config.log.pretty && {
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
    }),
  });
}
