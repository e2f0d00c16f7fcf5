import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  Kind,
  print,
  stripIgnoredCharacters,
  visit,
  type DocumentNode,
  type FieldNode,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
  type VariableNode,
} from 'graphql';

/** One query of a single root field, to be sent under `alias` in a merged request: its variables travel as `<alias>_<name>`. */
export interface QueryPart {
  readonly alias: string;
  readonly document: DocumentNode;
  readonly variables: Readonly<Record<string, unknown>>;
}

/**
 * @param document a generated typed document (one root field).
 * @returns the part of a merged request that sends `document` under `alias`; `variables` must be
 * the document's variables type (tsc checks them against it).
 */
export function queryPart<TResult, TVariables extends Record<string, unknown>>(
  alias: string,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
): QueryPart {
  return { alias, document, variables };
}

/** How many query texts a QueryTexts cache keeps (a client's argument, like a review limit, can make many). */
const MAX_CACHED_QUERIES = 64;

/** Merged query texts by their parts' aliases: for a caller whose alias always names the same document. */
export type QueryTexts = Map<string, string>;

/**
 * Merges typed single-field queries into ONE query document: each root field aliased, its
 * variables renamed after the alias, so that the same document can appear twice (`reviews` for
 * two limits) and one request to the backend carries what several loaders asked for. The
 * selection sets are the documents' own, so what is sent is what codegen validated and typed.
 *
 * @param texts where the query text is kept by the parts' aliases (printing it costs ~40 µs;
 * a request of the same shape reuses it); at most MAX_CACHED_QUERIES, the oldest dropped.
 * @returns the query text (without ignored characters) and its variables.
 */
export function mergeQueries(
  name: string,
  parts: readonly QueryPart[],
  texts?: QueryTexts,
): { query: string; variables: Record<string, unknown> } {
  const variables: Record<string, unknown> = {};
  let shape = name;
  for (const part of parts) {
    shape += ` ${part.alias}`;
    for (const key in part.variables) variables[`${part.alias}_${key}`] = part.variables[key];
  }
  let query = texts?.get(shape);
  if (query === undefined) {
    query = printMerged(name, parts);
    if (texts) {
      if (texts.size >= MAX_CACHED_QUERIES) texts.delete(texts.keys().next().value!);
      texts.set(shape, query);
    }
  }
  return { query, variables };
}

function printMerged(name: string, parts: readonly QueryPart[]): string {
  const fields: FieldNode[] = [];
  const definitions: VariableDefinitionNode[] = [];
  for (const part of parts) {
    const { field, variableDefinitions } = aliasedRootField(part.document, part.alias);
    fields.push(field);
    definitions.push(...variableDefinitions);
  }
  const operation: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: 'query' as OperationDefinitionNode['operation'],
    name: { kind: Kind.NAME, value: name },
    variableDefinitions: definitions,
    selectionSet: { kind: Kind.SELECTION_SET, selections: fields },
  };
  return stripIgnoredCharacters(print({ kind: Kind.DOCUMENT, definitions: [operation] }));
}

/** @returns the document's one root field under `alias`, with its variables renamed `<alias>_<name>`. Throws TypeError for any other document. */
function aliasedRootField(document: DocumentNode, alias: string): { field: FieldNode; variableDefinitions: VariableDefinitionNode[] } {
  const [operation, ...rest] = document.definitions;
  const root = operation?.kind === Kind.OPERATION_DEFINITION && operation.operation === 'query' ? operation.selectionSet.selections : [];
  const field = root[0];
  if (rest.length > 0 || root.length !== 1 || field?.kind !== Kind.FIELD) {
    throw new TypeError(`mergeQueries: ${alias} must be a query of one root field, without fragments`);
  }
  const rename = (node: VariableNode): VariableNode => ({ ...node, name: { ...node.name, value: `${alias}_${node.name.value}` } });
  const renamed: FieldNode = visit(field, { Variable: rename });
  return {
    field: { ...renamed, alias: { kind: Kind.NAME, value: alias } },
    variableDefinitions: ((operation as OperationDefinitionNode).variableDefinitions ?? []).map((definition) => ({
      ...definition,
      variable: rename(definition.variable),
    })),
  };
}
