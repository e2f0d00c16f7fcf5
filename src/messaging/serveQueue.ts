import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { MemoryQueue } from './MemoryQueue.js';
import type { OutgoingMessage } from './MessageQueue.js';

/** Topic names: what Redis would take as a key, kept to a safe, URL-friendly set. */
export const TOPIC_NAME = /^[A-Za-z0-9._-]{1,100}$/;
const MAX_BODY_BYTES = 64 * 1024;
const MAX_WAIT_MS = 30_000;
const MAX_BATCH = 500;

/**
 * The embedded broker's wire protocol: a MemoryQueue served over HTTP, so that processes
 * other than its host (the BFFs, when no broker is configured) can publish to it and follow a
 * topic. The demo backends process hosts it (`npm start`); HttpQueue is the client.
 *
 *   POST /topics/:topic/messages   {type, key, headers, body}  → 200 {id}
 *   GET  /topics/:topic/messages?after=<id|$>&waitMs=N&limit=N → 200 {messages, lastId}
 *        messages published after `after` (`$`: none, only the current last id), waiting up
 *        to waitMs (≤ 30 s) for the first one: a long poll.
 *   GET  /healthz
 *
 * Consumer groups are not offered over the wire: in the demo every group consumer runs in the
 * host process and calls the MemoryQueue directly. Errors: {"error":{"code","message"}}.
 *
 * @returns the server, not yet listening.
 */
export function serveQueue(queue: MemoryQueue): Server {
  const polls = new Set<AbortController>();
  const server = createServer((req, res) => {
    handle(queue, req, res, polls).catch((error: unknown) => send(res, 500, { error: { code: 'INTERNAL', message: String(error) } }));
  });
  // Long polls would otherwise hold close() for up to MAX_WAIT_MS.
  server.on('close', () => {
    for (const poll of polls) poll.abort();
  });
  return server;
}

async function handle(queue: MemoryQueue, req: IncomingMessage, res: ServerResponse, polls: Set<AbortController>): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://queue');
  if (url.pathname === '/healthz') return send(res, 200, { status: 'ok' });
  const match = /^\/topics\/([^/]+)\/messages$/.exec(url.pathname);
  if (!match) return send(res, 404, { error: { code: 'NOT_FOUND', message: `no route ${req.method} ${url.pathname}` } });
  const topic = decodeURIComponent(match[1]!);
  if (!TOPIC_NAME.test(topic)) return send(res, 400, { error: { code: 'BAD_REQUEST', message: 'topic must match [A-Za-z0-9._-]{1,100}' } });

  if (req.method === 'POST') {
    const message = await readMessage(req);
    if (typeof message === 'string') return send(res, 400, { error: { code: 'BAD_REQUEST', message } });
    return send(res, 200, { id: queue.append(topic, message).id });
  }
  if (req.method === 'GET') {
    const after = url.searchParams.get('after') ?? '$';
    const waitMs = Math.min(Math.max(Number(url.searchParams.get('waitMs') ?? 0) || 0, 0), MAX_WAIT_MS);
    const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 100) || 100, 1), MAX_BATCH);
    let batch = queue.read(topic, after, limit);
    if (batch.messages.length === 0 && waitMs > 0 && after !== '$') {
      const poll = new AbortController();
      polls.add(poll);
      res.once('close', () => poll.abort());
      await queue.waitForNext(topic, waitMs, poll.signal);
      polls.delete(poll);
      batch = queue.read(topic, after, limit);
    }
    return send(res, 200, batch);
  }
  res.setHeader('allow', 'GET, POST');
  return send(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'GET or POST' } });
}

/** @returns the message of a POST body, or what is wrong with it. */
async function readMessage(req: IncomingMessage): Promise<OutgoingMessage | string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return `body over ${MAX_BODY_BYTES} bytes`;
    chunks.push(chunk);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return 'body is not valid JSON';
  }
  const m = value as Partial<OutgoingMessage> | null;
  if (
    typeof m !== 'object' ||
    m === null ||
    typeof m.type !== 'string' ||
    typeof m.key !== 'string' ||
    typeof m.headers !== 'object' ||
    m.headers === null
  ) {
    return 'body must be {type: string, key: string, headers: object, body}';
  }
  const headers: Record<string, string> = {};
  for (const [name, v] of Object.entries(m.headers)) if (typeof v === 'string') headers[name] = v;
  return { type: m.type, key: m.key, headers, body: m.body };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
