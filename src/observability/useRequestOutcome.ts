import type { ApolloServerPlugin } from '@apollo/server';
import type { FastifyInstance } from 'fastify';
import type { GraphQLFormattedError } from 'graphql';
import type { BffContext } from '../context/BffContext.js';
import { outcomeOf, RequestOutcome } from './RequestOutcome.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** What happened to the request; read by the access log and the metrics when it ends. */
    outcome: RequestOutcome;
  }
}

/**
 * Gives every request a RequestOutcome in the first `onRequest` hook, so that stages that
 * answer before GraphQL (shedding, authentication, rate limiting, body limits) have one.
 * Call it before any other hook that may reject a request.
 */
export function useRequestOutcome(app: FastifyInstance): void {
  app.decorateRequest('outcome', undefined as unknown as RequestOutcome);
  // A callback hook, not an async one: fastify then needs no promise and microtask for it.
  app.addHook('onRequest', (request, _reply, done) => {
    request.outcome = new RequestOutcome();
    done();
  });
}

/**
 * The Apollo half: records the operation's name, type and document hash once the operation
 * is resolved, and the error codes of the response exactly as the client gets them.
 */
export function useOperationOutcome(): ApolloServerPlugin<BffContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operationName, operation, queryHash }) {
          const outcome = outcomeOf(contextValue);
          if (!outcome) return;
          outcome.operationName = operationName ?? undefined;
          outcome.operationType = operation?.operation;
          outcome.documentHash = queryHash;
        },
        async willSendResponse({ contextValue, response, queryHash }) {
          const outcome = outcomeOf(contextValue);
          if (!outcome) return;
          // A document that failed to parse or validate never resolved; its hash still
          // groups the log lines of one bad client.
          outcome.documentHash ??= queryHash;
          if (response.body.kind === 'single') recordErrorCodes(outcome, response.body.singleResult.errors);
        },
      };
    },
  };
}

/** Adds the codes of the errors a client gets, in order, to the request's outcome. */
export function recordErrorCodes(outcome: RequestOutcome, errors: readonly GraphQLFormattedError[] | undefined): void {
  for (const error of errors ?? []) {
    const code = error.extensions?.code;
    if (typeof code === 'string') outcome.errorCodes.push(code);
  }
}
