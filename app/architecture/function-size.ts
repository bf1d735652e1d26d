import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import { sourceFiles } from './scan'

/**
 * Function length, read with the TypeScript compiler API (issue 23: "no function over ~80 lines
 * without a reason"). A function is a declaration, a method, an accessor, a function expression
 * or an arrow function; its length is the lines from its first to its last (a nested function's
 * lines count in the outer one too). Each is named as a person would look for it: the declared
 * name, the variable or property it is assigned to, else `<anonymous>`, with the line it starts on.
 */

export const MAX_FUNCTION_LINES = 80

export interface FunctionSize {
  file: string
  name: string
  line: number
  lines: number
}

function nameOf(node: ts.Node, source: ts.SourceFile): string {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node) || ts.isFunctionExpression(node)) && node.name) {
    return node.name.getText(source)
  }
  const parent = node.parent
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name) return parent.name.getText(source)
  // export default function () {} / a callback: named by what it is handed to.
  if (parent && ts.isCallExpression(parent)) return `${parent.expression.getText(source).slice(0, 40)}(…)`
  return '<anonymous>'
}

export function functionSizes(root: string, file: string): FunctionSize[] {
  const text = fs.readFileSync(file, 'utf8')
  const rel = path.relative(root, file)
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS)
  const out: FunctionSize[] = []
  const visit = (node: ts.Node) => {
    if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node)) {
      if (node.body) {
        const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line
        const last = source.getLineAndCharacterOfPosition(node.getEnd()).line
        out.push({ file: rel, name: nameOf(node, source), line: first + 1, lines: last - first + 1 })
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return out
}

/** The functions of the sources under `dirs` longer than `max` lines, longest first. */
export function longFunctions(root: string, dirs: string[], max = MAX_FUNCTION_LINES): FunctionSize[] {
  return sourceFiles(root, dirs)
    .flatMap((file) => functionSizes(root, file))
    .filter((f) => f.lines > max)
    .sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file))
}

/** How an allow-list names a function: file and name (no line: lines move). */
export const functionKey = (f: Pick<FunctionSize, 'file' | 'name'>) => `${f.file} ${f.name}`
