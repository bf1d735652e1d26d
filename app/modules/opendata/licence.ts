/**
 * The licence of Plaza's open data (OPEN_DATA_LICENCE, an SPDX identifier). Open data needs a
 * licence people can rely on; the default is Creative Commons Attribution 4.0, as most city
 * portals use.
 */
export const licences = {
  'CC-BY-4.0': { id: 'CC-BY-4.0', title: 'Creative Commons Attribution 4.0 International', url: 'https://creativecommons.org/licenses/by/4.0/' },
  'CC0-1.0': { id: 'CC0-1.0', title: 'Creative Commons Zero v1.0 Universal', url: 'https://creativecommons.org/publicdomain/zero/1.0/' },
  'ODbL-1.0': { id: 'ODbL-1.0', title: 'Open Data Commons Open Database License v1.0', url: 'https://opendatacommons.org/licenses/odbl/1-0/' },
  'OGL-UK-3.0': { id: 'OGL-UK-3.0', title: 'Open Government Licence v3.0', url: 'https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/' },
} as const
export type LicenceId = keyof typeof licences
export const licenceIds = Object.keys(licences) as LicenceId[]
