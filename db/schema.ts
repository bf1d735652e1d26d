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
  /** The code an import matches the area by (unique). */
  code: string | null
  /** JSON of the name per language (app/lib/localized.ts); `name` is the default language's. */
  names: ColumnType<string, string | undefined, string>
  /** 0 city, 1 district, 2 neighbourhood, 3+ levels below (their `level` stays 'neighbourhood'). */
  depth: ColumnType<number, number | undefined, number>
  /** The administrator's name of a level below neighbourhoods; null for the first three. */
  level_name: string | null
  /** A simplified copy of `geometry` for drawing; null: draw `geometry`. */
  geometry_simplified: string | null
}

export interface AreaSlugRedirectsTable {
  old_slug: string
  area_id: number
  created_at: string
}

export interface AreaImportsTable {
  id: Generated<number>
  token: string
  file_name: string
  format: string
  crs: string
  features: string
  created_by: number | null
  created_at: string
  committed_at: string | null
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

/** A periodic background job's runs, claimed by one app server at a time (migration 0032, ADR 123). */
export interface JobRunsTable {
  name: string
  holder: string | null
  lease_until: string
  last_started_at: string
  last_finished_at: string | null
  last_error: string | null
  runs: Generated<number>
}

/** A kind of located item (a capability's items), registered when the capability ships. */
export interface MapKindsTable {
  kind: string
  /** The item's page, with `{id}` for the item id; null when items have no page. */
  url_pattern: string | null
  /** i18n key of the layer's name, "namespace:key". */
  label_key: string
  position: ColumnType<number, number | undefined, number>
}

/** The one spatial index of located items (app/modules/geo/map-index.server.ts writes it). */
export interface MapItemsTable {
  id: Generated<number>
  kind: string
  item_id: number
  lng: number
  lat: number
  mx: number
  my: number
  /** JSON array of area ids containing the point. */
  area_ids: ColumnType<string, string | undefined, string>
  status: string
  category: string | null
  title: string
  created_at: string
  visible: ColumnType<number, number | undefined, number>
}

export interface MapItemAreasTable {
  area_id: number
  map_item_id: number
}

export interface MapAreaCountsTable {
  area_id: number
  kind: string
  status: string
  n: number
}

export interface MapCellsTable {
  level: number
  cx: number
  cy: number
  kind: string
  status: string
  /** '' when the items have no category. */
  category: string
  n: number
  sum_lng: number
  sum_lat: number
}

export type Role = 'staff' | 'moderator' | 'admin'
export type EmailTokenPurpose = 'confirm_email' | 'reset_password' | 'change_email'

export interface DepartmentsTable {
  id: Generated<number>
  slug: string
  /** Localized JSON `{"en":…,"es":…,"fr":…}` (app/lib/localized.ts). */
  name: string
  email: string | null
  phone: string | null
  active: Generated<number>
  created_at: string
}

export interface CensusRecordsTable {
  id: Generated<number>
  /** HMAC-SHA-256 of the normalised document number (never the number itself). */
  document_hash: string
  /** YYYY-MM-DD */
  birth_date: string
  area_id: number
  imported_at: string
  updated_at: string
}

export interface UsersTable {
  id: Generated<number>
  /** Lower-cased; null once the account is deleted. */
  email: string | null
  email_confirmed_at: string | null
  display_name: string
  password_hash: string | null
  /** 0 unverified, 1 e-mail confirmed, 2 residence verified, 3 verified in person. */
  verification_level: Generated<number>
  home_area_id: number | null
  census_record_id: number | null
  verified_at: string | null
  verified_by: number | null
  locale: string | null
  created_at: string
  updated_at: string
  deleted_at: string | null
  /** Set by an administrator: the account can no longer log in (its sessions ended then). */
  deactivated_at: ColumnType<string | null, string | null | undefined, string | null>
}

export interface UserRolesTable {
  id: Generated<number>
  user_id: number
  role: Role
  department_id: number | null
  granted_by: number | null
  granted_at: string
}

export interface SessionsTable {
  /** SHA-256 (hex) of the session token. */
  id: string
  user_id: number
  /** Unix milliseconds. */
  expires_at: number
  created_at: string
  ip: string | null
  user_agent: string | null
}

export interface EmailTokensTable {
  id: Generated<number>
  token_hash: string
  user_id: number
  purpose: EmailTokenPurpose
  new_email: string | null
  /** Unix milliseconds. */
  expires_at: number
  used_at: string | null
  created_at: string
}

export interface CensusImportsTable {
  id: Generated<number>
  imported_by: number | null
  source: string
  added: number
  updated: number
  unchanged: number
  rejected: number
  created_at: string
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
  /** JSON list of inline attachments {filename, contentType, cid, content (base64)}, or null (migration 0036). */
  attachments: ColumnType<string | null, string | null | undefined, string | null>
}

export type Stance = 'for' | 'neutral' | 'against'
export type CommentStatus = 'visible' | 'pending' | 'hidden'
export type FlagReason = 'spam' | 'offensive' | 'off_topic' | 'personal_data' | 'other'

export interface CommentsTable {
  id: Generated<number>
  target_kind: string
  target_id: number
  parent_id: number | null
  root_id: number | null
  depth: number
  author_id: number
  body_md: string
  body_html: string
  stance: Stance
  status: CommentStatus
  helpful: Generated<number>
  unhelpful: Generated<number>
  score: Generated<number>
  replies: Generated<number>
  descendants: Generated<number>
  created_at: string
  edited_at: string | null
  deleted_at: string | null
}

export interface CommentVotesTable {
  comment_id: number
  user_id: number
  value: number
  created_at: string
}

export interface FlagsTable {
  id: Generated<number>
  target_kind: string
  target_id: number
  reporter_id: number
  reason: FlagReason
  note: string | null
  created_at: string
  resolved_at: string | null
}

export interface ModerationQueueTable {
  id: Generated<number>
  target_kind: string
  target_id: number
  author_id: number | null
  excerpt: string
  url: string
  flags: Generated<number>
  /** JSON: reason → count. */
  reasons: Generated<string>
  state: Generated<'open' | 'closed'>
  why: 'flags' | 'auto_hidden' | 'premoderation'
  created_at: string
  updated_at: string
}

export interface UserBlocksTable {
  id: Generated<number>
  user_id: number
  blocked_by: number | null
  reason: string
  created_at: string
  lifted_at: string | null
}

export interface AuditLogTable {
  id: Generated<number>
  actor_id: number | null
  action: string
  target_kind: string
  target_id: number
  before: string | null
  after: string | null
  reason: string | null
  created_at: string
}

export interface ReportCategoriesTable {
  id: Generated<number>
  /** Open311 service_code. */
  code: string
  /** name, description, group_name: localized JSON `{"en":…,"es":…,"fr":…}` (app/lib/localized.ts). */
  name: string
  description: Generated<string>
  group_name: string | null
  keywords: Generated<string>
  active: Generated<number>
  position: Generated<number>
  /** #rrggbb on the map and in lists; null: the default. */
  colour: string | null
}

export type QuestionDatatype = 'string' | 'text' | 'number' | 'datetime' | 'singlevaluelist' | 'multivaluelist'

/** A question a report category asks (an Open311 service definition's attribute). */
export interface CategoryQuestionsTable {
  id: Generated<number>
  category_id: number
  code: string
  datatype: QuestionDatatype
  required: Generated<number>
  /** Localized JSON. */
  description: string
  /** Localized JSON: what to type (Open311 datatype_description). */
  hint: Generated<string>
  /** JSON array of {"key": "…", "name": {"en": …}}. */
  options: Generated<string>
  position: Generated<number>
  updated_at: string
}

export interface PetitionCategoriesTable {
  id: Generated<number>
  code: string
  /** Localized JSON. */
  name: string
  position: Generated<number>
  active: Generated<number>
}

export interface CategoryRoutesTable {
  id: Generated<number>
  category_id: number
  department_id: number
  /** null: the whole city. */
  area_id: number | null
}

export type ReportStateKind = 'unconfirmed' | 'open' | 'fixed' | 'closed' | 'hidden'

export interface ReportStatesTable {
  code: string
  kind: ReportStateKind
  /** An administrator's own name for the state, localized JSON; null: the translated default. */
  label: string | null
  position: number
}

export type ReportPriority = 'low' | 'normal' | 'high' | 'urgent'

export interface ReportsTable {
  id: Generated<number>
  category_id: number
  department_id: number
  state: string
  state_kind: ReportStateKind
  title: string
  description: string
  lat: number
  lng: number
  address: string | null
  /** The most specific area containing the point, and its district. */
  area_id: number | null
  district_id: number | null
  reporter_id: number | null
  reporter_email: string | null
  reporter_name: string
  anonymous: Generated<number>
  priority: ColumnType<ReportPriority, ReportPriority | undefined, ReportPriority>
  assignee_id: number | null
  duplicate_of: number | null
  supports: Generated<number>
  photo_count: Generated<number>
  /** 'web' | 'open311' | 'seed' */
  source: Generated<string>
  api_key_id: number | null
  /** JSON object of Open311 attribute answers. */
  attributes: Generated<string>
  confirm_token_hash: string | null
  open311_token: string | null
  locale: string | null
  created_at: string
  confirmed_at: string | null
  first_response_at: string | null
  fixed_at: string | null
  closed_at: string | null
  updated_at: string
  questionnaire_due_at: string | null
  /** A photo elsewhere that an Open311 client linked to (media_url), migration 0027. */
  media_url: Generated<string | null>
}

export type ReportUpdateKind = 'created' | 'confirmed' | 'state' | 'update' | 'note' | 'category' | 'priority' | 'assign' | 'location' | 'duplicate' | 'questionnaire' | 'photo'

/**
 * How many reports each department has in each state, kept exact by reports.server.ts in the
 * transactions that change reports (migration 0012): the council list's counts without filters.
 */
export interface ReportStateCountsTable {
  department_id: number
  state: string
  n: number
}

export interface ReportUpdatesTable {
  id: Generated<number>
  report_id: number
  author_id: number | null
  kind: ReportUpdateKind
  public: number
  text: Generated<string>
  from_state: string | null
  to_state: string | null
  details: string | null
  /** 'web' | 'open311' | 'system' */
  source: Generated<string>
  created_at: string
}

export interface ReportSupportsTable {
  report_id: number
  user_id: number
  created_at: string
}

export interface ReportPhotosTable {
  id: Generated<number>
  report_id: number | null
  position: Generated<number>
  upload_key: string
  width: number
  height: number
  hidden: Generated<number>
  created_at: string
}

export interface ReportPhotoVariantsTable {
  photo_id: number
  /** e.g. 'full' | 'medium' | 'thumb' */
  size: string
  mime: string
  width: number
  height: number
  data: Buffer
}

export interface ResponseTemplatesTable {
  id: Generated<number>
  department_id: number | null
  title: string
  text: string
  auto_state: string | null
  created_at: string
}

export interface ApiKeysTable {
  id: Generated<number>
  name: string
  key_hash: string
  key_prefix: string
  department_id: number | null
  may_update: Generated<number>
  /** The client checks its users' e-mail: a request with one gets its id at once (migration 0027). */
  trusted: Generated<number>
  /** A council-wide key's statuses change reports as staff would (else they are citizens' updates). */
  may_change_state: Generated<number>
  created_by: number | null
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
}

export interface ReportAlertsTable {
  id: Generated<number>
  email: string
  user_id: number | null
  lat: number | null
  lng: number | null
  radius_m: number | null
  area_id: number | null
  token_hash: string
  locale: string | null
  /** 1: also mail the public updates to the reports it covers (issue 19). */
  include_updates: Generated<number>
  created_at: string
  confirmed_at: string | null
  cancelled_at: string | null
}

export interface ReportQuestionnairesTable {
  id: Generated<number>
  report_id: number
  token_hash: string
  sent_at: string
  answered_at: string | null
  answer: 'fixed' | 'not_fixed' | null
  comment: string | null
}

export type ProposalState = 'draft' | 'published' | 'threshold_reached' | 'voting' | 'answered' | 'archived' | 'hidden'

export interface ProposalCategoriesTable {
  id: Generated<number>
  code: string
  /** Localized JSON. */
  name: string
  position: Generated<number>
  active: Generated<number>
}

export interface ProposalsTable {
  id: Generated<number>
  author_id: number | null
  state: ProposalState
  title: string
  summary: string
  body_md: string
  body_html: string
  category_id: number | null
  /** Normalised tags, space-separated (also in proposal_tags). */
  tags: Generated<string>
  lat: number | null
  lng: number | null
  area_id: number | null
  district_id: number | null
  image_id: number | null
  supports: Generated<number>
  hot_score: Generated<number>
  created_at: string
  updated_at: string
  published_at: string | null
  expires_at: string | null
  threshold_reached_at: string | null
  archived_at: string | null
  process_id: number | null
  answer_md: string | null
  answer_html: string | null
  answered_at: string | null
  answered_by: number | null
}

export interface ProposalTagsTable {
  proposal_id: number
  tag: string
}

export interface ProposalSupportsTable {
  proposal_id: number
  user_id: number
  created_at: string
}

export interface ProposalImagesTable {
  id: Generated<number>
  proposal_id: number | null
  upload_key: string
  width: number
  height: number
  created_at: string
}

export interface ProposalImageVariantsTable {
  image_id: number
  size: string
  mime: string
  width: number
  height: number
  data: Buffer
}

export type VotingMethod = 'yesno' | 'approval' | 'quadratic' | 'budget' | 'ranked'
export type VotingProcessState = 'draft' | 'scheduled' | 'open' | 'closed' | 'published' | 'cancelled'

export interface VotingProcessesTable {
  id: Generated<number>
  title: string
  description_md: string
  description_html: string
  proposal_id: number | null
  eligible_area_id: number | null
  residents_only: Generated<number>
  category: string | null
  method: VotingMethod
  /** JSON: methodSpecSchema (app/modules/voting/methods.ts). */
  spec: string
  /** JSON: weightPolicySchema (app/modules/voting/weights.ts). */
  weight_policy: string
  required_level: Generated<number>
  delegation: Generated<number>
  state: VotingProcessState
  opens_at: string
  closes_at: string
  chain_head: Generated<string>
  ballots: Generated<number>
  results: string | null
  published_at: string | null
  created_by: number | null
  created_at: string
  updated_at: string
}

export interface BallotsTable {
  id: Generated<number>
  process_id: number
  voter_id: number
  receipt: string
  choices: string
  /** Milli-weight: 1000 = 1. */
  weight: number
  level: number
  resides_inside: number
  cast_at: string
  prev_hash: string
  hash: string
  replaced_at: string | null
}

export interface TalliesTable {
  process_id: number
  key: string
  weight: Generated<number>
  ballots: Generated<number>
}

export interface DelegationsTable {
  id: Generated<number>
  from_id: number
  to_id: number
  /** 'all' | 'area:<id>' | 'category:<code>' */
  scope: string
  created_at: string
  revoked_at: string | null
}

export interface DelegationWeightsTable {
  process_id: number
  user_id: number
  weight: number
  delegate_id: number | null
}

export interface RepresentativeLevelsTable {
  code: string
  /** JSON object of names by locale: {"en": "…", "es": "…", "fr": "…"}. */
  names: string
  area_level: AreaLevel
  position: Generated<number>
  created_at: string
}

export interface RepresentativesTable {
  id: Generated<number>
  name: string
  /** Localized JSON, e.g. {"en":"Mayor","es":"Alcaldesa","fr":"Maire"}. */
  role: string
  level: string
  area_id: number
  party: string | null
  email: string
  photo: Buffer | null
  photo_thumb: Buffer | null
  photo_updated_at: string | null
  /** YYYY-MM-DD, inclusive; null: open-ended. */
  active_from: string | null
  active_until: string | null
  email_bounced_at: string | null
  bounce_note: string | null
  created_at: string
  updated_at: string
}

export type LetterStatus = 'unconfirmed' | 'frozen' | 'confirmed' | 'rejected' | 'expired'
export interface LettersTable {
  id: Generated<number>
  token_hash: string
  confirm_token_hash: string | null
  status: LetterStatus
  sender_user_id: number | null
  sender_name: string
  sender_email: string
  sender_key: string
  sender_address: string
  lat: number | null
  lng: number | null
  area_id: number | null
  subject: string
  body: string | null
  fingerprint: Buffer | null
  frozen_reason: string | null
  frozen_details: string | null
  reviewed_by: number | null
  reviewed_at: string | null
  review_note: string | null
  ip: string | null
  ip_key: string | null
  locale: string | null
  created_at: string
  confirmed_at: string | null
  body_deleted_at: string | null
}

export type LetterDeliveryStatus = 'waiting' | 'frozen' | 'queued' | 'sent' | 'failed' | 'rejected'
export type LetterAnswer = 'yes' | 'no' | 'not_yet' | 'unsatisfactory'
export interface LetterDeliveriesTable {
  id: Generated<number>
  letter_id: number
  representative_id: number
  status: LetterDeliveryStatus
  outbox_id: number | null
  failure_reason: string | null
  queued_at: string | null
  sent_at: string | null
  failed_at: string | null
  questionnaire_token_hash: string | null
  questionnaire_due_at: string | null
  questionnaire_sent_at: string | null
  reminder_due_at: string | null
  reminder_sent_at: string | null
  answer: LetterAnswer | null
  answered_at: string | null
}

export interface MailBouncesTable {
  id: Generated<number>
  outbox_id: number | null
  recipient: string
  action: 'failed' | 'delayed'
  status: string | null
  diagnostic: string | null
  source: 'endpoint' | 'mailbox'
  representative_id: number | null
  received_at: string
}

export type PetitionState = 'draft' | 'sponsoring' | 'pending' | 'open' | 'closed' | 'rejected' | 'hidden'
export type PetitionTargetKind = 'council' | 'department' | 'representative'
export interface PetitionsTable {
  id: Generated<number>
  author_id: number | null
  state: PetitionState
  title: string
  action: string
  background_md: Generated<string>
  background_html: Generated<string>
  target_kind: PetitionTargetKind
  target_department_id: number | null
  target_representative_id: number | null
  category_id: number | null
  area_id: number | null
  lat: number | null
  lng: number | null
  sponsor_token_hash: string | null
  sponsors_required: number
  sponsor_count: Generated<number>
  signature_count: Generated<number>
  pending_count: Generated<number>
  held_count: Generated<number>
  response_threshold: number
  debate_threshold: number
  duration_days: number
  rejection_reason: string | null
  rejection_details: string | null
  moderated_by: number | null
  moderated_at: string | null
  locale: string | null
  created_at: string
  updated_at: string
  submitted_at: string | null
  opened_at: string | null
  closes_at: string | null
  closed_at: string | null
  last_signed_at: string | null
  response_threshold_reached_at: string | null
  debate_threshold_reached_at: string | null
  response_md: string | null
  response_html: string | null
  responded_at: string | null
  responded_by: number | null
  debate_scheduled_for: string | null
  debate_outcome_md: string | null
  debate_outcome_html: string | null
  debated_at: string | null
}

export interface PetitionInvalidationsTable {
  id: Generated<number>
  petition_id: number
  /** JSON: { ip?, domain?, from?, to?, statuses? } */
  criteria: string
  reason: string
  signatures: number
  created_by: number | null
  created_at: string
}

export type SignatureStatus = 'pending' | 'counted' | 'held' | 'blocked' | 'invalidated'
export interface PetitionSignaturesTable {
  id: Generated<number>
  petition_id: number
  status: SignatureStatus
  reason: string
  decision: 'accept' | 'hold' | 'block'
  sponsor: Generated<number>
  name: string
  email: string
  email_key: string
  email_domain: string
  user_id: number | null
  lat: number | null
  lng: number | null
  area_id: number | null
  district_id: number | null
  ip: string | null
  ip_key: string | null
  notify_updates: Generated<number>
  confirm_token_hash: string | null
  locale: string | null
  created_at: string
  confirmed_at: string | null
  invalidated_at: string | null
  invalidation_id: number | null
  reviewed_by: number | null
}

export interface PetitionAreaCountsTable {
  petition_id: number
  area_id: number
  signatures: Generated<number>
}

export interface PetitionHourlyCountsTable {
  petition_id: number
  /** UTC hour, "2026-11-22T10". */
  hour: string
  signatures: Generated<number>
}

export type PetitionMailingKind = 'response' | 'debate_scheduled' | 'debate_outcome'
/** Mail to signers about a response or a debate, queued in batches (cursor: last_signature_id). */
export interface PetitionMailingsTable {
  id: Generated<number>
  petition_id: number
  kind: PetitionMailingKind
  last_signature_id: Generated<number>
  queued: Generated<number>
  created_at: string
  finished_at: string | null
}

export type SubscriptionTargetKind = 'report' | 'proposal' | 'petition' | 'vote' | 'area'
export interface SubscriptionsTable {
  id: Generated<number>
  email: string
  email_key: string
  user_id: number | null
  target_kind: SubscriptionTargetKind
  target_id: number
  mode: 'immediate' | 'daily'
  locale: string | null
  confirm_token_hash: string | null
  confirmed_at: string | null
  unsubscribed_at: string | null
  last_digest_at: string | null
  created_at: string
}

export interface NotificationsTable {
  id: Generated<number>
  subscription_id: number
  event: string
  title: string
  text: Generated<string>
  url: string
  created_at: string
  sent_at: string | null
}

export interface EmbedSitesTable {
  id: Generated<number>
  origin: string
  note: Generated<string>
  created_by: number | null
  created_at: string
}

// ---------------------------------------------------------------- city (migration 0023, app/modules/city)

/** A council setting (key → JSON value); keys without a row take the environment's value or the default. */
export interface CitySettingsTable {
  key: string
  value: string
  updated_by: number | null
  updated_at: string
}

/** The site's identity: one row, id 1. Names and the home introduction are localized JSON. */
export interface SiteIdentityTable {
  id: number
  site_name: Generated<string>
  city_name: Generated<string>
  home_intro: Generated<string>
  primary_colour: string | null
  contact_email: string | null
  languages: Generated<string>
  default_locale: Generated<string>
  updated_at: string
}

export interface SiteAssetsTable {
  kind: 'logo' | 'favicon'
  content_type: string
  body: Buffer
  etag: string
  updated_at: string
}

export type SitePageSlug = 'terms' | 'privacy' | 'accessibility' | 'cookies'
export interface SitePagesTable {
  slug: SitePageSlug
  title: Generated<string>
  body: Generated<string>
  updated_by: number | null
  updated_at: string
}

/** A configuration document uploaded for import, between its preview and its apply. */
export interface ConfigurationImportsTable {
  id: Generated<number>
  /** SHA-256 of the token in the preview's address. */
  token_hash: string
  document: string
  file_name: string
  created_by: number | null
  created_at: string
  applied_at: string | null
}

export interface SetupTokensTable {
  id: Generated<number>
  token_hash: string
  expires_at: number
  used_at: string | null
  created_at: string
}

export interface StaffInvitationsTable {
  id: Generated<number>
  email: string
  roles: string
  locale: string
  token_hash: string
  invited_by: number | null
  expires_at: number
  accepted_at: string | null
  user_id: number | null
  revoked_at: string | null
  created_at: string
}

/** One import of an OpenStreetMap extract into the base map (app/modules/basemap). */
export interface BasemapImportsTable {
  id: Generated<number>
  file_name: string
  format: string
  status: 'running' | 'done' | 'failed'
  stage: string | null
  error: string | null
  /** JSON: what was kept, per kind (streets, buildings, addresses, tiles, …). */
  counts: Generated<string>
  /** JSON [w, s, e, n] of the data. */
  bbox: string | null
  min_zoom: number
  max_zoom: number
  created_by: number | null
  started_at: string
  finished_at: string | null
}

export interface BasemapTilesTable {
  version: number
  z: number
  x: number
  y: number
  data: Uint8Array
  etag: string
}

export interface BasemapStreetsTable {
  id: Generated<number>
  version: number
  kind: 'street' | 'place'
  name: string
  search: string
  lat: number
  lng: number
}

/** R*Tree over address points (SQLite virtual table): the nearest address to a point (reverse geocoding). */
export interface BasemapAddressesTable {
  id: Generated<number>
  version: number
  street_id: number
  housenumber: string
  number: number | null
  lat: number
  lng: number
}

export interface Database {
  areas: AreasTable
  area_slug_redirects: AreaSlugRedirectsTable
  area_imports: AreaImportsTable
  settings: SettingsTable
  rate_limits: RateLimitsTable
  job_runs: JobRunsTable
  departments: DepartmentsTable
  census_records: CensusRecordsTable
  users: UsersTable
  user_roles: UserRolesTable
  sessions: SessionsTable
  email_tokens: EmailTokensTable
  census_imports: CensusImportsTable
  comments: CommentsTable
  comment_votes: CommentVotesTable
  flags: FlagsTable
  moderation_queue: ModerationQueueTable
  user_blocks: UserBlocksTable
  audit_log: AuditLogTable
  report_categories: ReportCategoriesTable
  category_questions: CategoryQuestionsTable
  petition_categories: PetitionCategoriesTable
  category_routes: CategoryRoutesTable
  report_states: ReportStatesTable
  reports: ReportsTable
  report_state_counts: ReportStateCountsTable
  report_updates: ReportUpdatesTable
  report_supports: ReportSupportsTable
  report_photos: ReportPhotosTable
  report_photo_variants: ReportPhotoVariantsTable
  response_templates: ResponseTemplatesTable
  api_keys: ApiKeysTable
  report_alerts: ReportAlertsTable
  report_questionnaires: ReportQuestionnairesTable
  proposal_categories: ProposalCategoriesTable
  proposals: ProposalsTable
  proposal_tags: ProposalTagsTable
  proposal_supports: ProposalSupportsTable
  proposal_images: ProposalImagesTable
  proposal_image_variants: ProposalImageVariantsTable
  voting_processes: VotingProcessesTable
  ballots: BallotsTable
  tallies: TalliesTable
  delegations: DelegationsTable
  delegation_weights: DelegationWeightsTable
  representative_levels: RepresentativeLevelsTable
  representatives: RepresentativesTable
  letters: LettersTable
  letter_deliveries: LetterDeliveriesTable
  mail_bounces: MailBouncesTable
  petitions: PetitionsTable
  petition_invalidations: PetitionInvalidationsTable
  petition_signatures: PetitionSignaturesTable
  petition_area_counts: PetitionAreaCountsTable
  petition_hourly_counts: PetitionHourlyCountsTable
  subscriptions: SubscriptionsTable
  notifications: NotificationsTable
  embed_sites: EmbedSitesTable
  city_settings: CitySettingsTable
  site_identity: SiteIdentityTable
  site_assets: SiteAssetsTable
  configuration_imports: ConfigurationImportsTable
  basemap_imports: BasemapImportsTable
  basemap_tiles: BasemapTilesTable
  basemap_streets: BasemapStreetsTable
  basemap_addresses: BasemapAddressesTable
  site_pages: SitePagesTable
  setup_tokens: SetupTokensTable
  staff_invitations: StaffInvitationsTable
  petition_mailings: PetitionMailingsTable
  map_kinds: MapKindsTable
  map_items: MapItemsTable
  map_item_areas: MapItemAreasTable
  map_area_counts: MapAreaCountsTable
  map_cells: MapCellsTable
  outbox: OutboxTable
  open311_client_requests: Open311ClientRequestsTable
  open311_client_updates: Open311ClientUpdatesTable
  delivery_methods: DeliveryMethodsTable
  report_deliveries: ReportDeliveriesTable
  delivery_seen_updates: DeliverySeenUpdatesTable
  participatory_processes: ParticipatoryProcessesTable
  process_phases: ProcessPhasesTable
  process_follows: ProcessFollowsTable
  process_projects: ProcessProjectsTable
  process_project_supports: ProcessProjectSupportsTable
  process_images: ProcessImagesTable
  process_image_variants: ProcessImageVariantsTable
  results: ResultsTable
  result_milestones: ResultMilestonesTable
  result_changes: ResultChangesTable
  process_surveys: ProcessSurveysTable
  survey_responses: SurveyResponsesTable
  foi_bodies: FoiBodiesTable
  foi_holidays: FoiHolidaysTable
  foi_requests: FoiRequestsTable
  foi_messages: FoiMessagesTable
  foi_attachments: FoiAttachmentsTable
  foi_suggestions: FoiSuggestionsTable
  foi_search_terms: FoiSearchTermsTable
  foi_follows: FoiFollowsTable
  inbound_held_mail: InboundHeldMailTable
}

// --- participatory processes and accountability (issue 21, app/modules/processes)

export interface ParticipatoryProcessesTable {
  id: Generated<number>
  slug: string
  /** Localized JSON. */
  title: string
  /** Localized JSON (Markdown per language). */
  description: Generated<string>
  area_id: number | null
  image_id: number | null
  /** The image's alt text per language (JSON, migration 0038). */
  image_alt: Generated<string>
  published: Generated<number>
  budget_vote_id: number | null
  city_budget: Generated<number>
  /** JSON {"<areaId>": cents}. */
  district_budgets: Generated<string>
  currency: Generated<string>
  announced_phase_id: number | null
  created_by: number | null
  created_at: string
  updated_at: string
}

export interface ProcessPhasesTable {
  id: Generated<number>
  process_id: number
  position: number
  /** Localized JSON. */
  title: string
  description: Generated<string>
  starts_at: string
  ends_at: string
  /** JSON: PhaseComponents (app/modules/processes/phases.ts). */
  components: Generated<string>
}

export interface ProcessFollowsTable {
  process_id: number
  user_id: number
  created_at: string
}

export type ProjectState = 'submitted' | 'feasible' | 'unfeasible' | 'selected' | 'not_selected' | 'withdrawn'
export interface ProcessProjectsTable {
  id: Generated<number>
  process_id: number
  author_id: number | null
  title: string
  description: string
  estimated_cost: number
  area_id: number | null
  lat: number | null
  lng: number | null
  image_id: number | null
  state: ProjectState
  supports: Generated<number>
  feasibility_reason: string | null
  final_cost: number | null
  reviewed_by: number | null
  reviewed_at: string | null
  votes: number | null
  created_at: string
  updated_at: string
}

export interface ProcessProjectSupportsTable {
  project_id: number
  user_id: number
  created_at: string
}

export interface ProcessImagesTable {
  id: Generated<number>
  owner_kind: 'process' | 'project' | 'milestone'
  /** Null while pending (uploaded with a form not yet saved). */
  owner_id: number | null
  upload_key: string
  alt: Generated<string>
  width: number
  height: number
  created_at: string
}

export interface ProcessImageVariantsTable {
  image_id: number
  size: string
  mime: string
  width: number
  height: number
  data: Buffer
}

export type ResultStatus = 'planned' | 'in_progress' | 'done' | 'cancelled'
export type ResultSourceKind = 'project' | 'proposal' | 'petition'
export interface ResultsTable {
  id: Generated<number>
  process_id: number | null
  source_kind: ResultSourceKind
  source_id: number
  vote_id: number | null
  title: string
  description: Generated<string>
  area_id: number | null
  lat: number | null
  lng: number | null
  status: ResultStatus
  progress: Generated<number>
  budget: Generated<number>
  spent: Generated<number>
  created_at: string
  updated_at: string
}

export interface ResultMilestonesTable {
  id: Generated<number>
  result_id: number
  happened_on: string
  text: string
  image_id: number | null
  created_by: number | null
  created_at: string
}

export interface ResultChangesTable {
  id: Generated<number>
  result_id: number
  changed_by: number | null
  changed_at: string
  before: string | null
  after: string
}

export interface ProcessSurveysTable {
  id: Generated<number>
  process_id: number
  title: string
  questions: string
  required_level: Generated<number>
  created_at: string
}

export interface SurveyResponsesTable {
  id: Generated<number>
  survey_id: number
  user_id: number | null
  answers: string
  text_state: Generated<'none' | 'pending' | 'published' | 'rejected'>
  created_at: string
}

/** A client's POST requests (app/modules/open311): a retry of the same one gets the same answer. */
export interface Open311ClientRequestsTable {
  id: Generated<number>
  api_key_id: number
  request_hash: string
  report_id: number | null
  /** JSON of the answer sent (the request item). */
  answer: string | null
  created_at: string
}

/** A client's update_id and the timeline row it became (app/modules/open311). */
export interface Open311ClientUpdatesTable {
  api_key_id: number
  client_update_id: string
  report_id: number
  report_update_id: number | null
  created_at: string
}

export type DeliveryMethod = 'plaza' | 'email' | 'open311'

/** How a body (a department or an outside body) receives its reports (app/modules/delivery). */
export interface DeliveryMethodsTable {
  department_id: number
  method: ColumnType<DeliveryMethod, DeliveryMethod | undefined, DeliveryMethod>
  enabled: Generated<number>
  email: string | null
  endpoint: string | null
  api_key: string | null
  jurisdiction_id: string | null
  /** JSON object: category code → the body's service_code. */
  service_codes: Generated<string>
  polled_until: string | null
  updated_at: string
}

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed'

/** One report sent outside Plaza, a job with retries (app/modules/delivery). */
export interface ReportDeliveriesTable {
  report_id: number
  department_id: number
  method: DeliveryMethod
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>
  attempts: Generated<number>
  next_attempt_at: string
  claimed_until: string | null
  claim_token: string | null
  last_error: string | null
  external_id: string | null
  reply_token: string | null
  created_at: string
  sent_at: string | null
}

export interface DeliverySeenUpdatesTable {
  department_id: number
  external_update_id: string
  report_id: number
  created_at: string
}

export type Area = Selectable<AreasTable>
export type NewArea = Insertable<AreasTable>
export type User = Selectable<UsersTable>

// ---------------------------------------------------------------- freedom of information (issue 22)

/** A public body requests are sent to (app/modules/foi); department_id links the city's own departments. */
export interface FoiBodiesTable {
  id: Generated<number>
  slug: string
  /** Localized JSON `{"en":…,"es":…,"fr":…}`. */
  name: string
  email: string | null
  area_id: number | null
  category: string | null
  parent_id: number | null
  department_id: number | null
  /** A law of app/modules/foi/laws.ts. */
  law: string
  active: Generated<number>
  created_at: string
  updated_at: string
}

export interface FoiHolidaysTable {
  /** YYYY-MM-DD */
  date: string
  name: string
}

export type FoiStatus = 'awaiting' | 'successful' | 'partially_successful' | 'refused' | 'not_held' | 'internal_review' | 'withdrawn'

export interface FoiRequestsTable {
  id: Generated<number>
  token: string
  user_id: number
  body_id: number
  law: string
  title: string
  status: ColumnType<FoiStatus, FoiStatus | undefined, FoiStatus>
  awaiting_classification: Generated<number>
  sent_at: string
  /** YYYY-MM-DD */
  due_on: string
  long_overdue_on: string
  last_message_at: string
  hidden: Generated<number>
  takedown_note: string | null
  created_at: string
}

export interface FoiMessagesTable {
  id: Generated<number>
  request_id: number
  direction: 'out' | 'in'
  /** request | reminder | internal_review | answer */
  kind: string
  subject: string
  text: string
  redacted_text: string | null
  from_address: string | null
  message_id: string | null
  created_at: string
}

export interface FoiAttachmentsTable {
  id: Generated<number>
  message_id: number
  request_id: number
  filename: string
  mime: string
  size: number
  data: Buffer
  text: string | null
  redacted_text: string | null
  hidden: Generated<number>
  created_at: string
  /** The public copy of a PDF with pages or words redacted (migration 0035); the original stays in data. */
  redacted_data: Buffer | null
  /** JSON: what was redacted in the PDF (app/modules/foi/pdf-redact.server.ts). */
  redaction: string | null
  /**
   * The attachment's file beside the database, by its SHA-256 (migration 0041, ADR 150; SQLite
   * installs): then `data` is empty and the bytes are the file. Null: the bytes are in `data`.
   */
  sha256: Generated<string | null>
}

/** Someone following an information request or a body (migration 0035). */
export interface FoiFollowsTable {
  user_id: number
  target_kind: 'request' | 'body'
  target_id: number
  created_at: string
}

/** The folded words of a request's public text (app/modules/foi/search.ts). */
export interface FoiSearchTermsTable {
  term: string
  request_id: number
}

export interface FoiSuggestionsTable {
  id: Generated<number>
  request_id: number
  user_id: number | null
  status: string
  created_at: string
}

/** Mail the inbound endpoint could not place (unknown or closed address), for an administrator (app/lib/mail/inbound.server.ts). */
export interface InboundHeldMailTable {
  id: Generated<number>
  recipient: string
  from_address: string | null
  subject: string
  text: string
  attachments: Generated<number>
  size: number
  /** unknown | closed */
  reason: string
  received_at: string
  resolved_at: string | null
}
