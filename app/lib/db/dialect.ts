import {
  ColumnDefinitionNode,
  DataTypeNode,
  type Kysely,
  type KyselyPlugin,
  OperationNodeTransformer,
  PostgresAdapter,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  RawNode,
  type RootOperationNode,
  type CreateTableNode,
  type UnknownRow,
  type RawBuilder,
  type ValueNode,
  type PrimitiveValueListNode,
  type Expression,
  sql,
} from 'kysely'

/**
 * The SQL dialect layer (ADR 119): which engine a Kysely instance talks to, and the translation of
 * the migrations' SQLite schema to PostgreSQL.
 *
 * The migrations are written once, in the SQLite terms they shipped with (SQLite's schema must stay
 * byte-identical for existing installations). On PostgreSQL the migrator runs them through
 * `PostgresSchemaPlugin`, which maps the column types and defaults to their PostgreSQL equivalents;
 * what has no mechanical equivalent (R*Tree, FTS5, triggers) is branched in the migration itself
 * with `engineOf(db)` and the helpers of ./spatial.ts and ./search.ts.
 */

export type Engine = 'sqlite' | 'postgres'

/** The engine a Kysely instance (or a transaction of it) runs on. */
export function engineOf(db: Pick<Kysely<unknown>, 'getExecutor'>): Engine {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite'
}

/**
 * A column compared without its index: SQLite's unary `+` (it keeps a keyset page on the primary key
 * instead of a low-selectivity index that would read and sort every row for each page); PostgreSQL
 * has no such hint (and no unary + on text), and its planner chooses well here, so the bare column.
 */
export function notIndexed(db: Pick<Kysely<unknown>, 'getExecutor'>, column: string): RawBuilder<string> {
  return engineOf(db) === 'postgres' ? sql<string>`${sql.ref(column)}` : sql<string>`+${sql.ref(column)}`
}

/**
 * The larger of two values in one row: SQLite's scalar `max(a, b)`; PostgreSQL's `greatest(a, b)`
 * (there `max` is only the aggregate, and `max(a, b)` fails with "function max(bigint, integer) does
 * not exist").
 */
export function greatest<T>(db: Pick<Kysely<unknown>, 'getExecutor'>, a: Expression<T>, b: Expression<T>): RawBuilder<T> {
  return engineOf(db) === 'postgres' ? sql<T>`greatest(${a}, ${b})` : sql<T>`max(${a}, ${b})`
}

/**
 * An inner join whose left table drives the loop: SQLite's `cross join … on` (its planner keeps the
 * written order for CROSS JOIN: the R*Tree first); PostgreSQL has no ON for CROSS JOIN (a syntax
 * error there) and orders joins itself, so a plain `join`.
 */
export function joinInOrder(db: Pick<Kysely<unknown>, 'getExecutor'>): RawBuilder<unknown> {
  return engineOf(db) === 'postgres' ? sql`join` : sql`cross join`
}

/** SQLite's `indexed by <index>` (the index a query must use); nothing on PostgreSQL, whose planner has no such clause. */
export function indexedBy(db: Pick<Kysely<unknown>, 'getExecutor'>, index: string): RawBuilder<unknown> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(index)) throw new Error(`not an index name: ${index}`)
  return engineOf(db) === 'postgres' ? sql`` : sql`indexed by ${sql.raw(index)}`
}

/**
 * PostgreSQL's text cannot hold U+0000 (SQLite's can): a NUL in a parameter fails the whole query
 * with 22021 "invalid byte sequence", so a form field carrying one answered 500. On PostgreSQL every
 * string parameter has its NULs replaced by U+FFFD, as an HTML parser does with NUL in a page (not
 * dropped: 'a\0b' must not find the row of 'ab').
 */
export const withoutNul = (value: unknown): unknown => (typeof value === 'string' && value.includes('\u0000') ? value.replace(/\u0000/g, '\uFFFD') : value)

class NulTransformer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    const next = super.transformValue(node)
    const value = withoutNul(next.value)
    return value === next.value ? next : { ...next, value }
  }
  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    const next = super.transformPrimitiveValueList(node)
    return next.values.some((v) => typeof v === 'string' && v.includes('\u0000')) ? { ...next, values: next.values.map(withoutNul) } : next
  }
}

