import { Form, Link } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import type { VotingMethod, VotingProcessState } from '../../../../../db/schema'
import { FormMessage } from '../../../../components/forms'
import { CountView } from './CountView'

/**
 * A voting process's status for administrators once it is no longer a plain draft being edited:
 * what it is, its weight policy, and the actions its state allows (schedule, close now, publish
 * after checking the count, verify the tally, cancel), each a plain POST form.
 */

export interface ProcessStatusView {
  id: number
  state: VotingProcessState
  editable: boolean
  method: VotingMethod
  proposalId: number | null
  /** Texts formatted by the loader in the reader's language. */
  ballots: string
  opensText: string
  closesText: string
  publishedText: string
  opensPassed: boolean
  areaName: string | null
  residentsOnly: boolean
  requiredLevel: number
  delegation: boolean
  descriptionHtml: string
  policyLines: string[]
  /** Policy rules (1-based) that no voter can reach. */
  warnings: number[]
  labels: Record<string, string>
  currency: string
  preview: unknown
  previewError: boolean
  published: unknown
}

export function ProcessStatus({ status: s, verification }: { status: ProcessStatusView; verification: unknown }) {
  const { t } = useTranslation('votesAdmin')
  return (
    <>
      <StatusSummary status={s} />

      <h2>{t('status.policy')}</h2>
      <ul>
        {s.policyLines.map((line, i) => (
          <li key={i}>{line}</li>
        ))}
      </ul>
      {s.warnings.length ? <FormMessage tone="info">{t('status.policyWarning', { rules: s.warnings.join(', ') })}</FormMessage> : null}

      <StatusActions status={s} verification={verification} />
      {s.editable ? <h2>{t('form.heading')}</h2> : null}
    </>
  )
}

function StatusSummary({ status: s }: { status: ProcessStatusView }) {
  const { t } = useTranslation('votesAdmin')
  const state = s.state
  return (
    <dl className="summary">
      <div>
        <dt>{t('status.state')}</dt>
        <dd>
          {t(`state.${state}`)}
          {state === 'scheduled' && s.opensPassed ? <span className="badge badge--flag">{t('status.opening')}</span> : null}
        </dd>
      </div>
      <div>
        <dt>{t('status.method')}</dt>
        <dd>{t(`voting:method.${s.method}`)}</dd>
      </div>
      <div>
        <dt>{t('status.opens')}</dt>
        <dd>{s.opensText}</dd>
      </div>
      <div>
        <dt>{t('status.closes')}</dt>
        <dd>{s.closesText}</dd>
      </div>
      {state === 'published' ? (
        <div>
          <dt>{t('status.published')}</dt>
          <dd>{s.publishedText}</dd>
        </div>
      ) : null}
      <div>
        <dt>{t('status.area')}</dt>
        <dd>
          {s.areaName ?? t('status.wholeCity')}
          {s.residentsOnly ? ` (${t('status.residentsOnly')})` : ''}
        </dd>
      </div>
      <div>
        <dt>{t('status.requiredLevel')}</dt>
        <dd>{t(`level.${s.requiredLevel}`)}</dd>
      </div>
      <div>
        <dt>{t('status.delegation')}</dt>
        <dd>{s.delegation ? t('status.yes') : t('status.no')}</dd>
      </div>
      <div>
        <dt>{t('status.ballots')}</dt>
        <dd>{s.ballots}</dd>
      </div>
      {s.proposalId ? (
        <div>
          <dt>{t('status.proposal')}</dt>
          <dd>
            <Link to={`/proposals/${s.proposalId}`}>{t('status.proposalLink', { id: s.proposalId })}</Link>
          </dd>
        </div>
      ) : null}
    </dl>
  )
}

