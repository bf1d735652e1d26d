import { Form, Link } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { FormMessage } from '../../../../components/forms'
import type { VotePageView } from '../../vote-page.server'
import type { BallotError, BallotFormValues } from '../ballot-form'
import { BallotForm } from '../BallotForm'
import { Results } from '../Results'

/**
 * The parts of /votes/:id (app/routes/votes.$id.tsx), each drawn from what
 * app/modules/voting/vote-page.server.ts formatted: the facts of the process, its results, the
 * receipt check and ballot list once closed, and the viewer's own panel with the ballot form.
 */

// One object for "no ballot yet": the ballot form keeps the person's changes while `values` stays the same object.
const NO_VALUES: BallotFormValues = {}

/** Method, dates, area, level, delegation and the proposal it came from. */
export function ProcessFacts({ process }: { process: VotePageView['process'] }) {
  const { t } = useTranslation('votes')
  return (
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
  )
}

/** The published results with turnout and delegation, the live tally for those who may see it, or why there is none yet. */
export function ResultsSection({ view }: { view: Pick<VotePageView, 'published' | 'live' | 'process' | 'locale' | 'areaNames'> }) {
  const { t } = useTranslation('votes')
  const { published, live, process } = view
  return (
    <section aria-labelledby="results-heading">
      <h2 id="results-heading">{t('results.heading')}</h2>
      {published ? (
        <>
          <p>{t('results.turnout', { represented: published.represented, weight: published.weight, eligible: published.eligibleAccounts })}</p>
          <p>{t('results.direct', { count: published.direct.ballots, weight: published.direct.weight })}</p>
          {published.delegation.delegators > 0 ? (
            <p>
              {t('results.delegated', { count: published.delegation.reached, weight: published.delegation.carriedWeight })}{' '}
              {published.delegation.lost > 0 ? t('results.lost', { count: published.delegation.lost, weight: published.delegation.lostWeight }) : ''}
            </p>
          ) : null}
          <Results result={published.result} labels={process.labels} currency={process.currency} locale={view.locale} areaNames={view.areaNames} />
          <p className="field__hint">{t('results.policyNote')}</p>
        </>
      ) : live ? (
        <>
          <FormMessage tone="info">{t('results.live')}</FormMessage>
          <Results result={live} labels={process.labels} currency={process.currency} locale={view.locale} areaNames={view.areaNames} />
        </>
      ) : (
        <p>{t('results.hidden')}</p>
      )}
    </section>
  )
}

export interface ReceiptAnswer {
  tone: 'success' | 'info' | 'error'
  message: string
  receipt: string
}

/** After the close: check a receipt (a plain POST form) and download the ballot list. */
export function ReceiptCheck({ here, answer }: { here: string; answer: ReceiptAnswer | null }) {
  const { t } = useTranslation('votes')
  return (
    <section aria-labelledby="receipt-heading">
      <h2 id="receipt-heading">{t('receipt.heading')}</h2>
      <p>{t('receipt.intro')}</p>
      <Form method="post" action={here} className="inline-form">
        <input type="hidden" name="intent" value="receipt" />
        <div className="field">
          <label htmlFor="receipt-code">{t('receipt.field')}</label>
          <input id="receipt-code" name="receipt" autoComplete="off" spellCheck={false} defaultValue={answer ? answer.receipt : ''} aria-describedby={answer ? 'receipt-answer' : undefined} />
        </div>
        <button type="submit">{t('receipt.submit')}</button>
      </Form>
      {answer ? (
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
  )
}

type Viewer = NonNullable<VotePageView['viewer']>

/** Where the viewer lives against the process's area, and their level. */
function Residence({ viewer, areaName }: { viewer: Viewer; areaName: string | null }) {
  const { t } = useTranslation('votes')
  return (
    <>
      <p>
        {viewer.residence === 'inside'
          ? areaName
            ? t('viewer.inside', { area: areaName })
            : t('viewer.insideCity')
          : viewer.residence === 'outside'
            ? t('viewer.outside', { area: areaName ?? t('page.wholeCity') })
            : t('viewer.unknownHome')}{' '}
        {t('viewer.level', { name: viewer.levelName })}
      </p>
      {viewer.residence === 'unknown' ? (
        <p>
          <Link to="/account/verify">{t('viewer.verify')}</Link>
        </p>
      ) : null}
    </>
  )
}

/** The viewer's ballot with its receipt, and the delegation it overrides or that votes for them. */
function BallotAndDelegation({ viewer }: { viewer: Viewer }) {
  const { t } = useTranslation('votes')
  return (
    <>
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
    </>
  )
}

/**
 * "Your vote": a login link for anonymous readers; for a person, their residence and level, their
 * ballot and delegation, then the ballot form while they may vote, else why not.
 */
export function YourVote({ view, here, cast }: { view: VotePageView; here: string; cast: { errors: BallotError[]; values: BallotFormValues } | null }) {
  const { t } = useTranslation('votes')
  const { process, viewer, phase } = view
  const castErrors = cast ? cast.errors : []
  const formValues = cast ? cast.values : (viewer?.ballot?.values ?? NO_VALUES)
  const closed = phase === 'closed' || phase === 'published'
  return (
    <aside className="vote-page__aside" id="your-vote" aria-labelledby="your-vote-heading">
      <h2 id="your-vote-heading">{t('viewer.heading')}</h2>
      {!viewer ? (
        view.loggedIn ? null : phase === 'open' || phase === 'upcoming' ? (
          <p>
            <Link to={`/login?redirectTo=${encodeURIComponent(here)}`}>{t('viewer.login')}</Link>
          </p>
        ) : (
          <p>{t('viewer.closedAnonymous')}</p>
        )
      ) : (
        <>
          <Residence viewer={viewer} areaName={process.eligibleAreaName} />
          <BallotAndDelegation viewer={viewer} />
          {view.open && viewer.eligible ? (
            <>
              <h3>{viewer.ballot ? t('viewer.change') : t('ballot.heading')}</h3>
              <p>{viewer.ballot ? t('viewer.changeHelp') : t('viewer.weight', { weight: viewer.weight })}</p>
              <BallotForm
                spec={process.spec}
                labels={process.labels}
                currency={process.currency}
                locale={view.locale}
                values={formValues}
                errors={castErrors}
                // After a refusal the page opens at the ballot (JavaScript or not), where each message sits by its field.
                action={`${here}#your-vote`}
                changing={Boolean(viewer.ballot)}
                areaNames={view.areaNames}
                voterAreaIds={viewer.voterAreaIds}
              />
            </>
          ) : (
            <>
              {castErrors.length ? (
                <FormMessage tone="error">
                  {castErrors.map((e, i) => (
                    <p key={i}>{e.message}</p>
                  ))}
                </FormMessage>
              ) : null}
              {view.open && viewer.refusal ? <FormMessage tone="info">{viewer.refusal}</FormMessage> : null}
              {phase === 'upcoming' ? <p>{viewer.eligible ? t('viewer.upcoming', { weight: viewer.weight }) : viewer.refusal}</p> : null}
              {closed && !viewer.ballot ? <p>{t('viewer.closed')}</p> : null}
            </>
          )}
        </>
      )}
    </aside>
  )
}
