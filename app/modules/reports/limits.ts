/**
 * Limits of the reports capability that pages read in the browser as well as on the server. No zod
 * here: a page component that imports schema.ts would send zod (~90 KB compressed) to every phone.
 */

/** Photos on one report. Shared with the pages that render the photo field (server and browser). */
export const MAX_PHOTOS = 3
/** A questionnaire answer's comment. */
export const COMMENT_MAX = 2000

export const CATEGORY_CODE = /^[a-z0-9][a-z0-9._-]{0,63}$/
