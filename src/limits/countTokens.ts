import { Lexer, Source, TokenKind } from 'graphql';

/**
 * Counts a document's tokens (comments excluded, as the parser counts them) without parsing
 * it, and stops one past `max`, so a huge document costs no more than a small one to refuse.
 *
 * @returns the number of tokens, at most `max + 1`; a lexing error stops the count where it
 * is (the parser then reports it). Throws nothing.
 */
export function countTokens(source: string, max: number): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    while (count <= max && lexer.advance().kind !== TokenKind.EOF) count++;
  } catch {
    // Not lexable: the parser says why.
  }
  return count;
}
