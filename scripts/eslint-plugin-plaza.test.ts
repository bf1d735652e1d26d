import { describe, it } from 'vitest'
import { RuleTester } from 'eslint'
import tseslint from 'typescript-eslint'
import plaza from './eslint-plugin-plaza.js'

RuleTester.describe = describe
RuleTester.it = it
RuleTester.itOnly = it.only

const tester = new RuleTester({
  languageOptions: { parser: tseslint.parser, parserOptions: { ecmaFeatures: { jsx: true } } },
})
const rule = plaza.rules['no-server-value-in-render']
const route = 'app/routes/reports.new.tsx'
// RuleTester fills the message with `data` and compares it with the rule's message.
const error = (name: string, source: string, where: string) => ({ messageId: 'serverValue', data: { name, source, where } })

tester.run('plaza/no-server-value-in-render', rule, {
  valid: [
    // The fix of commit 0d20e81: the constant comes from a module the browser has.
    { filename: route, code: `import { MAX_PHOTOS } from '../modules/reports/schema'\nexport default function Page() { return <input data-max={MAX_PHOTOS} /> }` },
    // loader and action run on the server only.
    {
      filename: route,
      code: `import { MAX_PHOTOS, readForm } from '../modules/reports/photos.server'\nexport async function loader() { return { max: MAX_PHOTOS } }\nexport async function action({ request }) { return readForm(request, MAX_PHOTOS) }\nexport default function Page() { return <p /> }`,
    },
    // Types vanish at run time, whichever way they are imported or read.
    { filename: route, code: `import type { Photo } from '../modules/reports/photos.server'\nexport default function Page(p: { photo: Photo }) { return <p>{p.photo.name}</p> }` },
    { filename: route, code: `import { type Photo } from '../modules/reports/photos.server'\nexport default function Page(p: { photo: Photo }) { return <p>{p.photo.name}</p> }` },
    {
      filename: route,
      code: `import { testRoute } from '../modules/services/services.server'\nexport default function Page() { const r = {} as Awaited<ReturnType<typeof testRoute>>; return <p>{String(r)}</p> }`,
    },
    // A lower-case helper is not render code by itself (a known limit, documented in the plugin).
    { filename: route, code: `import { MAX } from './limits.server'\nconst helper = () => MAX\nexport default function Page() { return <p /> }` },
    // A .server file never reaches the browser.
    { filename: 'app/entry.server.tsx', code: `import { logger } from './lib/logger.server'\nexport default function handleRequest() { logger.info('x'); return <p /> }` },
  ],
  invalid: [
    // The bug of commit 0d20e81.
    {
      filename: route,
      code: `import { MAX_PHOTOS } from '../modules/reports/photos.server'\nexport default function Page() { return <input data-max={MAX_PHOTOS} /> }`,
      errors: [error('MAX_PHOTOS', '../modules/reports/photos.server', 'the page component (default export)')],
    },
    // Read in the component's body, not only inside JSX; a renamed import; a `~/` path with extension.
    {
      filename: route,
      code: `import { MAX_PHOTOS as max } from '~/modules/reports/photos.server.ts'\nexport default function Page() { const rows = Array.from({ length: max }); return <p>{rows.length}</p> }`,
      errors: [error('max', '~/modules/reports/photos.server.ts', 'the page component (default export)')],
    },
    // A component exported by name, a component as a constant, a hook.
    {
      filename: 'app/components/Form.tsx',
      code: `import { LIMIT } from '../lib/limits.server'\nexport function PhotoField() { return <p>{LIMIT}</p> }`,
      errors: [error('LIMIT', '../lib/limits.server', 'the component PhotoField')],
    },
    {
      filename: 'app/components/Form.tsx',
      code: `import { LIMIT } from '../lib/limits.server'\nexport const PhotoField = () => <p>{LIMIT}</p>`,
      errors: [error('LIMIT', '../lib/limits.server', 'the component PhotoField')],
    },
    {
      filename: 'app/components/Form.tsx',
      code: `import { LIMIT } from '../lib/limits.server'\nexport function useLimit() { return LIMIT }`,
      errors: [error('LIMIT', '../lib/limits.server', 'the hook useLimit')],
    },
    // `export default Page` declared elsewhere; meta runs in the browser too; JSX in any function.
    {
      filename: route,
      code: `import { ROWS } from './rows.server'\nfunction page() { return <p>{ROWS}</p> }\nexport default page`,
      errors: [error('ROWS', './rows.server', 'the page component page')],
    },
    {
      filename: route,
      code: `import { TITLE } from './titles.server'\nexport const meta = () => [{ title: TITLE }]`,
      errors: [error('TITLE', './titles.server', 'the route export meta (it runs in the browser too)')],
    },
    { filename: route, code: `import { TITLE } from './titles.server'\nconst heading = () => <h1>{TITLE}</h1>`, errors: [error('TITLE', './titles.server', 'JSX')] },
    // A namespace import and a default import are values too.
    {
      filename: route,
      code: `import * as photos from './photos.server'\nimport limits from './limits.server'\nexport default function Page() { return <p>{photos.MAX}{limits.MAX}</p> }`,
      errors: [error('photos', './photos.server', 'the page component (default export)'), error('limits', './limits.server', 'the page component (default export)')],
    },
  ],
})
