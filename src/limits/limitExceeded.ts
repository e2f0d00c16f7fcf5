import { ErrorCode } from '../errors/codes.js';

/** Which limit an operation exceeded: `extensions.reason` of OPERATION_LIMIT_EXCEEDED. */
export type LimitReason = 'depth' | 'aliases' | 'rootFields' | 'directives' | 'repeatedFields' | 'tokens' | 'cost';

export interface LimitRefusal {
  code: typeof ErrorCode.OPERATION_LIMIT_EXCEEDED;
  message: string;
  extensions: { reason: LimitReason; limit: number };
}

const LIMIT_NAMES: Record<LimitReason, string> = {
  depth: 'depth',
  aliases: 'alias',
  rootFields: 'root-field',
  directives: 'directives-per-field',
  repeatedFields: 'repeated-field',
  tokens: 'token',
  cost: 'cost',
};

/** @returns the one refusal a limit gets, wherever it is checked (the edge or the cost plugin). */
export function limitExceeded(reason: LimitReason, limit: number): LimitRefusal {
  return {
    code: ErrorCode.OPERATION_LIMIT_EXCEEDED,
    message: `The operation exceeds the ${LIMIT_NAMES[reason]} limit of ${limit}.`,
    extensions: { reason, limit },
  };
}
