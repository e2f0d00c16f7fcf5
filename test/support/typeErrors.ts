import ts from 'typescript';

/**
 * Compiles probe files the way the repository's tsconfig does (strict, NodeNext) and
 * @returns each file's type errors, as messages: how a test shows that `tsc` refuses a
 * wrong shape (generated resolver types, typed gRPC calls) and accepts the right one.
 */
export function typeErrorsOf(files: readonly string[]): Map<string, string[]> {
  const program = ts.createProgram([...files], {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    types: ['node'],
  });
  return new Map(
    files.map((file) => [
      file,
      ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
    ]),
  );
}
