import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import chartStyles from '../components/charts/charts.css'
import votesStyles from '../modules/voting/components/votes.css'
import { getUser } from '../modules/accounts/auth.server'
import { FollowForm } from '../components/FollowForm'
import { translatorFor } from '../lib/i18n.server'
import { readForm } from '../lib/forms.server'
import { formatters } from '../lib/format'
import { FormMessage } from '../components/forms'
import { formatWeight } from '../modules/voting/arithmetic'
import { describePolicy } from '../modules/voting/weights'
import type { MethodResult } from '../modules/voting/methods'
import { areaNames, castBallot, categoryNames, checkReceipt, homeAreasOf, liveTally, processForVoter, processSpec, publishedCount, type CastRefusal } from '../modules/voting/voting.server'
import { castLocation, formValuesOf, moneyFormatter, parseBallotForm, type BallotFormValues } from '../modules/voting/components/ballot-form'
import { describeChoices, durationWords, levelName, refusalMessage, scopeLabel } from '../modules/voting/components/messages'
import { BallotForm } from '../modules/voting/components/BallotForm'
import { Results } from '../modules/voting/components/Results'

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
  const view = await processForVoter(id, user)
  if (!view) throw new Response('Not Found', { status: 404 })
  const { process, viewer } = view
  const f = formatters(locale)
  const dateTime = (iso: string) => f.dateTime.format(new Date(iso))
  const money = moneyFormatter(locale, process.currency)
  const names = await areaNames()
  const context = { labels: process.labels, money, dateTime }
  const translate = (key: string, values?: Record<string, unknown>) => t(key, values ?? {}) as string

  const published = view.phase === 'published' ? publishedCount(process.results) : null
  const publishedText = (process.results as { policyText?: Record<string, string[]> } | null)?.policyText?.[locale]
  const policyLines = publishedText ?? describePolicy(process.policy, translate, { areaName: process.eligibleAreaName ?? undefined, locale })
  const showLive = !published && (viewer?.admin || (process.liveResults && view.phase === 'open'))
  const live: MethodResult | null = showLive ? await liveTally(id) : null
  const now = Date.now()
  const timeLeft =
    view.phase === 'open'
      ? t('votes:time.left', { time: durationWords(translate, new Date(process.closesAt).getTime() - now) })
      : view.phase === 'upcoming'
        ? t('votes:time.opensIn', { time: durationWords(translate, new Date(process.opensAt).getTime() - now) })
        : null

  let viewerData = null
  if (viewer) {
    const e = viewer.eligibility
    const delegation = viewer.delegation
    const scopeNames = delegation ? { areas: names, categories: delegation.scope.startsWith('category:') ? await categoryNames(locale) : {} } : null
    viewerData = {
      eligible: e.refusal === null,
      refusal: e.refusal ? refusalMessage(translate, e.refusal, context) : null,
      weight: formatWeight(e.weight, locale),
      residence: e.residesInside ? ('inside' as const) : user?.homeAreaId ? ('outside' as const) : ('unknown' as const),
      levelName: levelName(translate, e.level),
      ballot: viewer.ballot
        ? {
            receipt: viewer.ballot.receipt,
            summary: describeChoices(translate, process.spec, viewer.ballot.choices, context),
            weight: formatWeight(viewer.ballot.weight, locale),
            castAt: dateTime(viewer.ballot.castAt),
            values: formValuesOf(process.spec, viewer.ballot.choices),
          }
        : null,
      delegation: delegation && scopeNames ? { toName: delegation.toName, scope: scopeLabel(translate, delegation.scope, scopeNames) } : null,
      voterAreaIds: await homeAreasOf(user?.homeAreaId ?? null),
    }
  }

  return {
    title: process.title,
    locale,
    process: {
      id: process.id,
      title: process.title,
      descriptionHtml: process.descriptionHtml,
      method: process.method,
      spec: process.spec,
      labels: process.labels,
      currency: process.currency,
      opensAt: dateTime(process.opensAt),
      closesAt: dateTime(process.closesAt),
      eligibleAreaName: process.eligibleAreaName,
      residentsOnly: process.residentsOnly,
      requiredLevel: process.requiredLevel,
      requiredLevelName: levelName(translate, process.requiredLevel),
      delegation: process.delegation,
      proposalId: process.proposalId,
    },
    phase: view.phase,
    open: view.open,
    timeLeft,
    policyLines,
    // Only the names the page shows (budget pots' districts), not the whole city's.
    areaNames: Object.fromEntries(
      process.spec.method === 'budget' ? process.spec.pots.flatMap((p) => (p.areaId !== null && names[String(p.areaId)] ? [[String(p.areaId), names[String(p.areaId)]!]] : [])) : [],
    ) as Record<string, string>,
    viewer: viewerData,
    loggedIn: Boolean(user),
    followEmail: user?.email ?? '',
    published: published
      ? {
          result: published.result,
          direct: { ballots: published.direct.ballots, weight: formatWeight(published.direct.weight, locale) },
          delegation: { ...published.delegation, carriedWeight: formatWeight(published.delegation.carriedWeight, locale), lostWeight: formatWeight(published.delegation.lostWeight, locale) },
          represented: published.turnout.represented,
          weight: formatWeight(published.turnout.weight, locale),
          eligibleAccounts: published.turnout.eligibleAccounts,
        }
      : null,
    live,
  }
}

