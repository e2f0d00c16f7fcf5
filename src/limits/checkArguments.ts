import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInputObjectType,
  isListType,
  isScalarType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { BffError } from '../errors/BffError.js';
import { ErrorCode } from '../errors/codes.js';

/**
 * What a client may put in an argument that ends up in a backend URL, header or gRPC field.
 * Every `ID` and `String` argument (and every such field of an input object, at any depth)
 * is checked, literal or variable, before any resolver runs.
 */
export interface ArgumentRules {
  /** Longest `ID`, in characters. Default 64. */
  maxIdLength: number;
  /** Characters an `ID` may have (the whole value must match). Default: `A-Z a-z 0-9 . _ ~ : = + / -`. */
  idPattern: RegExp;
  /** Longest `String`, in characters. Default 512. */
  maxStringLength: number;
}

export const DEFAULT_ARGUMENT_RULES: Readonly<ArgumentRules> = Object.freeze({
  maxIdLength: 64,
  // URL-safe characters and those of base64 ids (UUIDs, `p-00001`, Relay-style global ids);
  // no comma (the batch separator), no space, no `%`, nothing a header or path would mangle.
  idPattern: /^[A-Za-z0-9._~:=+/-]+$/,
  maxStringLength: 512,
});

/**
 * Control characters (C0 and DEL) and unpaired UTF-16 surrogates: no free-form value a
 * client sends has a use for them, undici refuses them in headers, and `encodeURIComponent`
 * throws on a lone surrogate.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this pattern refuses.
const UNSENDABLE = /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A field of the operation whose arguments can hold an `ID` or a `String`. */
interface Checked {
  field: GraphQLField<unknown, unknown>;
  node: FieldNode;
}

const checkedFieldsOf = new WeakMap<OperationDefinitionNode, readonly Checked[]>();

/**
 * Checks the `ID` and `String` arguments of an operation against `rules`, with the
 * operation's (already coerced) variables. Runs on a validated operation.
 *
 * @returns a request-level BAD_USER_INPUT (HTTP 400, reason `invalid_id`, `string_too_long` or
 * `invalid_characters`, `extensions.argument` naming `field.argument`) for the first value that
 * breaks a rule, else undefined. Throws nothing.
 */
export function checkArguments(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
  rules: Readonly<ArgumentRules> = DEFAULT_ARGUMENT_RULES,
): BffError | undefined {
  let fields = checkedFieldsOf.get(operation);
  if (!fields) {
    fields = collectCheckedFields(schema, document, operation);
    checkedFieldsOf.set(operation, fields);
  }
  for (const { field, node } of fields) {
    let values: Record<string, unknown>;
    try {
      values = getArgumentValues(field, node, variables);
    } catch {
      continue; // Not coercible: graphql-js refuses it with its own error when it executes.
    }
    for (const arg of field.args) {
      const refusal = checkValue(values[arg.name], arg.type, rules);
      if (refusal) {
        const argument = `${field.name}.${arg.name}${refusal.path}`;
        return BffError.request(ErrorCode.BAD_USER_INPUT, `Argument "${argument}" ${refusal.message}`, {
          reason: refusal.reason,
          extensions: { argument },
        });
      }
    }
  }
  return undefined;
}

interface Refusal {
  reason: 'invalid_id' | 'string_too_long' | 'invalid_characters';
  message: string;
  /** Where in an input object or list the value was (`.items[3].productId`), '' at the top. */
  path: string;
}

function checkValue(value: unknown, type: GraphQLInputType, rules: Readonly<ArgumentRules>): Refusal | undefined {
  if (value === null || value === undefined) return undefined;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (!Array.isArray(value)) return checkValue(value, nullable.ofType, rules);
    for (let i = 0; i < value.length; i++) {
      const refusal = checkValue(value[i], nullable.ofType, rules);
      if (refusal) return { ...refusal, path: `[${i}]${refusal.path}` };
    }
    return undefined;
  }
  if (isInputObjectType(nullable)) {
    const fields = nullable.getFields();
    for (const name in fields) {
      const refusal = checkValue((value as Record<string, unknown>)[name], fields[name]!.type, rules);
      if (refusal) return { ...refusal, path: `.${name}${refusal.path}` };
    }
    return undefined;
  }
  if (typeof value !== 'string') return undefined;
  if (nullable.name === 'ID') {
    if (value.length === 0 || value.length > rules.maxIdLength || !rules.idPattern.test(value)) {
      return {
        reason: 'invalid_id',
        message: `is not a valid ID: 1 to ${rules.maxIdLength} characters of A-Z a-z 0-9 . _ ~ : = + / -.`,
        path: '',
      };
    }
    return undefined;
  }
  if (nullable.name === 'String') {
    if (value.length > rules.maxStringLength) {
      return { reason: 'string_too_long', message: `is longer than ${rules.maxStringLength} characters.`, path: '' };
    }
    if (UNSENDABLE.test(value)) return { reason: 'invalid_characters', message: 'has control characters or broken Unicode.', path: '' };
  }
  return undefined;
}

/** Whether a value of `type` can hold an ID or a String somewhere. */
function holdsText(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (isScalarType(named)) return named.name === 'ID' || named.name === 'String';
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((field) => holdsText(field.type, seen));
}

/** The fields of `operation` (through its fragments) with arguments that can hold text. */
function collectCheckedFields(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): Checked[] {
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const checked: Checked[] = [];
  const visitedFragments = new Set<string>();
  const visit = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__') || !('getFields' in parent)) continue;
        const field = parent.getFields()[selection.name.value];
        if (!field) continue;
        if (selection.arguments?.length && field.args.some((arg) => holdsText(arg.type))) checked.push({ field, node: selection });
        const type = getNamedType(field.type);
        if (selection.selectionSet && isCompositeType(type)) visit(selection.selectionSet, type);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (type && isCompositeType(type)) visit(selection.selectionSet, type);
      } else if (!visitedFragments.has(selection.name.value)) {
        visitedFragments.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        const type = fragment && schema.getType(fragment.typeCondition.name.value);
        if (fragment && type && isCompositeType(type)) visit(fragment.selectionSet, type);
      }
    }
  };
  const root = schema.getRootType(operation.operation);
  if (root) visit(operation.selectionSet, root);
  return checked;
}
