/**
 * Plaza's own ESLint rules (local plugin, loaded by eslint.config.js).
 *
 * plaza/no-server-value-in-render: render code must not read a value imported from a `*.server`
 * module. The Remix compiler empties those modules in the browser bundle, so the value is there when
 * the server renders and `undefined` when the browser hydrates: the markup differs, React throws
 * hydration error #418 and renders the page again, dropping what the person had chosen (commit
 * 0d20e81: MAX_PHOTOS from photos.server in the report form). Put such constants in a module without
 * `.server` (schema.ts, limits.ts) and import them from there.
 *
 * Render code is: the default export (a route's page), any top-level function or constant whose name
 * starts with a capital (a component) or with `use` (a hook), the route exports that also run in the
 * browser (meta, links, handle, shouldRevalidate, clientLoader, clientAction), and any JSX. `loader`,
 * `action`, `headers` and other helpers may use server values freely. Type-only imports are ignored.
 * Not seen: a value reached through a lower-case helper that a component calls.
 */

const SERVER_MODULE = /\.server(\.[cm]?[jt]sx?)?$/
const BROWSER_ROUTE_EXPORTS = new Set(['meta', 'links', 'handle', 'shouldRevalidate', 'clientLoader', 'clientAction'])

/** @type {import('eslint').Rule.RuleModule} */
const noServerValueInRender = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid render code from reading values imported from a *.server module (they are undefined in the browser).' },
    schema: [],
    messages: {
      serverValue:
        "'{{name}}' comes from '{{source}}', which is empty in the browser, and {{where}} reads it: the page would hydrate differently from what the server sent. Move the value to a module without .server (e.g. schema.ts) or pass it through the loader.",
    },
  },
  create(context) {
    // A `.server` file never reaches the browser (entry.server.tsx, e-mails rendered on the server).
    if (/\.server\.[cm]?[jt]sx?$/.test(context.filename)) return {}
    const sourceCode = context.sourceCode
    /** @type {Array<{ variable: import('eslint').Scope.Variable, source: string }>} */
    const serverValues = []
    const defaultExported = new Set()

    /** Where `node` sits: the top-level statement and the outermost named declaration around it. */
    function placeOf(node) {
      let inJsx = false
      let declared = null
      let n = node
      while (n.parent && n.parent.type !== 'Program') {
        // `typeof x` in a type reads no value at run time.
        if (n.type === 'TSTypeQuery') return null
        if (n.type.startsWith('JSX')) inJsx = true
        if ((n.type === 'VariableDeclarator' || n.type === 'FunctionDeclaration' || n.type === 'ClassDeclaration') && n.id?.type === 'Identifier') declared = n.id.name
        n = n.parent
      }
      if ((n.type === 'FunctionDeclaration' || n.type === 'ClassDeclaration') && n.id) declared = n.id.name
      return { statement: n, name: declared, inJsx }
    }

    function renderPlace(node) {
      const place = placeOf(node)
      if (!place) return null
      const { statement, name, inJsx } = place
      if (statement.type === 'ExportDefaultDeclaration') return 'the page component (default export)'
      if (name && defaultExported.has(name)) return `the page component ${name}`
      if (name && /^[A-Z]/.test(name)) return `the component ${name}`
      if (name && /^use[A-Z0-9]/.test(name)) return `the hook ${name}`
      if (name && statement.type === 'ExportNamedDeclaration' && BROWSER_ROUTE_EXPORTS.has(name)) return `the route export ${name} (it runs in the browser too)`
      if (inJsx) return 'JSX'
      return null
    }

    return {
      ImportDeclaration(node) {
        if (node.importKind === 'type' || typeof node.source.value !== 'string' || !SERVER_MODULE.test(node.source.value)) return
        for (const specifier of node.specifiers) {
          if (specifier.importKind === 'type') continue
          for (const variable of sourceCode.getDeclaredVariables(specifier)) serverValues.push({ variable, source: node.source.value })
        }
      },
      ExportDefaultDeclaration(node) {
        if (node.declaration.type === 'Identifier') defaultExported.add(node.declaration.name)
      },
      ExportSpecifier(node) {
        const exported = node.exported.type === 'Identifier' ? node.exported.name : node.exported.value
        if (exported === 'default' && node.local.type === 'Identifier' && !node.parent.source) defaultExported.add(node.local.name)
      },
      'Program:exit'() {
        for (const { variable, source } of serverValues) {
          for (const reference of variable.references) {
            // typescript-eslint's scope manager marks references in type positions (typeof X in a type).
            if (reference.isValueReference === false) continue
            const where = renderPlace(reference.identifier)
            if (where) context.report({ node: reference.identifier, messageId: 'serverValue', data: { name: variable.name, source, where } })
          }
        }
      },
    }
  },
}

export default {
  meta: { name: 'eslint-plugin-plaza' },
  rules: { 'no-server-value-in-render': noServerValueInRender },
}
