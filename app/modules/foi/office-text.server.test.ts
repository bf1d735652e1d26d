import { strToU8, zipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { officeKind, officeText } from './office-text.server'

// Office files are ZIP archives of XML parts (ECMA-376, OpenDocument 1.3): made here with fflate.
const zip = (parts: Record<string, string>) => Buffer.from(zipSync(Object.fromEntries(Object.entries(parts).map(([name, xml]) => [name, strToU8(xml)]))))
const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

describe('office text', () => {
  it('knows the formats by type or by extension', () => {
    expect(officeKind('application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'x')).toBe('docx')
    expect(officeKind('application/octet-stream', 'Budget.XLSX')).toBe('xlsx')
    expect(officeKind('application/octet-stream', 'minutes.odt')).toBe('odf')
    expect(officeKind('application/pdf', 'a.pdf')).toBeNull()
  })

  it('reads a Word document paragraph by paragraph', () => {
    const docx = zip({
      '[Content_Types].xml': '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
      'word/document.xml': `<?xml version="1.0"?><w:document ${W}><w:body><w:p><w:r><w:t>Tree felling</w:t></w:r><w:r><w:t xml:space="preserve"> plan 2026</w:t></w:r></w:p><w:p><w:r><w:t>Populus</w:t><w:tab/><w:t>nigra &amp; alba</w:t></w:r></w:p></w:body></w:document>`,
    })
    expect(officeText(docx, 'docx')).toBe('Tree felling plan 2026\nPopulus\tnigra & alba')
  })

  it('reads a spreadsheet row by row, with shared and inline strings', () => {
    const xlsx = zip({
      'xl/sharedStrings.xml': '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>District</t></si><si><t>Leaks</t></si><si><r><t>Old </t></r><r><t>town</t></r></si></sst>',
      'xl/worksheets/sheet1.xml':
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>87</v></c><c r="C2" t="inlineStr"><is><t>repaired</t></is></c></row></sheetData></worksheet>',
    })
    expect(officeText(xlsx, 'xlsx')).toBe('District\tLeaks\nOld town\t87\trepaired')
  })

  it('reads an OpenDocument text with its spaces and headings', () => {
    const odt = zip({
      mimetype: 'application/vnd.oasis.opendocument.text',
      'content.xml':
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text><text:h>Minutes</text:h><text:p>Water<text:s text:c="2"/>quality <text:span>report</text:span></text:p></office:text></office:body></office:document-content>',
    })
    expect(officeText(odt, 'odf')).toBe('Minutes\nWater  quality report')
  })

  it('gives null for a file that is not an office archive', () => {
    expect(officeText(Buffer.from('not a zip at all'), 'docx')).toBeNull()
    expect(officeText(zip({ 'other.xml': '<a/>' }), 'docx')).toBeNull()
  })
})
