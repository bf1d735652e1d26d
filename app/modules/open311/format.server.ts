/**
 * GeoReport v2 output in its two formats. The spec defines XML and derives JSON from it by the
 * "Spark convention": a list element (<services>) becomes a JSON array of its items (<service>), the
 * root element disappears. One data structure is written both ways here, so the two cannot drift.
 * The XML is schemaless, without namespace, UTF-8 with its declaration (spec, "Format Support").
 */

import { escapeXmlText } from '../../lib/xml'

export type Format = 'json' | 'xml'
export const formats: readonly Format[] = ['json', 'xml']
export const isFormat = (value: string): value is Format => value === 'json' || value === 'xml'

export type Value = string | number | boolean | null | undefined | Record<string, unknown> | unknown[]

/**
 * A document: the root element, and for a list root the element name of its items.
 * E.g. { root: 'services', item: 'service' } for services.xml (a JSON array).
 */
export interface DocumentShape {
  root: string
  /** When the body is a list: the name of each item's element. */
  item?: string
}

/** Item element names of nested lists (the Spark convention's singular names). */
const ITEM_NAMES: Record<string, string> = {
  services: 'service',
  attributes: 'attribute',
  values: 'value',
  endpoints: 'endpoint',
  formats: 'format',
  service_requests: 'request',
  service_request_updates: 'request_update',
  errors: 'error',
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/
const checkedNames = new Set<string>()

function element(name: string, value: Value, out: string[], indent: string) {
  if (!checkedNames.has(name)) {
    if (!NAME.test(name)) throw new Error(`not an XML element name: ${name}`)
    checkedNames.add(name)
  }
  if (value === null || value === undefined) {
    out.push(`${indent}<${name}/>`)
  } else if (Array.isArray(value)) {
    const item = ITEM_NAMES[name] ?? name.replace(/s$/, '')
    if (value.length === 0) {
      out.push(`${indent}<${name}/>`)
      return
    }
    out.push(`${indent}<${name}>`)
    for (const v of value) element(item, v as Value, out, `${indent}  `)
    out.push(`${indent}</${name}>`)
  } else if (typeof value === 'object') {
    out.push(`${indent}<${name}>`)
    for (const [k, v] of Object.entries(value)) element(k, v as Value, out, `${indent}  `)
    out.push(`${indent}</${name}>`)
  } else {
    out.push(`${indent}<${name}>${escapeXmlText(String(value))}</${name}>`)
  }
}

/** The XML document for `body` (a list when `shape.item` is set, else an object). */
export function toXml(shape: DocumentShape, body: Value): string {
  const out = ['<?xml version="1.0" encoding="utf-8"?>']
  if (shape.item) {
    const items = (body ?? []) as unknown[]
    if (items.length === 0) out.push(`<${shape.root}/>`)
    else {
      out.push(`<${shape.root}>`)
      for (const item of items) element(shape.item, item as Value, out, '  ')
      out.push(`</${shape.root}>`)
    }
  } else {
    element(shape.root, body, out, '')
  }
  return `${out.join('\n')}\n`
}

export const contentTypes: Record<Format, string> = {
  json: 'application/json; charset=utf-8',
  xml: 'text/xml; charset=utf-8',
}

export function render(format: Format, shape: DocumentShape, body: Value): string {
  return format === 'json' ? JSON.stringify(body ?? null) : toXml(shape, body)
}

export interface ApiError {
  code: number
  description: string
}

export function respond(format: Format, shape: DocumentShape, body: Value, init: { status?: number; headers?: Record<string, string> } = {}) {
  return new Response(render(format, shape, body), {
    status: init.status ?? 200,
    headers: { 'Content-Type': contentTypes[format], ...init.headers },
  })
}

/**
 * GeoReport v2 errors: always a list (even of one), with the HTTP status of the first — 404 for
 * what does not exist, 403 for a missing or wrong api_key, 400 for any other bad request.
 */
export function errorResponse(format: Format, errors: ApiError[], headers: Record<string, string> = {}) {
  return respond(
    format,
    { root: 'errors', item: 'error' },
    errors.map((e) => ({ code: e.code, description: e.description })),
    {
      status: errors[0]?.code ?? 400,
      headers: { 'Cache-Control': 'no-store', ...headers },
    },
  )
}

/** W3C datetime with its offset, in UTC, from a stored ISO-8601 timestamp (e.g. 2026-11-22T10:00:00+00:00). */
const STORED_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/

export function w3cDatetime(iso: string | null | undefined): string | null {
  if (!iso) return null
  // Plaza stores toISOString() text: rewrite it without parsing a Date (1,000 rows, 2 each).
  if (STORED_UTC.test(iso)) return `${iso.slice(0, 19)}+00:00`
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return null
  return `${date.toISOString().slice(0, 19)}+00:00`
}
