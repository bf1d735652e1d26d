import { stringify, type Options } from 'csv-stringify/sync'

/**
 * The one CSV writer (RFC 4180, by csv-stringify) for every CSV Plaza produces: open data, the
 * council's report export, the published ballot list, templates. ADR 115.
 *
 * The files are opened in spreadsheets by people and their texts come from the public, so a text
 * cell a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return, or
 * their full-width forms) gets a leading apostrophe (OWASP "CSV injection", csv-stringify's
 * escape_formulas). Numbers stay numbers: a negative longitude is data, not a formula.
 */

export type CsvValue = string | number | boolean | null | undefined

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8; header=present'

/** A UTF-8 byte-order mark: spreadsheets then read accented names right. */
export const CSV_BOM = '\ufeff'

const options = (newline: '\r\n' | '\n'): Options => ({
  escape_formulas: true,
  record_delimiter: newline === '\n' ? 'unix' : 'windows',
  // Set explicitly: with a record_delimiter given, csv-stringify would otherwise leave a lone LF or
  // CR inside a text unquoted, and the cell would break into two rows.
  quote_record_delimiter: true,
  cast: {
    boolean: (value) => (value ? 'true' : 'false'),
    // NaN and Infinity are not data a spreadsheet can read: an empty cell.
    number: (value) => (Number.isFinite(value) ? String(value) : ''),
  },
})
const CRLF = options('\r\n')
const LF = options('\n')

/**
 * Rows as CSV text, each ending with the line break (CRLF unless the file's published format
 * says LF). Empty input gives ''.
 */
export function csvRows(rows: ReadonlyArray<readonly CsvValue[]>, newline: '\r\n' | '\n' = '\r\n'): string {
  if (rows.length === 0) return ''
  return stringify(rows as CsvValue[][], newline === '\n' ? LF : CRLF)
}

export const csvRow = (values: readonly CsvValue[], newline: '\r\n' | '\n' = '\r\n') => csvRows([values], newline)

/** One cell as it appears in the file (quoted when needed, formulas neutralised). */
export const csvCell = (value: CsvValue): string => csvRow([value]).slice(0, -2)

/** The header line of a file, after the byte-order mark (`bom: false` for files read by programs). */
export const csvHeader = (names: readonly string[], { bom = true, newline = '\r\n' as '\r\n' | '\n' } = {}) => `${bom ? CSV_BOM : ''}${csvRow(names, newline)}`
