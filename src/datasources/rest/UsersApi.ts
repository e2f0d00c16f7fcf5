import { badResponse } from '../../errors/fromUpstream.js';
import type { CallScope } from '../CallScope.js';
import { RestClient, type Refusal, type RestClientOptions } from './RestClient.js';

export interface UserDto {
  id: string;
  name: string;
  email: string;
  phone: string;
  avatarUrl: string;
  tier: 'standard' | 'gold' | 'platinum';
  createdAt: string;
  address: { line1: string; city: string; postcode: string; country: string };
}

/** The users service refused an update (HTTP 422): an expected outcome, not an error. */
export interface UserRejection {
  rejected: true;
  field: string | null;
  message: string;
}

export interface UpdateUserInput {
  name?: string;
  email?: string;
  phone?: string;
}

/** The users backend (REST). At most `maxBatchSize` ids per `getUsersByIds` call. */
export class UsersApi {
  static readonly maxBatchSize = 500;
  readonly client: RestClient;

  constructor(options: Omit<RestClientOptions, 'name'>) {
    this.client = new RestClient({ name: 'users', ...options });
  }

  /** @returns the users found, in any order; unknown ids are left out. */
  getUsersByIds(scope: CallScope, ids: readonly string[]): Promise<UserDto[]> {
    return this.client.getByIds<UserDto>(scope, '/users', ids, 'users', (user) => user.id);
  }

  /**
   * Sent once, never retried.
   * @returns the updated user, or the backend's validation refusal (422) with the field it names.
   * @throws BffError FORBIDDEN, NOT_FOUND, OUTCOME_UNKNOWN, …
   */
  async updateUser(scope: CallScope, id: string, input: UpdateUserInput): Promise<UserDto | UserRejection> {
    const body = await this.client.request<UserDto | Refusal>(scope, {
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
}
