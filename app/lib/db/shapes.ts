import { createQueryId, type Compilable, type CompiledQuery, type Kysely } from 'kysely'
import { engineOf, withoutNul } from './dialect'

/**
 * Compiled queries kept per shape (ADR 159). Kysely builds and compiles a query anew on every call: for
 * the list of /proposals that was about 0.5 ms of a 6 ms page (parsing references, freezing nodes,
 * visiting the tree), for SQL whose text depends only on which filters are set. `shaped` compiles a
 * query once per `key` with a placeholder ("slot") for each of `values`, and after that answers with
 * the same SQL text and the values put in their places.
 *
 * The rules, so that a shape never answers with another's SQL:
 * - `key` names everything the SQL's text depends on: which filters are present, the sort, the list
 *   lengths (each element of a list is a value of its own), constants that choose columns.
 * - `values` are scalars (number, string, null, boolean): an array or object would become one slot
 *   where Kysely writes a list. They are checked.
 * - `build` uses the values it is given only as query values (where, limit, offset…), never to decide
 *   the query's structure (a value the shape does not use is left out). Outside production every call
 *   also builds the query with the real values and compares (a value taken from elsewhere than the
 *   slots would be frozen into the cached parameters: this catches it in tests).
 *
 * On PostgreSQL string values get the NUL replacement that PostgresTextPlugin applies at compile time.
 */
class Slot {
  constructor(readonly index: number) {}
}

interface Shape {
  sql: string
  query: CompiledQuery['query']
  parameters: readonly unknown[]
  /** For each parameter, the index of the value it takes, or -1 for a constant of the shape. */
  from: number[]
  postgres: boolean
}

const MAX_SHAPES = 500
const cache = new WeakMap<object, Map<string, Shape>>()
const verify = process.env.NODE_ENV !== 'production'

function isScalar(value: unknown): boolean {
  return value === null || typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint'
}

export function shaped<R, V extends readonly unknown[]>(db: Pick<Kysely<unknown>, 'getExecutor'>, key: string, values: V, build: (values: V) => Compilable<R>): CompiledQuery<R> {
  for (const value of values) if (!isScalar(value)) throw new Error(`shaped(${key}): values must be scalars`)
  let shapes = cache.get(db)
  if (!shapes) cache.set(db, (shapes = new Map()))
  let shape = shapes.get(key)
  if (!shape) {
    const slots = values.map((_, i) => new Slot(i)) as unknown as V
    const compiled = build(slots).compile()
    const from = compiled.parameters.map((p) => (p instanceof Slot ? p.index : -1))
    shape = { sql: compiled.sql, query: compiled.query, parameters: compiled.parameters, from, postgres: engineOf(db) === 'postgres' }
    if (shapes.size >= MAX_SHAPES) shapes.clear()
    shapes.set(key, shape)
  }
  const { from, postgres } = shape
  const parameters = shape.parameters.map((p, i) => (from[i]! >= 0 ? (postgres ? withoutNul(values[from[i]!]) : values[from[i]!]) : p))
  const query: CompiledQuery<R> = { sql: shape.sql, query: shape.query, parameters, queryId: createQueryId() }
  if (verify) {
    const direct = build(values).compile()
    if (direct.sql !== query.sql || JSON.stringify(direct.parameters) !== JSON.stringify(parameters)) {
      throw new Error(`shaped(${key}): the cached shape does not match the query built with its values:\n${direct.sql}\n${query.sql}`)
    }
  }
  return query
}
