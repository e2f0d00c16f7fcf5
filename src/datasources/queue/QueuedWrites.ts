import { createHash, randomUUID } from 'node:crypto';
import { context as otelContext, propagation } from '@opentelemetry/api';
import { callSigner, identityHeaders } from '../../auth/signIdentity.js';
import type { Viewer } from '../../auth/Viewer.js';
import { BffError } from '../../errors/BffError.js';
import { ErrorCode } from '../../errors/codes.js';
import { QueueError, type MessageQueue } from '../../messaging/MessageQueue.js';
import { Topics, type ReturnRequestBody, type TrackedEventBody } from '../../messaging/topics.js';
import type { CallScope } from '../CallScope.js';

/** Who a queued write is for: the parts of a request's context a message carries. */
export interface WriteScope {
  readonly requestId: string;
  readonly viewer: Viewer;
  readonly scope: CallScope;
  /** The client's `Idempotency-Key` header, if it sent one. */
  readonly idempotencyKey: string | undefined;
}

/** What a client may send as an idempotency key: printable ASCII, no spaces, at most 128 characters. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

/**
 * Writes that need no answer from a backend, sent through the message queue instead of a
 * synchronous call: one method per write, named after it. Each message carries the signed
 * identity (signed now, by the same function that signs backend calls), an idempotency key
 * (the client's, scoped to the caller; or a new one) and the W3C trace context. Broker
 * failures are translated here, once, naming the upstream `queue`; nothing is retried.
 */
export class QueuedWrites {
  constructor(
    private readonly queue: MessageQueue,
    private readonly identitySecret: string | undefined,
  ) {}

  /**
   * Queues a return request for the returns service, which decides on it later.
   * @returns the ticket id, derived from the idempotency key: a retry with the same key gets the same ticket.
   * @throws BffError BAD_USER_INPUT (bad key), UPSTREAM_UNAVAILABLE (broker down), OUTCOME_UNKNOWN (no answer in time).
   */
  async requestReturn(
    ws: WriteScope,
    input: { userId: string; orderId: string; reason: string | null; idempotencyKey?: string | null },
  ): Promise<{ ticketId: string }> {
    const key = scopedKey(ws, input.idempotencyKey);
    const ticketId = `rt-${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;
    const body: ReturnRequestBody = { ticketId, orderId: input.orderId, userId: input.userId, reason: input.reason };
    await this.publish(ws, Topics.returnRequests, 'return.requested', key, body);
    return { ticketId };
  }

  /**
   * Queues one analytics event.
   * @returns the key the event is counted under (once, however often it is delivered).
   * @throws BffError as requestReturn does.
   */
  async trackEvent(
    ws: WriteScope,
    input: Omit<TrackedEventBody, 'userId' | 'client'> & { idempotencyKey?: string | null },
  ): Promise<{ eventId: string }> {
    const key = scopedKey(ws, input.idempotencyKey);
    const body: TrackedEventBody = {
      name: input.name,
      properties: input.properties,
      userId: ws.viewer.userId ?? null,
      client: ws.viewer.client,
      occurredAtMs: input.occurredAtMs,
    };
    await this.publish(ws, Topics.analyticsEvents, 'event.tracked', key, body);
    return { eventId: key };
  }

  private async publish(ws: WriteScope, topic: string, type: string, key: string, body: unknown): Promise<void> {
    // Signed for this topic on the broker (backend "queue", call "PUBLISH <topic>"), as a backend
    // call is signed for its path: the signature opens no other topic and no backend.
    const headers = identityHeaders(ws.viewer, ws.requestId);
    Object.assign(headers, callSigner(this.identitySecret, headers)?.('queue', queueCall(topic)));
    // The active span's context when tracing is on; else the caller's own traceparent, as
    // buildContext passes it to backend calls.
    const trace: Record<string, string> = {};
    propagation.inject(otelContext.active(), trace);
    const traceparent = trace.traceparent ?? ws.scope.propagation.traceparent;
    if (traceparent !== undefined) headers.traceparent = traceparent;
    try {
      await this.queue.publish(topic, { type, key, headers, body });
    } catch (error) {
      if (!(error instanceof QueueError)) throw error;
      // A timeout may have stored the message: the client's retry with the same key is safe
      // (consumers de-duplicate by key), so the client is told the outcome is unknown.
      if (error.reason === 'publish_timeout') {
        throw new BffError(ErrorCode.OUTCOME_UNKNOWN, 'The request may or may not have been queued; retry with the same idempotency key.', {
          upstream: 'queue',
          reason: error.reason,
          cause: error,
        });
      }
      throw new BffError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The message queue is unavailable; nothing was queued.', {
        upstream: 'queue',
        reason: error.reason,
        cause: error,
      });
    }
  }
}

/**
 * The key a message is de-duplicated by: the client's key (argument first, then the
 * `Idempotency-Key` header) scoped to who sent it, so two users' keys never collide; or a new
 * one when the client sent none (then a retry is a new write).
 * @throws BffError BAD_USER_INPUT when the client's key is not printable ASCII of 1..128 characters.
 */
function scopedKey(ws: WriteScope, argument: string | null | undefined): string {
  const given = argument ?? ws.idempotencyKey;
  if (given === undefined) return `${ws.viewer.client}:${ws.viewer.userId ?? 'anonymous'}:${randomUUID()}`;
  if (!IDEMPOTENCY_KEY.test(given)) {
    throw new BffError(ErrorCode.BAD_USER_INPUT, 'An idempotency key is 1 to 128 printable ASCII characters without spaces.', {
      reason: 'idempotency_key',
    });
  }
  return `${ws.viewer.client}:${ws.viewer.userId ?? 'anonymous'}:${given}`;
}

/** What a queued message's identity is signed for: publishing to `topic` (see callSigner). */
export function queueCall(topic: string): string {
  return `PUBLISH ${topic}`;
}