/** A plugin that rewrites each query with `transformer` and leaves results as they are. */
class RewritePlugin implements KyselyPlugin {
  constructor(readonly transformer: OperationNodeTransformer) {}
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.transformer.transformNode(args.node)
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result
  }
}

/** Applied to every Kysely on PostgreSQL (reads and writes): see `withoutNul`. */
export class PostgresTextPlugin extends RewritePlugin {
  constructor() {
    super(new NulTransformer())
  }
}

/** A `DATABASE_URL` that selects PostgreSQL (postgres:// or postgresql://). */
export const isPostgresUrl = (url: string | undefined): url is string => !!url && /^postgres(ql)?:\/\//i.test(url)

/** SQLite column types → PostgreSQL. Integers are 64-bit on SQLite; so they are here (int8, read as numbers). */
const TYPES: Record<string, string> = {
  integer: 'bigint',
  real: 'double precision',
  blob: 'bytea',
}

/** SQLite functions and clauses in raw SQL fragments of the migrations → PostgreSQL. */
const RAW_REWRITES: Array<[RegExp, string]> = [
  [/strftime\('%Y-%m-%dT%H:%M:%fZ',\s*'now'\)/g, `to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`],
  [/\bjson_object\(/g, 'json_build_object('],
  [/\)\s*WITHOUT ROWID\s*$/i, ')'],
  [/\bBLOB\b/g, 'bytea'],
  [/\bINTEGER\b/g, 'bigint'],
  [/\bREAL\b/g, 'double precision'],
]

class SchemaTransformer extends OperationNodeTransformer {
  protected override transformCreateTable(node: CreateTableNode): CreateTableNode {
    const next = super.transformCreateTable(node)
    // `without rowid` (and any other table option) is SQLite's storage choice, not schema.
    return next.endModifiers ? { ...next, endModifiers: undefined } : next
  }
  protected override transformColumnDefinition(node: ColumnDefinitionNode): ColumnDefinitionNode {
    const next = super.transformColumnDefinition(node)
    if (next.autoIncrement && DataTypeNode.is(next.dataType)) {
      return ColumnDefinitionNode.cloneWith({ ...next, dataType: DataTypeNode.create('bigserial') }, { autoIncrement: false })
    }
    return next
  }
  protected override transformDataType(node: DataTypeNode): DataTypeNode {
    const mapped = TYPES[node.dataType]
    return mapped ? DataTypeNode.create(mapped as 'bigint') : node
  }
  protected override transformRaw(node: RawNode): RawNode {
    const next = super.transformRaw(node)
    let changed = false
    const fragments = next.sqlFragments.map((fragment) => {
      let out = fragment
      for (const [pattern, replacement] of RAW_REWRITES) out = out.replace(pattern, replacement)
      if (out !== fragment) changed = true
      return out
    })
    return changed ? RawNode.create(fragments, next.parameters) : next
  }
}

/** Applied to the migrator's Kysely on PostgreSQL only. */
export class PostgresSchemaPlugin extends RewritePlugin {
  constructor() {
    super(new SchemaTransformer())
  }
}

/**
 * Whether `error` is a unique-constraint violation on `table` (and, when given, on a key that
 * includes `column`), on either engine: SQLite's "UNIQUE constraint failed: table.column", or
 * PostgreSQL's 23505 with the table and the key named in its detail ("Key (column)=(…)").
 */
export function isUniqueViolation(error: unknown, table: string, column?: string): boolean {
  if (!(error instanceof Error)) return false
  const e = error as Error & { code?: unknown; table?: unknown; detail?: unknown }
  if (e.code === '23505') {
    if (e.table !== table) return false
    return column === undefined || new RegExp(`^Key \\(([^)]*, )?${column}(, [^)]*)?\\)=`).test(String(e.detail ?? ''))
  }
  const m = /UNIQUE constraint failed: (.*)$/.exec(e.message)
  if (!m) return false
  const columns = m[1]!.split(',').map((c) => c.trim())
  return columns.some((c) => c.startsWith(`${table}.`)) && (column === undefined || columns.includes(`${table}.${column}`))
}
