import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

/**
 * Reads Plaza's TypeScript sources (ADR 114) and lists, without running them, what each file
 * writes and imports:
 *  - Kysely writes: a call of .insertInto / .replaceInto / .updateTable / .deleteFrom / .mergeInto
 *    with the table as a string literal ('reports' or 'reports as r'); a table chosen at run time
 *    must be named in a `// writes: a, b` comment on the call's line or the line above it; the
 *    statements adapter's .insertRows / .updateRows likewise (its own generic SQL says `// writes: caller`);
 *  - raw SQL writes: INSERT [OR …] INTO t, REPLACE INTO t, UPDATE t SET, DELETE FROM t inside any
 *    string or template literal (better-sqlite3's prepare, Kysely's sql tag);
 *  - imports: static imports and re-exports, and import('…') with a literal path, resolved to a
 *    file path; type-only imports are left out (they vanish from the built code).
 */

export interface Write {
  file: string
  line: number
  how: string
  /** The table, or null when the code names none the scanner can read. */
  table: string | null
}

export interface Import {
  file: string
  line: number
  /** Resolved path relative to the repository root (without extension), or the bare specifier. */
  target: string
}

export interface Scan {
  writes: Write[]
  imports: Import[]
}

// The statements adapter's many-row writes (app/lib/db/statements.ts) take the table the same way.
const KYSELY_WRITES = new Set(['insertInto', 'replaceInto', 'updateTable', 'deleteFrom', 'mergeInto', 'insertRows', 'updateRows', 'insertPart', 'updatePart'])
const SQL_WRITE = /\b(insert(?:\s+or\s+\w+)?\s+into|replace\s+into|update|delete\s+from)\s+(?:["`[]?([a-z_][a-z0-9_]*)|(\$\{|$))/gi

export function sourceFiles(root: string, dirs: string[]): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (/\.tsx?$/.test(entry.name) && !/\.(test|spec|bench)\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full)
    }
  }
  for (const dir of dirs) walk(path.join(root, dir))
  return out.sort()
}

/** Tables named by a `// writes: a, b` comment on this line or the one above. */
function declaredTables(lines: string[], line: number): string[] {
  for (const text of [lines[line - 1], lines[line - 2]]) {
    const m = text === undefined ? null : /\/\/\s*writes:\s*([a-z0-9_,\s]+)/.exec(text)
    if (m)
      return m[1]!
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
  }
  return []
}

function literalText(node: ts.Node): string | null {
  return ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) ? node.text : null
}

function sqlWrites(text: string, push: (how: string, table: string | null) => void) {
  for (const m of text.matchAll(SQL_WRITE)) {
    const how = m[1]!.toLowerCase().replace(/\s+/g, ' ')
    const table = m[2] ?? null
    // "update" is a common word: only "update <table> set" is a statement.
    if (how === 'update' && (table === null || !new RegExp(`update\\s+["\`[]?${table}["\`\\]]?\\s+set\\b`, 'i').test(text))) continue
    push(`sql ${how}`, table)
  }
}

function resolveImport(root: string, from: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier
  const resolved = path.relative(root, path.resolve(path.dirname(from), specifier))
  return resolved.replace(/\.(tsx?|jsx?)$/, '')
}

function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isImportDeclaration(node)) {
    const clause = node.importClause
    if (!clause) return false // import './side-effect'
    if (clause.isTypeOnly) return true
    const named = clause.namedBindings
    return !clause.name && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)
  }
  if (node.isTypeOnly) return true
  const clause = node.exportClause
  return clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly)
}

