import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { translatorFor } from '../lib/i18n.server'
import { formatters } from '../lib/format'
import { processNow } from '../modules/processes/clock.server'
import { processImageUrl } from '../modules/processes/images.server'
import { listProcesses } from '../modules/processes/processes.server'
import styles from '../modules/processes/components/processes.css'

// Nothing on this page needs JavaScript: it is sent without React (issue 18, ADR 137).
export const handle = { hydrate: false }

/** /processes — the published participatory processes, each with the phase it is in now. */
export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }]

export async function loader({ request }: LoaderFunctionArgs) {
  const { t, locale } = await translatorFor(request)
  const processes = (await listProcesses(locale, processNow())).map((p) => ({ ...p, image: p.image ? { src: processImageUrl(p.image.id, 'thumb'), alt: p.image.alt } : null }))
  return { title: t('processes:list.title'), processes }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function Processes() {
  const { processes } = useLoaderData<typeof loader>()
  const { t, i18n } = useTranslation('processes')
  const f = formatters(i18n.language)
  return (
    <section className="page">
      <h1>{t('list.title')}</h1>
      <p>{t('list.intro')}</p>
      <p>
        <Link to="/results">{t('list.results')}</Link>
      </p>
      {processes.length === 0 ? (
        <p>{t('list.none')}</p>
      ) : (
        <ul className="project-list" data-testid="processes">
          {processes.map((p) => (
            <li key={p.id}>
              <h2>
                <Link to={`/processes/${p.slug}`}>{p.title}</Link>
              </h2>
              {p.image ? <img className="process-thumb" src={p.image.src} alt={p.image.alt || t('images.processAlt', { title: p.title })} width={160} height={120} /> : null}
              {p.areaName ? <p>{t('list.area', { area: p.areaName })}</p> : null}
              <p>
                {p.current
                  ? t('list.current', { phase: p.current.title, until: f.date.format(new Date(p.current.endsAt)) })
                  : p.next
                    ? t('list.next', { phase: p.next.title, from: f.date.format(new Date(p.next.startsAt)) })
                    : p.finished
                      ? t('list.finished')
                      : t('list.between')}
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
