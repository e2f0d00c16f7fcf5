import { Kind, parse } from 'graphql';
import type { PriorityClass } from './PriorityClass.js';
import { hashDocument, persistedHashOf } from '../persisted/documentHash.js';

export interface OperationClassifierOptions {
  /** The client's safelisted operations (the manifest), document text by SHA-256. */
  operations: ReadonlyMap<string, string>;
  /** Classes by operation name; only manifest operations are looked up here. */
  classes: Readonly<Record<string, PriorityClass>>;
  /** The class of a manifest operation not named in `classes`. Default `normal`. */
  manifestClass?: PriorityClass;
  /** The class of every other document (ad-hoc, APQ-registered, unparsable). Default `sheddable`. */
  unknownClass?: PriorityClass;
}

/** What a request says about its operation before its body is read. */
export interface Hint {
  priority: PriorityClass;
  /**
   * Whether it is the operation's real class (a GET: the query string holds the whole
   * operation) or a claim to check once the body is read (a POST's operation-name header).
   */
  final: boolean;
}

export interface OperationClassifier {
  /**
   * The class from what is known before the body is read: a GET's query string (persisted hash or
   * document), else the `x-apollo-operation-name` header that Apollo's mobile clients send (a claim).
   * @returns undefined when neither says anything (the body decides).
   */
  hint(method: string, query: unknown, headers: Record<string, string | string[] | undefined>): Hint | undefined;
  /** The class of a parsed request (a POST body or GET query string): final. */
  classify(params: unknown): PriorityClass;
}

/**
 * Says which priority class a request's operation has. The class belongs to a *document*, not to
 * a name a client may choose: an operation counts as `PlaceOrder` only when its document is the
 * manifest's `PlaceOrder` (by hash), so an ad-hoc query cannot promote itself by its name. A name
 * in a header is taken as a claim, admitted under that class and re-checked against the body.
 *
 * @throws TypeError when `classes` names an operation the manifest does not have (a typo would
 * otherwise silently leave a critical write sheddable); not when the manifest is empty.
 */
export function createOperationClassifier(options: OperationClassifierOptions): OperationClassifier {
  const manifestClass = options.manifestClass ?? 'normal';
  const unknownClass = options.unknownClass ?? 'sheddable';
  const byHash = new Map<string, PriorityClass>();
  const byName = new Map<string, PriorityClass>();
  for (const [hash, text] of options.operations) {
    const name = operationNameOf(text);
    const priority = (name !== undefined && options.classes[name]) || manifestClass;
    byHash.set(hash, priority);
    if (name !== undefined) byName.set(name, priority);
  }
  if (options.operations.size > 0) {
    const unknown = Object.keys(options.classes).filter((name) => !byName.has(name));
    if (unknown.length > 0) throw new TypeError(`createOperationClassifier: no manifest operation named ${unknown.join(', ')}`);
  }

  const ofHash = (hash: string | undefined): PriorityClass => (hash !== undefined && byHash.get(hash.toLowerCase())) || unknownClass;
  const classify = (params: unknown): PriorityClass => {
    if (typeof params !== 'object' || params === null || Array.isArray(params)) return unknownClass;
    const { query, extensions } = params as { query?: unknown; extensions?: unknown };
    if (typeof query === 'string') return ofHash(hashDocument(query));
    return ofHash(persistedHashOf(extensions));
  };

  return {
    hint(method, query, headers) {
      if (method === 'GET') return { priority: classify(query), final: true };
      const name = headers['x-apollo-operation-name'];
      if (typeof name !== 'string') return undefined;
      return { priority: byName.get(name) ?? unknownClass, final: false };
    },
    classify,
  };
}

function operationNameOf(text: string): string | undefined {
  try {
    const document = parse(text, { noLocation: true });
    const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
    return operation?.kind === Kind.OPERATION_DEFINITION ? operation.name?.value : undefined;
  } catch {
    return undefined;
  }
}