// Anonymous readers may get a copy up to 5 seconds old; logged-in people always a fresh one.
export const headers = () => ({ 'Plaza-Page-Cache': '5' })

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

type ActionResult = { intent: 'cast'; errors: string[]; values: BallotFormValues } | { intent: 'receipt'; tone: 'success' | 'info' | 'error'; message: string; receipt: string }

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
  if (intent !== 'cast') return data<ActionResult>({ intent: 'cast', errors: [t('votes:ballot.unknownIntent')], values: {} }, { status: 400 })
  const user = await getUser(request)
  if (!user) throw redirect(`/login?redirectTo=${encodeURIComponent(`/votes/${id}`)}`)
  const settings = await processSpec(id)
  if (!settings) throw new Response('Not Found', { status: 404 })
  const parsed = parseBallotForm(settings.spec, form)
  const refuse = (refusals: CastRefusal[]) => {
    // Formatters only when there is something to say: building one costs more than a cast's checks.
    const context = { labels: settings.labels, money: moneyFormatter(locale, settings.currency), dateTime: (iso: string) => formatters(locale).dateTime.format(new Date(iso)) }
    return data<ActionResult>({ intent: 'cast', errors: refusals.slice(0, 10).map((r) => refusalMessage(translate, r, context)), values: parsed.values }, { status: refusalStatus(refusals) })
  }
  if (parsed.refusals.length) return refuse(parsed.refusals)
  const result = await castBallot(user, id, parsed.input)
  if (result.kind === 'notFound') throw new Response('Not Found', { status: 404 })
  if (result.kind === 'refused') return refuse(result.refusals)
  return redirect(castLocation(id, result.replaced))
}

// One object for "no ballot yet": the ballot form keeps the person's changes while `values` stays the same object.
const NO_VALUES: BallotFormValues = {}

