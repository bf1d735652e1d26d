/**
 * `npm run setup -- --admin EMAIL --city NAME [--name "Full Name"] [--languages en,es,fr]
 *   [--default-language en] [--password-stdin]`
 *
 * The first run from a script (what /setup does with the link from the log): creates the first
 * administrator, the city's name, its languages and default language. With --password-stdin the
 * password is read from standard input and the account is made at once; without it, the
 * administrator is invited and the invitation link is printed (valid 7 days).
 * Refuses (exit 1) once an administrator exists.
 */
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig } from '../app/lib/config.server'
import { database, migrateOrThrow } from '../app/lib/db.server'
import { completeSetup, setupWithInvitation } from '../app/modules/city/setup.server'
import { normaliseLanguages } from '../app/modules/city/policy'
import { setupSchema } from '../app/modules/city/schema'

const usage = 'Usage: npm run setup -- --admin EMAIL --city NAME [--name "Full Name"] [--languages en,es,fr] [--default-language en] [--password-stdin]'

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

try {
  const config = loadConfig()
  const { values } = parseArgs({
    options: {
      admin: { type: 'string' },
      city: { type: 'string' },
      name: { type: 'string' },
      languages: { type: 'string' },
      'default-language': { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
    },
  })
  if (!values.admin || !values.city) {
    console.error(usage)
    process.exit(2)
  }
  const languageList = (values.languages ?? 'en,es,fr').split(',').map((l) => l.trim())
  const languages = normaliseLanguages(languageList, values['default-language'] ?? (languageList.includes(config.DEFAULT_LOCALE) ? config.DEFAULT_LOCALE : languageList[0]!))
  if (!languages) {
    console.error('--languages must list some of en, es, fr, and --default-language must be one of them')
    process.exit(2)
  }
  const displayName = values.name ?? values.admin.split('@')[0]!
  const password = values['password-stdin'] ? await readStdin() : 'unused-placeholder'
  const parsed = setupSchema.safeParse({ email: values.admin, displayName, password, cityName: values.city, defaultLocale: languages.defaultLocale })
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const field = { email: '--admin', cityName: '--city', displayName: '--name', password: 'the password' }[String(issue.path[0])] ?? String(issue.path[0])
    console.error(
      `${field}: ${issue.message
        .replace(/^[a-z]+:errors\./, '')
        .replace(/([A-Z])/g, ' $1')
        .toLowerCase()}`,
    )
    process.exit(2)
  }
  await migrateOrThrow(database())
  const input = {
    email: parsed.data.email,
    displayName: parsed.data.displayName,
    cityName: parsed.data.cityName,
    languages: languages.languages,
    defaultLocale: languages.defaultLocale,
  }
  if (values['password-stdin']) {
    const result = await completeSetup(null, { ...input, password })
    if (result.kind === 'ok') console.log(`Plaza is set up for ${input.cityName}. Log in at ${config.PUBLIC_URL}/login as ${input.email}.`)
    else if (result.kind === 'weakPassword')
      console.error(`The password is too ${result.problem === 'tooShort' ? 'short (at least 10 characters)' : result.problem === 'tooLong' ? 'long' : 'common: choose another'}.`)
    else if (result.kind === 'emailTaken') console.error(`${input.email} already has an account.`)
    else console.error('Plaza is already set up: an administrator exists. Use /admin to change the settings.')
    await database().close()
    process.exit(result.kind === 'ok' ? 0 : 1)
  } else {
    const result = await setupWithInvitation(input)
    if (result.kind === 'ok') {
      console.log(`Plaza is set up for ${input.cityName}. The administrator finishes by opening this link (valid 7 days) to choose a password:`)
      console.log(result.url)
    } else if (result.kind === 'accountExists') console.error(`${input.email} already has an account.`)
    else console.error('Plaza is already set up: an administrator exists. Use /admin to change the settings.')
    await database().close()
    process.exit(result.kind === 'ok' ? 0 : 1)
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : (error as Error).message)
  process.exit(1)
}
