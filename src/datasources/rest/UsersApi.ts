import { badResponse } from '../../errors/fromUpstream.js';
import type { CallScope } from '../CallScope.js';
import type { components } from '../generated/openapi/users.js';
import type { DataSource } from '../DataSource.js';
import type { Upstream } from '../Upstream.js';
import { RestClient, type BatchGet, type Refusal, type RestClientOptions } from './RestClient.js';

// The users service's types, generated from its OpenAPI document (backends/users/usersOpenApi.ts,
// npm run codegen).
export type UserDto = components['schemas']['User'];

/** The users service refused an update (HTTP 422): an expected outcome, not an error. */
export interface UserRejection {
  rejected: true;
  field: string | null;
  message: string;
}

export type UpdateUserInput = components['schemas']['UserPatch'];

const usersByIds: BatchGet<UserDto> = { path: '/users', param: 'ids', field: 'users', keyOf: (user) => user.id };

/** The users backend (REST). At most `maxBatchSize` ids per `getUsersByIds` call. */
export class UsersApi implements DataSource {
  static readonly maxBatchSize = 500;
  readonly upstream: Upstream;
  private readonly http: RestClient;

  constructor(options: Omit<RestClientOptions, 'name' | 'protocol'>) {
    this.http = new RestClient({ ...options, name: 'users' });
    this.upstream = this.http.upstream;
  }

  /** @returns the users found, in any order; unknown ids are left out. */
  getUsersByIds(scope: CallScope, ids: readonly string[]): Promise<UserDto[]> {
    return this.http.getByIds(scope, usersByIds, ids);
  }

  /**
   * Sent once, never retried.
   * @returns the updated user, or the backend's validation refusal (422) with the field it names.
   * @throws BffError FORBIDDEN, NOT_FOUND, OUTCOME_UNKNOWN, …
   */
  async updateUser(scope: CallScope, id: string, input: UpdateUserInput): Promise<UserDto | UserRejection> {
    const body = await this.http.request<UserDto | Refusal>(scope, {
      method: 'PATCH',
      path: `/users/${encodeURIComponent(id)}`,
      operation: 'PATCH /users/:id',
      keys: 1,
      body: input,
      refusals: [422],
    });
    if ('rejected' in body) {
      const error = (body.body as { error?: { message?: unknown; field?: unknown } } | null)?.error;
      return {
        rejected: true,
        field: typeof error?.field === 'string' ? error.field : null,
        message: typeof error?.message === 'string' ? error.message : 'The profile was rejected.',
      };
    }
    if (typeof body?.id !== 'string') throw badResponse('users', 'shape');
    return body;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