export default function VotePage() {
  const d = useLoaderData<typeof loader>()
  const answer = useActionData<typeof action>() as ActionResult | undefined
  const [search] = useSearchParams()
  const { t } = useTranslation('votes')
  const { process, viewer, phase } = d
  const here = `/votes/${process.id}`
  const cast = search.get('cast')
  const castErrors = answer?.intent === 'cast' ? answer.errors : []
  const formValues = answer?.intent === 'cast' ? answer.values : (viewer?.ballot?.values ?? NO_VALUES)
  const showForm = d.open && viewer?.eligible
  const closed = phase === 'closed' || phase === 'published'
  return (
    <div className="page vote-page">
      <p>
        <Link to="/votes">{t('page.back')}</Link>
      </p>
      <h1>{process.title}</h1>
      <p>
        <span className={`vote-status vote-status--${phase}`}>{t(`status.${phase}`)}</span> {t(`voting:method.${process.method}`)}
        {d.timeLeft ? ` · ${d.timeLeft}` : ''}
      </p>
      {cast === 'new' || cast === 'changed' ? <FormMessage tone="success">{cast === 'new' ? t('ballot.cast') : t('ballot.changed')}</FormMessage> : null}
      {answer?.intent === 'receipt' && !closed ? <FormMessage tone={answer.tone}>{answer.message}</FormMessage> : null}
      <div className="vote-page__grid">
        <div>
          <div className="vote-page__description" dangerouslySetInnerHTML={{ __html: process.descriptionHtml }} />
          <dl className="vote-page__facts">
            <div>
              <dt>{t('page.method')}</dt>
              <dd>{t(`voting:method.${process.method}`)}</dd>
            </div>
            <div>
              <dt>{t('page.dates')}</dt>
              <dd>{t('page.period', { opens: process.opensAt, closes: process.closesAt })}</dd>
            </div>
            <div>
              <dt>{t('page.area')}</dt>
              <dd>
                {process.eligibleAreaName ?? t('page.wholeCity')}
                {process.residentsOnly ? ` — ${t('page.residentsOnly')}` : ''}
              </dd>
            </div>
            <div>
              <dt>{t('page.level')}</dt>
              <dd>{t('page.levelValue', { level: process.requiredLevel, name: process.requiredLevelName })}</dd>
            </div>
            <div>
              <dt>{t('page.delegation')}</dt>
              <dd>{process.delegation ? t('page.delegationAllowed') : t('page.delegationNotAllowed')}</dd>
            </div>
            {process.proposalId ? (
              <div>
                <dt>{t('page.proposal')}</dt>
                <dd>
                  <Link to={`/proposals/${process.proposalId}`}>{t('page.proposalLink')}</Link>
                </dd>
              </div>
            ) : null}
          </dl>
          <section aria-labelledby="policy-heading">
            <h2 id="policy-heading">{t('page.policy')}</h2>
            <ul className="vote-policy">
              {d.policyLines.map((line, i) => (
                <li key={i}>{line}</li>
              ))}
            </ul>
          </section>
          <section aria-labelledby="results-heading">
            <h2 id="results-heading">{t('results.heading')}</h2>
            {d.published ? (
              <>
                <p>{t('results.turnout', { represented: d.published.represented, weight: d.published.weight, eligible: d.published.eligibleAccounts })}</p>
                <p>{t('results.direct', { count: d.published.direct.ballots, weight: d.published.direct.weight })}</p>
                {d.published.delegation.delegators > 0 ? (
                  <p>
                    {t('results.delegated', { count: d.published.delegation.reached, weight: d.published.delegation.carriedWeight })}{' '}
                    {d.published.delegation.lost > 0 ? t('results.lost', { count: d.published.delegation.lost, weight: d.published.delegation.lostWeight }) : ''}
                  </p>
                ) : null}
                <Results result={d.published.result} labels={process.labels} currency={process.currency} locale={d.locale} areaNames={d.areaNames} />
                <p className="field__hint">{t('results.policyNote')}</p>
              </>
            ) : d.live ? (
              <>
                <FormMessage tone="info">{t('results.live')}</FormMessage>
                <Results result={d.live} labels={process.labels} currency={process.currency} locale={d.locale} areaNames={d.areaNames} />
              </>
            ) : (
              <p>{t('results.hidden')}</p>
            )}
          </section>
          {closed ? (
            <section aria-labelledby="receipt-heading">
              <h2 id="receipt-heading">{t('receipt.heading')}</h2>
              <p>{t('receipt.intro')}</p>
              <Form method="post" action={here} className="inline-form">
                <input type="hidden" name="intent" value="receipt" />
                <div className="field">
                  <label htmlFor="receipt-code">{t('receipt.field')}</label>
                  <input
                    id="receipt-code"
                    name="receipt"
                    autoComplete="off"
                    spellCheck={false}
                    defaultValue={answer?.intent === 'receipt' ? answer.receipt : ''}
                    aria-describedby={answer?.intent === 'receipt' ? 'receipt-answer' : undefined}
                  />
                </div>
                <button type="submit">{t('receipt.submit')}</button>
              </Form>
              {answer?.intent === 'receipt' ? (
                <div id="receipt-answer">
                  <FormMessage tone={answer.tone}>{answer.message}</FormMessage>
                </div>
              ) : null}
              <h3>{t('ballots.heading')}</h3>
              <p>{t('ballots.intro')}</p>
              <p>
                <a href={`${here}/ballots.csv`}>{t('ballots.csv')}</a> · <a href={`${here}/ballots.json`}>{t('ballots.json')}</a>
              </p>
            </section>
          ) : null}
        </div>
        <aside className="vote-page__aside" id="your-vote" aria-labelledby="your-vote-heading">
          <h2 id="your-vote-heading">{t('viewer.heading')}</h2>
          {!viewer ? (
            d.loggedIn ? null : phase === 'open' || phase === 'upcoming' ? (
              <p>
                <Link to={`/login?redirectTo=${encodeURIComponent(here)}`}>{t('viewer.login')}</Link>
              </p>
            ) : (
              <p>{t('viewer.closedAnonymous')}</p>
            )
          ) : (
            <>
              <p>
                {viewer.residence === 'inside'
                  ? process.eligibleAreaName
                    ? t('viewer.inside', { area: process.eligibleAreaName })
                    : t('viewer.insideCity')
                  : viewer.residence === 'outside'
                    ? t('viewer.outside', { area: process.eligibleAreaName ?? t('page.wholeCity') })
                    : t('viewer.unknownHome')}{' '}
                {t('viewer.level', { name: viewer.levelName })}
              </p>
              {viewer.residence === 'unknown' ? (
                <p>
                  <Link to="/account/verify">{t('viewer.verify')}</Link>
                </p>
              ) : null}
              {viewer.ballot ? (
                <div className="vote-page__ballot">
                  <h3>{t('viewer.yourBallot')}</h3>
                  <p data-testid="your-ballot">{viewer.ballot.summary}</p>
                  <p>{t('viewer.castAt', { date: viewer.ballot.castAt, weight: viewer.ballot.weight })}</p>
                  <p>
                    {t('viewer.receipt')}{' '}
                    <span className="receipt-code" data-testid="receipt">
                      {viewer.ballot.receipt}
                    </span>
                  </p>
                  <p className="field__hint">{t('viewer.receiptHelp')}</p>
                </div>
              ) : null}
              {viewer.delegation ? (
                <p data-testid="delegation-note">
                  {viewer.ballot
                    ? t('viewer.overrides', { name: viewer.delegation.toName, scope: viewer.delegation.scope })
                    : t('viewer.delegatesTo', { name: viewer.delegation.toName, scope: viewer.delegation.scope })}{' '}
                  <Link to="/account/delegations">{t('viewer.manageDelegations')}</Link>
                </p>
              ) : null}
              {showForm ? (
                <>
                  <h3>{viewer.ballot ? t('viewer.change') : t('ballot.heading')}</h3>
                  <p>{viewer.ballot ? t('viewer.changeHelp') : t('viewer.weight', { weight: viewer.weight })}</p>
                  <BallotForm
                    spec={process.spec}
                    labels={process.labels}
                    currency={process.currency}
                    locale={d.locale}
                    values={formValues}
                    errors={castErrors}
                    action={here}
                    changing={Boolean(viewer.ballot)}
                    areaNames={d.areaNames}
                    voterAreaIds={viewer.voterAreaIds}
                  />
                </>
              ) : (
                <>
                  {castErrors.length ? (
                    <FormMessage tone="error">
                      {castErrors.map((e, i) => (
                        <p key={i}>{e}</p>
                      ))}
                    </FormMessage>
                  ) : null}
                  {d.open && viewer.refusal ? <FormMessage tone="info">{viewer.refusal}</FormMessage> : null}
                  {phase === 'upcoming' ? <p>{viewer.eligible ? t('viewer.upcoming', { weight: viewer.weight }) : viewer.refusal}</p> : null}
                  {closed && !viewer.ballot ? <p>{t('viewer.closed')}</p> : null}
                </>
              )}
            </>
          )}
        </aside>
      </div>
      <FollowForm targetKind="vote" targetId={d.process.id} back={`/votes/${d.process.id}`} email={d.followEmail} />
    </div>
  )
}
