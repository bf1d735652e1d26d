import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { supportedLocales } from './i18n'
import { catalogs } from './i18n-catalogs'

/**
 * Fails when a catalog misses a key another has, when code asks for a key no catalog has, or when
 * a component shows a person text that does not go through t().
 */

const PLURAL = /_(zero|one|two|few|many|other)$/

function flatten(object: object, prefix = ''): string[] {
  return Object.entries(object).flatMap(([key, value]) => (typeof value === 'object' && value !== null ? flatten(value as object, `${prefix}${key}.`) : [`${prefix}${key}`]))
}

// Keys as "namespace:key", plural suffixes folded.
const keysOf = (locale: (typeof supportedLocales)[number]) =>
  new Set(Object.entries(catalogs[locale]).flatMap(([ns, catalog]) => flatten(catalog as object).map((k) => `${ns}:${k.replace(PLURAL, '')}`)))
const namespaces = Object.keys(catalogs.en)
/** A key as code writes it ("key" in some namespace, or "ns:key"). */
const known = (keys: Set<string>, key: string) => (key.includes(':') ? keys.has(key) : namespaces.some((ns) => keys.has(`${ns}:${key}`)))

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) sourceFiles(full, out)
    else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full)
  }
  return out
}

const appDir = path.resolve(import.meta.dirname, '..')
const files = sourceFiles(appDir).map((file) => ({
  file: path.relative(appDir, file),
  source: ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS),
}))

// Attributes whose value a person reads or hears.
const HUMAN_ATTRIBUTES = new Set(['alt', 'title', 'aria-label', 'placeholder', 'aria-description', 'label'])
// Text that needs no translation: punctuation, numbers, symbols, and our own brand.
const NEUTRAL = /^[\s\d.,:;·•|/()[\]{}+\-–—×%#&*!?'"’…]*$/

describe('i18n catalogs', () => {
  it.each(supportedLocales.filter((l) => l !== 'en'))('%s has exactly the keys of en', (locale) => {
    const en = keysOf('en')
    const other = keysOf(locale)
    expect(
      [...en].filter((k) => !other.has(k)),
      `missing from ${locale}`,
    ).toEqual([])
    expect(
      [...other].filter((k) => !en.has(k)),
      `in ${locale} but not in en`,
    ).toEqual([])
  })

  it('has no empty translations', () => {
    for (const locale of supportedLocales) {
      for (const [ns, catalog] of Object.entries(catalogs[locale])) {
        const empty = flatten(catalog as object).filter((k) => {
          const value = k.split('.').reduce<unknown>((o, part) => (o as Record<string, unknown>)[part], catalog)
          return typeof value !== 'string' || value.trim() === ''
        })
        expect(empty, `${locale}/${ns}`).toEqual([])
      }
    }
  })

  it('has the same namespaces in every language', () => {
    for (const locale of supportedLocales) expect(Object.keys(catalogs[locale]).sort()).toEqual([...namespaces].sort())
  })

  it('has every key the code asks for', () => {
    const en = keysOf('en')
    const missing: string[] = []
    for (const { file, source } of files) {
      const visit = (node: ts.Node) => {
        if (
          ts.isCallExpression(node) &&
          ((ts.isIdentifier(node.expression) && node.expression.text === 't') || (ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 't'))
        ) {
          const first = node.arguments[0]
          if (first && ts.isStringLiteralLike(first) && !known(en, first.text)) missing.push(`${file}: ${first.text}`)
        }
        if (ts.isPropertyAssignment(node) && node.name.getText() === 'labelKey' && ts.isStringLiteralLike(node.initializer)) {
          if (!known(en, node.initializer.text)) missing.push(`${file}: ${node.initializer.text}`)
        }
        ts.forEachChild(node, visit)
      }
      visit(source)
    }
    expect(missing).toEqual([])
  })

  it('finds no untranslated text in the user interface', () => {
    const untranslated: string[] = []
    for (const { file, source } of files) {
      if (!file.endsWith('.tsx')) continue
      const visit = (node: ts.Node) => {
        if (ts.isJsxText(node)) {
          const text = node.text.trim()
          if (text && !NEUTRAL.test(text)) untranslated.push(`${file}: "${text}"`)
        }
        if (ts.isJsxAttribute(node) && HUMAN_ATTRIBUTES.has(node.name.getText()) && node.initializer && ts.isStringLiteral(node.initializer)) {
          const text = node.initializer.text.trim()
          if (text && !NEUTRAL.test(text)) untranslated.push(`${file}: ${node.name.getText()}="${text}"`)
        }
        ts.forEachChild(node, visit)
      }
      visit(source)
    }
    expect(untranslated).toEqual([])
  })

  it('would catch a hard-coded sentence (the checker itself works)', () => {
    const probe = ts.createSourceFile('probe.tsx', 'const x = <p title="Close">Hello there</p>', ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX)
    const found: string[] = []
    const visit = (node: ts.Node) => {
      if (ts.isJsxText(node) && node.text.trim() && !NEUTRAL.test(node.text.trim())) found.push(node.text.trim())
      if (ts.isJsxAttribute(node) && HUMAN_ATTRIBUTES.has(node.name.getText())) found.push(node.name.getText())
      ts.forEachChild(node, visit)
    }
    visit(probe)
    expect(found).toEqual(['title', 'Hello there'])
  })
})
