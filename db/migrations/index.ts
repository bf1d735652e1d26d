import type { Migration } from 'kysely'
import * as m0001 from './0001_foundation'
import * as m0002 from './0002_accounts'
import * as m0003 from './0003_geo'
import * as m0004 from './0004_outbox'
import * as m0005 from './0005_deliberation'
import * as m0006 from './0006_moderation'
import * as m0007 from './0007_reports_routing'
import * as m0008 from './0008_reports'
import * as m0009 from './0009_report_alert_indexes'
import * as m0010 from './0010_proposals_voting'
import * as m0011 from './0011_council_indexes'
import * as m0012 from './0012_report_counts'
import * as m0013 from './0013_proposal_indexes'
import * as m0014 from './0014_letters'
import * as m0015 from './0015_petitions'
import * as m0017 from './0017_petitions_lifecycle'
import * as m0020 from './0020_follow_embed'
import * as m0021 from './0021_area_import'
import * as m0022 from './0022_services'
import * as m0023 from './0023_city'
import * as m0024 from './0024_configuration'
import * as m0025 from './0025_basemap'
import * as m0026 from './0026_basemap_address_rtree'
import * as m0027 from './0027_delivery'
import * as m0028 from './0028_processes'
import * as m0029 from './0029_foi'
import * as m0030 from './0030_alert_updates'
import * as m0032 from './0032_job_runs'
import * as m0035 from './0035_foi_follow_redaction'
import * as m0036 from './0036_outbox_attachments'
import * as m0037 from './0037_process_images'
import * as m0038 from './0038_process_image_alt'
import * as m0041 from './0041_foi_attachment_files'
import * as m0044 from './0044_foi_attachment_sha256_index'

/**
 * Every migration, in order. Listed here (not discovered from the file system) so that the
 * same code runs under tsx, vitest and inside the compiled server bundle.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_accounts': m0002,
  '0003_geo': m0003,
  '0004_outbox': m0004,
  '0005_deliberation': m0005,
  '0006_moderation': m0006,
  '0007_reports_routing': m0007,
  '0008_reports': m0008,
  '0009_report_alert_indexes': m0009,
  '0010_proposals_voting': m0010,
  '0011_council_indexes': m0011,
  '0012_report_counts': m0012,
  '0013_proposal_indexes': m0013,
  '0014_letters': m0014,
  '0015_petitions': m0015,
  '0017_petitions_lifecycle': m0017,
  '0020_follow_embed': m0020,
  '0021_area_import': m0021,
  '0022_services': m0022,
  '0023_city': m0023,
  '0024_configuration': m0024,
  '0025_basemap': m0025,
  '0026_basemap_address_rtree': m0026,
  '0027_delivery': m0027,
  '0028_processes': m0028,
  '0029_foi': m0029,
  '0030_alert_updates': m0030,
  '0032_job_runs': m0032,
  '0035_foi_follow_redaction': m0035,
  '0036_outbox_attachments': m0036,
  '0037_process_images': m0037,
  '0038_process_image_alt': m0038,
  '0041_foi_attachment_files': m0041,
  '0044_foi_attachment_sha256_index': m0044,
}
