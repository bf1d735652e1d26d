import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import chartStyles from '../components/charts/charts.css'
import votesStyles from '../modules/voting/components/votes.css'
import { getUser } from '../modules/accounts/auth.server'
import { FollowForm } from '../components/FollowForm'
import { translatorFor } from '../lib/i18n.server'
import { readForm } from '../lib/forms.server'
import { formatters } from '../lib/format'
import { FormMessage } from '../components/forms'
import { castBallot, checkReceipt, processSpec, type CastRefusal } from '../modules/voting/voting.server'
import { votePageView } from '../modules/voting/vote-page.server'
import { castLocation, moneyFormatter, parseBallotForm, type BallotError, type BallotFormValues } from '../modules/voting/components/ballot-form'
import { refusalField, refusalMessage } from '../modules/voting/components/messages'
import { ProcessFacts, ReceiptCheck, ResultsSection, YourVote } from '../modules/voting/components/vote-page/VotePage'

/**
 * /votes/:id — a voting process: its description, the weight policy in plain words, dates and
 * time left, the viewer's eligibility and weight, the ballot form of its method (no JavaScript
 * needed), the receipt once cast; after the close the receipt check and the published ballot
 * list; once published, the results with their method's details.
 */

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: chartStyles },
  { rel: 'stylesheet', href: votesStyles },
]

const processId = (params: { id?: string }) => {
  const id = Number(params.id)
  if (!/^\d{1,12}$/.test(params.id ?? '') || !Number.isSafeInteger(id) || id <= 0) throw new Response('Not Found', { status: 404 })
  return id
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const id = processId(params)
  const [user, { t, locale }] = await Promise.all([getUser(request), translatorFor(request)])
  const view = await votePageView(id, user, t, locale)
  if (!view) throw new Response('Not Found', { status: 404 })
  return view
}

// Anonymous readers may get a copy up to 5 seconds old; logged-in people always a fresh one.
export const headers = () => ({ 'Plaza-Page-Cache': '5' })

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

type ActionResult = { intent: 'cast'; errors: BallotError[]; values: BallotFormValues } | { intent: 'receipt'; tone: 'success' | 'info' | 'error'; message: string; receipt: string }

const refusalStatus = (refusals: CastRefusal[]) => {
  const code = refusals[0]?.code
  if (code === 'notOpen') return 409
  if (code === 'levelTooLow' || code === 'notEligibleArea' || code === 'weightZero' || code === 'unknownVoter') return 403
  return 400
}

export async function action({ request, params }: ActionFunctionArgs) {
  const id = processId(params)
  const { t, locale } = await translatorFor(request)
  const translate = (key: string, values?: Record<string, unknown>) => t(key, values ?? {}) as string
  const form = await readForm(request)
  const intent = form.get('intent')
  if (intent === 'receipt') {
    const typed = String(form.get('receipt') ?? '').slice(0, 100)
    const check = await checkReceipt(id, typed)
    const date = formatters(locale).dateTime
    const answer = (status: number, tone: 'success' | 'info' | 'error', message: string) => data<ActionResult>({ intent: 'receipt', tone, message, receipt: typed }, { status })
    if (check.kind === 'invalid') return answer(400, 'error', t('votes:receipt.invalid'))
    if (check.kind === 'notFound') return answer(200, 'error', t('votes:receipt.notFound', { receipt: check.receipt }))
    if (check.kind === 'replaced') return answer(200, 'info', t('votes:receipt.replaced', { receipt: check.receipt, date: date.format(new Date(check.castAt)) }))
    return answer(200, 'success', t('votes:receipt.counted', { receipt: check.receipt, date: date.format(new Date(check.castAt)) }))
  }
  if (intent !== 'cast') return data<ActionResult>({ intent: 'cast', errors: [{ message: t('votes:ballot.unknownIntent'), field: null }], values: {} }, { status: 400 })
  const user = await getUser(request)
  if (!user) throw redirect(`/login?redirectTo=${encodeURIComponent(`/votes/${id}`)}`)
  const settings = await processSpec(id)
  if (!settings) throw new Response('Not Found', { status: 404 })
  const parsed = parseBallotForm(settings.spec, form)
  const refuse = (refusals: CastRefusal[]) => {
    // Formatters only when there is something to say: building one costs more than a cast's checks.
    const context = { labels: settings.labels, money: moneyFormatter(locale, settings.currency), dateTime: (iso: string) => formatters(locale).dateTime.format(new Date(iso)) }
    return data<ActionResult>(
      { intent: 'cast', errors: refusals.slice(0, 10).map((r) => ({ message: refusalMessage(translate, r, context), field: refusalField(settings.spec, r) })), values: parsed.values },
      { status: refusalStatus(refusals) },
    )
  }
  if (parsed.refusals.length) return refuse(parsed.refusals)
  const result = await castBallot(user, id, parsed.input)
  if (result.kind === 'notFound') throw new Response('Not Found', { status: 404 })
  if (result.kind === 'refused') return refuse(result.refusals)
  return redirect(castLocation(id, result.replaced))
}

export default function VotePage() {
  const d = useLoaderData<typeof loader>()
  const answer = useActionData<typeof action>() as ActionResult | undefined
  const [search] = useSearchParams()
  const { t } = useTranslation('votes')
  const { process, phase } = d
  const here = `/votes/${process.id}`
  const cast = search.get('cast')
  const closed = phase === 'closed' || phase === 'published'
  const receipt = answer?.intent === 'receipt' ? answer : null
  return (
    <div className="page vote-page">
      <p>
        <Link to="/votes">{t('page.back')}</Link>
      </p>
      <h1>{process.title}</h1>
      <p>
        <span className={`badge vote-status vote-status--${phase}`}>{t(`status.${phase}`)}</span> {t(`voting:method.${process.method}`)}
        {d.timeLeft ? ` · ${d.timeLeft}` : ''}
      </p>
      {cast === 'new' || cast === 'changed' ? <FormMessage tone="success">{cast === 'new' ? t('ballot.cast') : t('ballot.changed')}</FormMessage> : null}
      {receipt && !closed ? <FormMessage tone={receipt.tone}>{receipt.message}</FormMessage> : null}
      <div className="vote-page__grid">
        <div>
          <div className="vote-page__description" dangerouslySetInnerHTML={{ __html: process.descriptionHtml }} />
          <ProcessFacts process={process} />
          <section aria-labelledby="policy-heading">
            <h2 id="policy-heading">{t('page.policy')}</h2>
            <ul className="vote-policy">
              {d.policyLines.map((line, i) => (
                <li key={i}>{line}</li>
              ))}
            </ul>
          </section>
          <ResultsSection view={d} />
          {closed ? <ReceiptCheck here={here} answer={receipt} /> : null}
        </div>
        <YourVote view={d} here={here} cast={answer?.intent === 'cast' ? answer : null} />
      </div>
      <FollowForm targetKind="vote" targetId={d.process.id} back={`/votes/${d.process.id}`} email={d.followEmail} />
    </div>
  )
}
