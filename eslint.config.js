// ESLint flat config: why each choice, in docs/decisions/113-eslint-and-prettier.md.
// `npm run lint` runs it and Prettier's check; `npm test` runs `npm run lint` first.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import reactHooks from 'eslint-plugin-react-hooks'
import jsxA11y from 'eslint-plugin-jsx-a11y'
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs'
import globals from 'globals'
import plaza from './scripts/eslint-plugin-plaza.js'

export default tseslint.config(
  { ignores: ['build/', 'public/build/', 'public/maplibre*', 'data/', 'backups/', '.cache/', 'test-results/', 'playwright-report/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A leading underscore marks a parameter a signature requires (Express's error handler, a
      // loader that ignores its arguments) or a property left out with a rest pattern.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-useless-assignment': 'error',
      // An interface that only extends is how a module augmentation adds to another library's type
      // (app/lib/context.ts gives Remix's AppLoadContext Plaza's fields).
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      // Plaza strips and refuses control characters on purpose (mail headers, XML, CSV, names): every
      // control character in a regular expression here is meant, which is the case the rule's own
      // documentation says to turn it off for.
      'no-control-regex': 'off',
    },
  },
  // Playwright reads a hook's first parameter to know its fixtures: `async ({}, testInfo)` asks for none.
  { files: ['tests/e2e/**/*.ts'], rules: { 'no-empty-pattern': ['error', { allowObjectPatternsAsParameters: true }] } },
  { files: ['public/widget.js'], languageOptions: { sourceType: 'script', globals: globals.browser } },
  { files: ['**/*.tsx'], ...jsxA11y.flatConfigs.recommended },
  {
    files: ['**/*.tsx'],
    rules: {
      // A region that scrolls (a wide table on a narrow screen) must take keyboard focus (axe's
      // scrollable-region-focusable); the recommended setting allows only tabpanel.
      'jsx-a11y/no-noninteractive-tabindex': ['error', { tags: [], roles: ['tabpanel', 'region'], allowExpressionValues: true }],
    },
  },
  { files: ['**/*.tsx'], ...reactHooks.configs.flat.recommended },
  // Route and component files must not render values from `*.server` modules (empty in the browser).
  { files: ['app/**/*.tsx'], plugins: { plaza }, rules: { 'plaza/no-server-value-in-render': 'error' } },
  // Every disable comment says why on its line: `// eslint-disable-next-line rule -- reason`.
  comments.recommended,
  { rules: { '@eslint-community/eslint-comments/require-description': ['error', { ignore: [] }] } },
)
