/**
 * Limits of a voting process's form. Shared by the server and the page that renders the form:
 * a *.server module is empty in the browser, so a page must not read its constants while rendering.
 */
export const TITLE_MIN = 3
export const TITLE_MAX = 200
export const DESCRIPTION_MAX = 20_000
export const LABEL_MAX = 200
/** Blank rows a form starts with, and how many "add more rows" adds. */
export const OPTION_ROWS = 10
export const RULE_ROWS = 5
