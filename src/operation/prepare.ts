import {
  getOperationAST,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type OperationTypeNode,
} from 'graphql';
import type { CompiledQuery } from 'graphql-jit';
import { requirementOf, type OperationRequirement } from '../auth/authorize.js';
import { ErrorCode } from '../errors/codes.js';

/** Why an operation runs on graphql-js instead of its compiled form (see execute.ts). */
export type Fallback = 'introspection' | 'not_compilable';

/**
 * One operation of a parsed, validated document, with what every request of it needs and
 * that depends on the document alone: its name and type, and what it asks of its viewer
 * (`@auth`). Its compiled form is added the first time it runs on the jit executor.
 */
export interface PreparedOperation {
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly name: string | undefined;
  readonly type: OperationTypeNode;
  readonly requirement: OperationRequirement;
  /** The graphql-jit function, or why there is none; set by execute, once. */
  compiled?: CompiledQuery['query'] | Fallback;
}

export interface Prepare {
  /**
   * @returns `operation` of a validated `document` prepared; the same object for the same
   * document and operation (documents are cached by Apollo Server, and by the fast path).
   */
  (document: DocumentNode, operation: OperationDefinitionNode): PreparedOperation;
  /**
   * Parses and validates `source` first (what Apollo Server does for its requests; the fast
   * path and subscriptions do it here).
   * @returns the prepared operation, or the errors that refuse the document, coded
   * GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED or OPERATION_RESOLUTION_FAILURE.
   */
  source(source: string, operationName?: string | null): PreparedOperation | readonly GraphQLError[];
}

/**
 * The first step of an operation: what can be known from its document, computed once per
 * document and kept as long as the document is (a WeakMap keyed by the parsed document, which
 * Apollo's document cache or the fast path's manifest holds), so a repeated operation costs a
 * map lookup.
 */
export function createPrepare(schema: GraphQLSchema): Prepare {
  const byDocument = new WeakMap<DocumentNode, Map<string, PreparedOperation>>();
  const prepare = (document: DocumentNode, operation: OperationDefinitionNode): PreparedOperation => {
    let byName = byDocument.get(document);
    if (!byName) byDocument.set(document, (byName = new Map()));
    const name = operation.name?.value;
    let prepared = byName.get(name ?? '');
    if (!prepared) {
      prepared = { document, operation, name, type: operation.operation, requirement: requirementOf(schema, document, operation) };
      byName.set(name ?? '', prepared);
    }
    return prepared;
  };
  prepare.source = (source: string, operationName?: string | null): PreparedOperation | readonly GraphQLError[] => {
    let document: DocumentNode;
    try {
      document = parse(source);
    } catch (error) {
      return [new GraphQLError((error as Error).message, { extensions: { code: ErrorCode.GRAPHQL_PARSE_FAILED } })];
    }
    const invalid = validate(schema, document);
    if (invalid.length > 0)
      return invalid.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED } }));
    const operation = getOperationAST(document, operationName);
    if (!operation)
      return [
        new GraphQLError('Name the operation to run (operationName).', { extensions: { code: ErrorCode.OPERATION_RESOLUTION_FAILURE } }),
      ];
    return prepare(document, operation);
  };
  return prepare;
}
