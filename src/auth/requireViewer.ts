import type { BffContext } from '../context/BffContext.js';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';

/**
 * @returns the signed-in user's id.
 * @throws BffError UNAUTHENTICATED when the request has no user.
 */
export function requireUser(ctx: BffContext): string {
  if (ctx.viewer.userId === undefined) throw new BffError(ErrorCode.UNAUTHENTICATED, 'Sign in to see this.', { reason: 'no_user' });
  return ctx.viewer.userId;
}

/** @throws BffError FORBIDDEN (or UNAUTHENTICATED when anonymous) unless the viewer holds `scope`. */
export function requireScope(ctx: BffContext, scope: string): void {
  if (ctx.viewer.kind === 'anonymous') throw new BffError(ErrorCode.UNAUTHENTICATED, 'Sign in to see this.', { reason: 'no_user' });
  if (!ctx.viewer.scopes.has(scope)) throw new BffError(ErrorCode.FORBIDDEN, `This needs the ${scope} scope.`, { reason: 'missing_scope' });
}
