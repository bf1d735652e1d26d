import { z } from 'zod'
import { citySectionSchema } from '../city/configuration.server'
import { servicesSectionSchema } from '../services/configuration.server'

/**
 * The city's configuration as one versioned JSON document (issue 16 part 8): what a council set up
 * from the admin — geography, identity, legal pages, settings, services and routing — and never personal data
 * (no accounts, staff, census, reports or signatures). `version` changes when the shape does.
 */
export const CONFIGURATION_FORMAT = 'plaza-configuration'
export const CONFIGURATION_VERSION = 1

const localized = z.object({ en: z.string().max(500).optional(), es: z.string().max(500).optional(), fr: z.string().max(500).optional() }).strict()

/** The geography: each level's areas with their code, names, parent's code and exact geometry. */
export const areasSectionSchema = z
  .array(
    z.object({
      depth: z.number().int().min(0).max(9),
      levelName: z.string().max(100).nullable(),
      areas: z
        .array(
          z.object({
            code: z.string().min(1).max(100),
            names: localized,
            parent: z.string().max(100).nullable(),
            geometry: z.object({ type: z.string(), coordinates: z.unknown() }),
          }),
        )
        .max(100_000),
    }),
  )
  .max(10)
export type AreasSection = z.infer<typeof areasSectionSchema>

export const configurationSchema = z.object({
  format: z.literal(CONFIGURATION_FORMAT),
  version: z.literal(CONFIGURATION_VERSION),
  exportedAt: z.string(),
  city: citySectionSchema,
  services: servicesSectionSchema,
  /** Optional: a document without it leaves the geography as it is. */
  areas: areasSectionSchema.optional(),
})
export type ConfigurationDocument = z.infer<typeof configurationSchema>
