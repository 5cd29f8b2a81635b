/**
 * The TSDoc house rule, checked with the TypeScript compiler API: every
 * exported top-level declaration carries a non-empty `/** … *\/` comment
 * directly above it, or sits in an `export { … }` group that has one.
 * Used by test/unit/house.test.ts.
 */
import ts from 'typescript';

/** One exported declaration without a TSDoc comment. */
export interface MissingDoc {
  readonly file: string;
  readonly line: number;
  readonly name: string;
}

/** True when the last comment directly above `node` is a non-empty `/** … *\/` block. */
export function hasTsDoc(node: ts.Node, source: ts.SourceFile): boolean {
  const text = source.getFullText();
  const ranges = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
  const last = ranges[ranges.length - 1];
  if (!last || last.kind !== ts.SyntaxKind.MultiLineCommentTrivia) return false;
  const comment = text.slice(last.pos, last.end);
  if (!comment.startsWith('/**') || comment.startsWith('/**/')) return false;
  // Only blank lines may separate the comment from the declaration.
  if (text.slice(last.end, node.getStart(source)).trim() !== '') return false;
  return comment.slice(3, -2).replace(/^\s*\*/gm, '').trim() !== '';
}

const isExported = (node: ts.Node): boolean =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** The names a top-level statement declares (several for `const a = 1, b = 2`). */
function declaredNames(node: ts.Statement): string[] {
  if (ts.isVariableStatement(node)) {
    return node.declarationList.declarations.map((d) => (ts.isIdentifier(d.name) ? d.name.text : d.name.getText()));
  }
  const named = node as ts.Statement & { name?: ts.Node };
  if (named.name && (ts.isIdentifier(named.name) || ts.isStringLiteral(named.name))) return [named.name.text];
  return ['default'];
}

/**
 * Every exported top-level declaration of one file that lacks TSDoc. Local
 * `export { a, b }` groups count as documented when the group or each
 * declaration is; re-exports from other modules are checked where they are
 * declared. A declaration right after one of the same name (overloads, a
 * schema and its inferred type) shares the first one's comment.
 */
export function undocumentedExports(file: string, text: string): MissingDoc[] {
  const kind = file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const local = new Map<string, ts.Statement>();
  for (const s of source.statements) for (const name of declaredNames(s)) if (!local.has(name)) local.set(name, s);
  const missing: MissingDoc[] = [];
  const report = (node: ts.Node, name: string) =>
    missing.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, name });
  let previous: string[] = [];
  for (const s of source.statements) {
    const names = ts.isExportDeclaration(s) || ts.isExportAssignment(s) ? [] : declaredNames(s);
    // A declaration right after one of the same name (an overload, or the type
    // of a schema: `const X = z.object(…); type X = z.infer<typeof X>`) is one
    // merged symbol and shares the first declaration's comment.
    const merged = names.length === 1 && previous.length === 1 && names[0] === previous[0] && names[0] !== 'default';
    previous = names;
    if (merged) continue;
    if (isExported(s)) {
      if (!hasTsDoc(s, source)) for (const name of declaredNames(s)) report(s, name);
    } else if (ts.isExportDeclaration(s) && !s.moduleSpecifier && s.exportClause && ts.isNamedExports(s.exportClause)) {
      if (hasTsDoc(s, source)) continue;
      for (const spec of s.exportClause.elements) {
        const decl = local.get((spec.propertyName ?? spec.name).text);
        if (!decl || !hasTsDoc(decl, source)) report(spec, spec.name.text);
      }
    } else if (ts.isExportAssignment(s) && !hasTsDoc(s, source)) {
      const decl = ts.isIdentifier(s.expression) ? local.get(s.expression.text) : undefined;
      if (!decl || !hasTsDoc(decl, source)) report(s, 'default');
    }
  }
  return missing;
}