export function scanFile(root: string, file: string): Scan {
  const text = fs.readFileSync(file, 'utf8')
  const lines = text.split('\n')
  const rel = path.relative(root, file)
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS)
  const scan: Scan = { writes: [], imports: [] }
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1
  const write = (node: ts.Node, how: string, table: string | null) => {
    const line = lineOf(node)
    if (table !== null) return void scan.writes.push({ file: rel, line, how, table })
    const declared = declaredTables(lines, line)
    // `// writes: caller`: the statements adapter's generic text, whose table is its caller's (each
    // call of insertRows/updateRows is a write of its literal table where it is made).
    if (declared.length === 1 && declared[0] === 'caller' && rel === 'app/lib/db/statements.ts') return
    if (declared.length === 0) scan.writes.push({ file: rel, line, how, table: null })
    for (const t of declared) scan.writes.push({ file: rel, line, how, table: t })
  }
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression
      if (ts.isPropertyAccessExpression(callee) && KYSELY_WRITES.has(callee.name.text)) {
        const arg = node.arguments[0]
        const name = arg ? literalText(arg) : null
        write(node, callee.name.text, name === null ? null : name.split(/\s+as\s+/i)[0]!.trim())
      }
      if (callee.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && literalText(node.arguments[0]) !== null) {
        scan.imports.push({ file: rel, line: lineOf(node), target: resolveImport(root, file, literalText(node.arguments[0])!) })
      }
    }
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && !isTypeOnly(node)) {
      scan.imports.push({ file: rel, line: lineOf(node), target: resolveImport(root, file, node.moduleSpecifier.text) })
    }
    const literal = ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)
    if (literal && !(node.parent && (ts.isImportDeclaration(node.parent) || ts.isExportDeclaration(node.parent)))) {
      sqlWrites((node as ts.LiteralLikeNode).text, (how, table) => write(node, how, table))
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return scan
}

export function scanSources(root: string, dirs: string[]): Scan {
  const all: Scan = { writes: [], imports: [] }
  for (const file of sourceFiles(root, dirs)) {
    const one = scanFile(root, file)
    all.writes.push(...one.writes)
    all.imports.push(...one.imports)
  }
  return all
}

/** The capability a file belongs to: 'modules/<name>' for app/modules/<name>/…, else null. */
export function moduleOf(file: string): string | null {
  const m = /^app\/modules\/([^/.]+)\//.exec(file)
  return m ? `modules/${m[1]}` : null
}

/** Which modules each module imports (values, not types), from the scanned imports. */
export function moduleEdges(scan: Scan): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>()
  for (const i of scan.imports) {
    const from = moduleOf(i.file)
    const to = moduleOf(`${i.target}/`)
    if (!from || !to || from === to) continue
    if (!edges.has(from)) edges.set(from, new Set())
    edges.get(from)!.add(to)
  }
  return edges
}

/**
 * The import cycles between modules (values, not types): each strongly connected group of two or
 * more modules, its members sorted, with one cycle through them as a path a person can follow
 * (a → b → … → a). Empty when the modules form layers, which they must (ownership.test.ts).
 */
export function moduleCycles(edges: Map<string, Set<string>>): Array<{ modules: string[]; path: string[] }> {
  const nodes = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((s) => [...s])])].sort()
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const groups: string[][] = []
  let next = 0
  // Tarjan's algorithm (the graph has a few dozen modules: recursion is fine).
  const visit = (v: string) => {
    index.set(v, next)
    low.set(v, next++)
    stack.push(v)
    onStack.add(v)
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) !== index.get(v)) return
    const group: string[] = []
    let w: string
    do {
      w = stack.pop()!
      onStack.delete(w)
      group.push(w)
    } while (w !== v)
    if (group.length > 1) groups.push(group.sort())
  }
  for (const v of nodes) if (!index.has(v)) visit(v)
  return groups.map((modules) => ({ modules, path: cycleThrough(modules, edges) }))
}

/** One cycle from the first module of a strongly connected group back to it (breadth first: a shortest one). */
function cycleThrough(modules: string[], edges: Map<string, Set<string>>): string[] {
  const inside = new Set(modules)
  const start = modules[0]!
  const from = new Map<string, string>()
  const queue = [start]
  while (queue.length) {
    const v = queue.shift()!
    for (const w of [...(edges.get(v) ?? [])].sort()) {
      if (!inside.has(w)) continue
      if (w === start) {
        const path = [start]
        for (let x: string | undefined = v; x !== undefined && x !== start; x = from.get(x)) path.splice(1, 0, x)
        return [...path, start]
      }
      if (!from.has(w)) {
        from.set(w, v)
        queue.push(w)
      }
    }
  }
  return modules
}
