import { startPlaza, type RunningPlaza } from './server'
import { startSmtpSink, type SmtpSink } from './smtp'
import { sqlOf } from './sql'

/**
 * The Plaza the Open311 integration tests talk to (open311.test.ts, open311-fixmystreet.test.ts):
 * real SMTP on 127.0.0.1, no write rate limit, the pothole service with a required "depth"
 * attribute (a single-value list), and a point inside Sant Roc read from the report form.
 */
export interface Open311Plaza {
  plaza: RunningPlaza
  smtp: SmtpSink
  /** A point inside Sant Roc, as the Open311 `lat` and `long` parameters. */
  point: { lat: string; long: string }
  stop(): Promise<void>
}

export const POTHOLE_ATTRIBUTES = [
  {
    code: 'depth',
    datatype: 'singlevaluelist',
    required: true,
    description: 'How deep is the pothole?',
    values: [
      { key: 'shallow', name: 'Shallow' },
      { key: 'deep', name: 'Deep' },
    ],
  },
]

export async function startOpen311Plaza(): Promise<Open311Plaza> {
  const smtp = await startSmtpSink()
  const plaza = await startPlaza({ MAIL_URL: smtp.url, DEV_MAIL: 'false', RATE_LIMIT_WRITE: 'off' })
  // The service definitions live in settings (seeded by the demo seed once it calls seedOpen311Attributes).
  const sql = sqlOf(plaza)
  await sql.run(
    `insert into settings (key, value, updated_at) values ('open311.attributes', ?, ?) on conflict (key) do nothing`,
    JSON.stringify({ pothole: POTHOLE_ATTRIBUTES }),
    new Date().toISOString(),
  )
  await sql.close()
  const html = await (await fetch(`${plaza.url}/reports/new?area=sant-roc&category=pothole`)).text()
  const point = { lat: /name="lat" value="([^"]+)"/.exec(html)![1]!, long: /name="lng" value="([^"]+)"/.exec(html)![1]! }
  return {
    plaza,
    smtp,
    point,
    async stop() {
      await plaza.stop()
      await smtp.stop()
    },
  }
}
