import { z } from 'zod'
import { citySectionSchema } from '../city/configuration.server'
import { servicesSectionSchema } from '../services/configuration.server'

/**
 * The city's configuration as one versioned JSON document (issue 16 part 8): what a council set up
 * from the admin — identity, legal pages, settings, services and routing — and never personal data
 * (no accounts, staff, census, reports or signatures). `version` changes when the shape does.
 */
export const CONFIGURATION_FORMAT = 'plaza-configuration'
export const CONFIGURATION_VERSION = 1

export const configurationSchema = z.object({
  format: z.literal(CONFIGURATION_FORMAT),
  version: z.literal(CONFIGURATION_VERSION),
  exportedAt: z.string(),
  city: citySectionSchema,
  services: servicesSectionSchema,
})
export type ConfigurationDocument = z.infer<typeof configurationSchema>
