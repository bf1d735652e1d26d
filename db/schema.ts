import type { ColumnType, Generated, Insertable, Selectable } from 'kysely'

/**
 * The one source of table types. Every migration that changes a table changes this file.
 * Timestamps are ISO-8601 UTC strings (`2026-11-22T10:00:00.000Z`) so the same code runs on PostgreSQL.
 */

export type AreaLevel = 'city' | 'district' | 'neighbourhood'

export interface AreasTable {
  id: Generated<number>
  slug: string
  name: string
  level: AreaLevel
  parent_id: number | null
  /** GeoJSON Polygon or MultiPolygon, [lng, lat], RFC 7946 winding. */
  geometry: string
  min_lng: number
  min_lat: number
  max_lng: number
  max_lat: number
  area_m2: number
  created_at: ColumnType<string, string | undefined, never>
}

/** Site-wide settings an administrator can change (key → JSON value). */
export interface SettingsTable {
  key: string
  value: string
  updated_at: string
}

/** Counters of the rate limiter (rate-limiter-flexible's SQLite/PostgreSQL table layout). */
export interface RateLimitsTable {
  key: string
  points: number
  expire: number | null
}

/** The mail outbox (app/lib/mail/outbox.server.ts is the only writer). */
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed'
export interface OutboxTable {
  id: Generated<number>
  kind: string
  to_address: string
  reply_to: string | null
  subject: string
  text_body: string
  html_body: string | null
  /** JSON object of extra headers, e.g. {"List-Unsubscribe": "<https://…>"}. */
  headers: ColumnType<string, string | undefined, string>
  status: ColumnType<OutboxStatus, OutboxStatus | undefined, OutboxStatus>
  attempts: ColumnType<number, number | undefined, number>
  next_attempt_at: string
  claimed_until: string | null
  claim_token: string | null
  last_error: string | null
  message_id: string | null
  created_at: string
  sent_at: string | null
}

export interface Database {
  areas: AreasTable
  settings: SettingsTable
  rate_limits: RateLimitsTable
  outbox: OutboxTable
}

export type Area = Selectable<AreasTable>
export type NewArea = Insertable<AreasTable>
