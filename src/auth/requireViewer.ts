import type { BffContext } from '../context/BffContext.js';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';

/**
 * The signed-in user's id, for resolvers of fields marked `@auth`: the directive has already
 * refused the request without a user (authorize, in the operation's check), so this only types the id, and
 * still refuses should a field lose its directive.
 *
 * @returns the signed-in user's id.
 * @throws BffError UNAUTHENTICATED when the request has no user.
 */
export function requireUser(ctx: BffContext): string {
  if (ctx.viewer.userId === undefined) throw new BffError(ErrorCode.UNAUTHENTICATED, 'Sign in to see this.', { reason: 'no_user' });
  return ctx.viewer.userId;
}
