import type { TFunction } from 'i18next'
import type { Principal } from '../accounts/policy'
import { formatters } from '../../lib/format'
import { formatWeight } from './arithmetic'
import { describePolicy } from './weights'
import type { MethodResult } from './methods'
import { areaNames, categoryNames, homeAreasOf, liveTally, processForVoter, publishedCount } from './voting.server'
import type { VoterView } from './voter-view.server'
import type { MethodSpec } from './methods'
import { formValuesOf, moneyFormatter } from './components/ballot-form'
import { describeChoices, durationWords, levelName, refusalMessage, scopeLabel, type MessageContext } from './components/messages'

/**
 * What /votes/:id shows, formatted for the reader (app/routes/votes.$id.tsx renders it with
 * app/modules/voting/components/vote-page/): the process, its phase and time left, the weight
 * policy in words, the viewer's eligibility, ballot and delegation, and the published or live
 * results. Null when the process does not exist or the viewer may not see it.
 */
export async function votePageView(id: number, user: (Principal & { id: number; homeAreaId: number | null; email: string | null }) | null, t: TFunction, locale: string) {
  const view = await processForVoter(id, user)
  if (!view) return null
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

  const viewerData = viewer ? await viewerPanel(viewer, process.spec, user?.homeAreaId ?? null, { translate, locale, context, names }) : null

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

type Words = { translate: (key: string, values?: Record<string, unknown>) => string; locale: string; context: MessageContext; names: Record<string, string> }

/** The viewer's own panel: eligibility and weight, residence, their ballot and the delegation that applies. */
async function viewerPanel(viewer: NonNullable<VoterView['viewer']>, spec: MethodSpec, homeAreaId: number | null, { translate, locale, context, names }: Words) {
  const e = viewer.eligibility
  const delegation = viewer.delegation
  const scopeNames = delegation ? { areas: names, categories: delegation.scope.startsWith('category:') ? await categoryNames(locale) : {} } : null
  return {
    eligible: e.refusal === null,
    refusal: e.refusal ? refusalMessage(translate, e.refusal, context) : null,
    weight: formatWeight(e.weight, locale),
    residence: e.residesInside ? ('inside' as const) : homeAreaId ? ('outside' as const) : ('unknown' as const),
    levelName: levelName(translate, e.level),
    ballot: viewer.ballot
      ? {
          receipt: viewer.ballot.receipt,
          summary: describeChoices(translate, spec, viewer.ballot.choices, context),
          weight: formatWeight(viewer.ballot.weight, locale),
          castAt: context.dateTime(viewer.ballot.castAt),
          values: formValuesOf(spec, viewer.ballot.choices),
        }
      : null,
    delegation: delegation && scopeNames ? { toName: delegation.toName, scope: scopeLabel(translate, delegation.scope, scopeNames) } : null,
    voterAreaIds: await homeAreasOf(homeAreaId),
  }
}

export type VotePageView = NonNullable<Awaited<ReturnType<typeof votePageView>>>