/** The forms the process's state allows, the count to check before publishing, the exports once ended. */
function StatusActions({ status: s, verification }: { status: ProcessStatusView; verification: unknown }) {
  const { t } = useTranslation('votesAdmin')
  const state = s.state
  const ended = state === 'closed' || state === 'published'
  return (
    <div className="stack">
      {state === 'draft' ? <IntentForm intent="schedule" label={t('actions.schedule')} hint={t('actions.scheduleHint')} /> : null}
      {state === 'scheduled' && !s.opensPassed ? <IntentForm intent="unschedule" label={t('actions.unschedule')} secondary /> : null}
      {state === 'open' || (state === 'scheduled' && s.opensPassed) ? <IntentForm intent="close" label={t('actions.close')} hint={t('actions.closeHint')} /> : null}
      <StatusResults status={s} />
      {state === 'open' || ended ? (
        <Form method="post">
          <button type="submit" name="intent" value="verify" className="secondary">
            {t('actions.verify')}
          </button>
        </Form>
      ) : null}
      {verification !== undefined ? <Verification verification={verification} /> : null}
      {ended ? (
        <ul className="inline-links">
          <li>
            <a href={`/votes/${s.id}/ballots.csv`}>{t('status.ballotsCsv')}</a>
          </li>
          <li>
            <a href={`/votes/${s.id}/ballots.json`}>{t('status.ballotsJson')}</a>
          </li>
        </ul>
      ) : null}
      {state !== 'published' && state !== 'cancelled' ? (
        <Form method="post" className="stack narrow">
          <div className="field">
            <label htmlFor="cancel-reason">{t('actions.cancelReason')}</label>
            <textarea id="cancel-reason" name="reason" rows={2} />
          </div>
          <button type="submit" name="intent" value="cancel" className="secondary">
            {t('actions.cancel')}
          </button>
        </Form>
      ) : null}
    </div>
  )
}

function Verification({ verification }: { verification: unknown }) {
  const { t } = useTranslation('votesAdmin')
  const ok = Boolean(verification && typeof verification === 'object' && (verification as { ok?: unknown }).ok === true)
  return ok ? (
    <FormMessage tone="success">{t('verify.ok')}</FormMessage>
  ) : (
    <FormMessage tone="error">
      <p>{t('verify.failed')}</p>
      <pre>{JSON.stringify(verification, null, 2).slice(0, 5000)}</pre>
    </FormMessage>
  )
}

// ---------------------------------------------------------------------------------------------
// A count, as the administrator checks it before publishing

/** The count to check before publishing (closed), or the published result. */
function StatusResults({ status: s }: { status: ProcessStatusView }) {
  const { t, i18n } = useTranslation('votesAdmin')
  const state = s.state
  return (
    <>
      {state === 'closed' ? (
        <section aria-labelledby="preview-heading">
          <h3 id="preview-heading">{t('results.preview')}</h3>
          {s.previewError ? <FormMessage tone="error">{t('results.previewFailed')}</FormMessage> : <CountView count={s.preview} labels={s.labels} currency={s.currency} locale={i18n.language} />}
          <Form method="post">
            <p className="field__hint" id="publish-hint">
              {t('actions.publishHint')}
            </p>
            <button type="submit" name="intent" value="publish" aria-describedby="publish-hint">
              {t('actions.publish')}
            </button>
          </Form>
        </section>
      ) : null}
      {state === 'published' ? (
        <section aria-labelledby="results-heading">
          <h3 id="results-heading">{t('results.published')}</h3>
          <CountView count={s.published} labels={s.labels} currency={s.currency} locale={i18n.language} />
        </section>
      ) : null}
    </>
  )
}

/** A form of one button that posts its intent, with the hint that says what it does. */
function IntentForm({ intent, label, hint, secondary }: { intent: string; label: string; hint?: string; secondary?: boolean }) {
  const hintId = hint ? `${intent}-hint` : undefined
  return (
    <Form method="post">
      {hint ? (
        <p className="field__hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      <button type="submit" name="intent" value={intent} aria-describedby={hintId} className={secondary ? 'secondary' : undefined}>
        {label}
      </button>
    </Form>
  )
}
