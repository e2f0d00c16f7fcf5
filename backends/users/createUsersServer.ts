import { createServer, type Server } from 'node:http';
import type { User } from '../seed/createSeed.js';
import type { ServiceMonitor } from '../common/ServiceMonitor.js';
import { HttpError, readJsonBody, sendJson, serveMonitored } from '../common/serveMonitored.js';
import { decodeId, parseIds } from '../common/parseIds.js';
import { usersOpenApi } from './usersOpenApi.js';

export interface UsersServerOptions {
  users: User[];
  monitor: ServiceMonitor;
  identitySecret: string;
}

export const MAX_USER_IDS = 500;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9][0-9 ()-]{5,19}$/;

/** Returns the checked patch. Throws HttpError 422 VALIDATION naming the bad field. */
function validatePatch(body: unknown): Partial<Pick<User, 'name' | 'email' | 'phone'>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(422, 'VALIDATION', 'body must be a JSON object');
  }
  const patch: Partial<Pick<User, 'name' | 'email' | 'phone'>> = {};
  for (const [key, value] of Object.entries(body)) {
    const fail = (why: string) => new HttpError(422, 'VALIDATION', `${key} ${why}`, key);
    if (key === 'name') {
      if (typeof value !== 'string' || value.trim().length < 1 || value.trim().length > 100) throw fail('must be 1..100 characters');
      patch.name = value.trim();
    } else if (key === 'email') {
      if (typeof value !== 'string' || value.length > 254 || !EMAIL.test(value)) throw fail('must be an email address');
      patch.email = value;
    } else if (key === 'phone') {
      if (typeof value !== 'string' || !PHONE.test(value)) throw fail('must be a phone number');
      patch.phone = value;
    } else {
      throw fail('is not a field that can be changed');
    }
  }
  if (Object.keys(patch).length === 0) throw new HttpError(422, 'VALIDATION', 'nothing to change');
  return patch;
}

/**
 * Returns the users REST service (not yet listening). Each user's JSON is serialised once and
 * kept next to it, so the batch endpoint only concatenates strings.
 */
export function createUsersServer(options: UsersServerOptions): Server {
  const { monitor, identitySecret: secret } = options;
  const byId = new Map<string, { user: User; json: string }>();
  for (const user of options.users) byId.set(user.id, { user, json: JSON.stringify(user) });
  const openApiJson = JSON.stringify(usersOpenApi);

  return createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const method = req.method;

    if (path === '/users' && method === 'GET') {
      const params = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
      const idsParam = params.get('ids');
      const ids = idsParam === null ? null : idsParam.split(',');
      void serveMonitored({ monitor, secret, req, res, operation: 'GET /users', keys: ids?.length ?? 0 }, () => {
        if (idsParam === null) throw new HttpError(400, 'BAD_REQUEST', 'query parameter ids is required');
        const parts: string[] = [];
        for (const id of parseIds(idsParam, MAX_USER_IDS)) {
          const entry = byId.get(id);
          if (entry) parts.push(entry.json);
        }
        sendJson(res, 200, `{"users":[${parts.join(',')}]}`);
      });
      return;
    }
    if (path.startsWith('/users/') && (method === 'GET' || method === 'PATCH')) {
      const segment = path.slice('/users/'.length);
      if (method === 'GET') {
        void serveMonitored({ monitor, secret, req, res, operation: 'GET /users/:id' }, () => {
          const id = decodeId(segment);
          const entry = byId.get(id);
          if (!entry) throw new HttpError(404, 'NOT_FOUND', `user ${id} not found`);
          sendJson(res, 200, entry.json);
        });
      } else {
        void serveMonitored({ monitor, secret, req, res, operation: 'PATCH /users/:id' }, async (identity) => {
          const id = decodeId(segment);
          if (!identity?.userId) throw new HttpError(401, 'UNAUTHENTICATED', 'updating a user needs a signed-in identity');
          if (identity.userId !== id) throw new HttpError(403, 'FORBIDDEN', 'a user can only update their own profile');
          const entry = byId.get(id);
          if (!entry) throw new HttpError(404, 'NOT_FOUND', `user ${id} not found`);
          const patch = validatePatch(await readJsonBody(req));
          Object.assign(entry.user, patch);
          entry.json = JSON.stringify(entry.user);
          sendJson(res, 200, entry.json);
        });
      }
      return;
    }
    if (path === '/healthz') return sendJson(res, 200, '{"status":"ok"}');
    if (path === '/openapi.json') return sendJson(res, 200, openApiJson);
    sendJson(res, 404, JSON.stringify({ error: { code: 'NOT_FOUND', message: `no route ${method} ${path}` } }));
  });
}
