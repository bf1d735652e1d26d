import type { Database } from '../../db/schema'

/**
 * Who alone writes each table (ADR 114). An owner is a path under app/: a module folder
 * ('modules/voting') or one infrastructure file of app/lib ('lib/settings.server.ts'). Every other
 * file reads the table at most, and calls the owner's exported functions to change it.
 * app/architecture/ownership.test.ts reads the code and fails on a write by anyone else.
 *
 * Typed against db/schema.ts: a new table without an owner does not compile. Where a table was
 * created by another capability's migration, the owner is who writes it now (api_keys: created by
 * 0008_reports, owned by Open311).
 */
export const tableOwners = {
  // geography: areas, the import, the one map index
  areas: 'modules/geo',
  area_slug_redirects: 'modules/geo',
  area_imports: 'modules/geo',
  map_kinds: 'modules/geo',
  map_items: 'modules/geo',
  map_item_areas: 'modules/geo',
  map_area_counts: 'modules/geo',
  map_cells: 'modules/geo',
  // infrastructure
  settings: 'lib/settings.server.ts',
  rate_limits: 'lib/rate-limit.server.ts',
  job_runs: 'lib/jobs.server.ts',
  outbox: 'lib/mail',
  // accounts
  users: 'modules/accounts',
  user_roles: 'modules/accounts',
  sessions: 'modules/accounts',
  email_tokens: 'modules/accounts',
  census_records: 'modules/accounts',
  census_imports: 'modules/accounts',
  // deliberation and moderation
  comments: 'modules/deliberation',
  comment_votes: 'modules/deliberation',
  flags: 'modules/moderation',
  moderation_queue: 'modules/moderation',
  user_blocks: 'modules/moderation',
  audit_log: 'modules/moderation',
  // the city's services: departments, categories and their questions, routing rules
  departments: 'modules/services',
  report_categories: 'modules/services',
  category_questions: 'modules/services',
  category_routes: 'modules/services',
  petition_categories: 'modules/services',
  proposal_categories: 'modules/services',
  // reports
  report_states: 'modules/reports',
  reports: 'modules/reports',
  report_state_counts: 'modules/reports',
  report_updates: 'modules/reports',
  report_supports: 'modules/reports',
  report_photos: 'modules/reports',
  report_photo_variants: 'modules/reports',
  response_templates: 'modules/reports',
  report_alerts: 'modules/reports',
  report_questionnaires: 'modules/reports',
  api_keys: 'modules/open311',
  // proposals and voting
  proposals: 'modules/proposals',
  proposal_tags: 'modules/proposals',
  proposal_supports: 'modules/proposals',
  proposal_images: 'modules/proposals',
  proposal_image_variants: 'modules/proposals',
  voting_processes: 'modules/voting',
  ballots: 'modules/voting',
  tallies: 'modules/voting',
  delegations: 'modules/voting',
  delegation_weights: 'modules/voting',
  // letters to representatives
  representative_levels: 'modules/letters',
  representatives: 'modules/letters',
  letters: 'modules/letters',
  letter_deliveries: 'modules/letters',
  mail_bounces: 'modules/letters',
  // petitions
  petitions: 'modules/petitions',
  petition_invalidations: 'modules/petitions',
  petition_signatures: 'modules/petitions',
  petition_area_counts: 'modules/petitions',
  petition_hourly_counts: 'modules/petitions',
  petition_mailings: 'modules/petitions',
  // following and notifications, embedding
  subscriptions: 'modules/notifications',
  notifications: 'modules/notifications',
  embed_sites: 'modules/embed',
  // the city's own setup and its configuration file
  city_settings: 'modules/city',
  site_identity: 'modules/city',
  site_assets: 'modules/city',
  site_pages: 'modules/city',
  setup_tokens: 'modules/city',
  staff_invitations: 'modules/city',
  configuration_imports: 'modules/configuration',
  // Open311 as a client of a body's back office (issue 19)
  open311_client_requests: 'modules/open311',
  open311_client_updates: 'modules/open311',
  // delivery of reports to the bodies that act on them (issue 19)
  delivery_methods: 'modules/delivery',
  report_deliveries: 'modules/delivery',
  delivery_seen_updates: 'modules/delivery',
  // the city's own base map and address index (issue 17)
  basemap_imports: 'modules/basemap',
  basemap_streets: 'modules/basemap',
  basemap_addresses: 'modules/basemap',
  basemap_tiles: 'modules/basemap',
  // participatory processes, the budget cycle, accountability and surveys (issue 21)
  participatory_processes: 'modules/processes',
  process_phases: 'modules/processes',
  process_follows: 'modules/processes',
  process_projects: 'modules/processes',
  process_project_supports: 'modules/processes',
  process_images: 'modules/processes',
  process_image_variants: 'modules/processes',
  results: 'modules/processes',
  result_milestones: 'modules/processes',
  result_changes: 'modules/processes',
  process_surveys: 'modules/processes',
  survey_responses: 'modules/processes',
  // freedom-of-information requests (issue 22)
  foi_bodies: 'modules/foi',
  foi_holidays: 'modules/foi',
  foi_requests: 'modules/foi',
  foi_messages: 'modules/foi',
  foi_attachments: 'modules/foi',
  foi_suggestions: 'modules/foi',
  foi_search_terms: 'modules/foi',
  foi_follows: 'modules/foi',
  // the shared inbound mail endpoint's holding pen (issue 22)
  inbound_held_mail: 'lib/mail',
} as const satisfies Record<keyof Database, string>

/**
 * Tables of scratch files that are not the application database (no db/schema.ts entry): the base
 * map import's spool (a temporary SQLite file of its own, deleted when the import ends; ADR 139).
 */
export const scratchTableOwners: Record<string, string> = {
  spool_chunks: 'modules/basemap',
  spool_addresses: 'modules/basemap',
}

/** The owner of a table, or undefined for a name that is no table of db/schema.ts nor a scratch table. */
export const ownerOf = (table: string): string | undefined => (tableOwners as Record<string, string>)[table] ?? scratchTableOwners[table]
