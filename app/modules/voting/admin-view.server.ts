import type { TFunction } from 'i18next'
import type { VotingMethod } from '../../../db/schema'
import { formatters } from '../../lib/format'
import type { ProcessFormChoices } from './components/admin/ProcessForm'
import { describePolicy } from './weights'
import { formChoices, inputOf, isEditable, policyWarnings, previewResults, processRow, readSpec, valuesOf, type FormValues } from './processes.server'

/**
 * /admin/votes/:id for an existing process (app/routes/admin.votes.$id.tsx), formatted for the
 * reader: its form values while editable (with the method asked for), and its status panel (dates,
 * ballots, policy in words and its warnings, the count before publishing). Null: no such process.
 */
export async function adminProcessView(
  id: number,
  asked: { method: VotingMethod | null; done: string | null },
  form: ProcessFormChoices,
  choices: Awaited<ReturnType<typeof formChoices>>,
  t: TFunction,
  locale: string,
) {
  const f = formatters(locale)
  const utc = (iso: string | null) => (iso ? `${f.dateTime.format(new Date(iso))} UTC` : '–')
  const row = await processRow(id)
  if (!row) return null
  const editable = isEditable(row)
  let values: FormValues | null = null
  if (editable) {
    values = valuesOf(inputOf(row))
    if (asked.method) values.method = asked.method
  }
  const stored = readSpec(row.spec)
  const policy = JSON.parse(row.weight_policy) as Parameters<typeof describePolicy>[0]
  const area =
    row.eligible_area_id === null
      ? null
      : (choices.areas.find((a) => a.id === row.eligible_area_id)?.name ?? choices.areas.flatMap((a) => a.neighbourhoods).find((n) => n.id === row.eligible_area_id)?.name ?? null)
  const warnings = policyWarnings(policy, row.required_level)
  let preview: unknown = null
  let previewError = false
  if (row.state === 'closed') {
    try {
      preview = await previewResults(id)
    } catch {
      previewError = true
    }
  }
  const published = row.results ? (JSON.parse(row.results) as { count?: unknown }) : null
  return {
    mode: 'edit' as const,
    title: row.title,
    method: (values?.method as VotingMethod | undefined) ?? row.method,
    values,
    form,
    saved: asked.done,
    status: {
      id: row.id,
      state: row.state,
      editable,
      method: row.method,
      proposalId: row.proposal_id,
      ballots: f.integer.format(row.ballots),
      opensText: utc(row.opens_at),
      closesText: utc(row.closes_at),
      publishedText: utc(row.published_at),
      opensPassed: row.opens_at <= new Date().toISOString(),
      areaName: area,
      residentsOnly: Boolean(row.residents_only),
      requiredLevel: row.required_level,
      delegation: Boolean(row.delegation),
      descriptionHtml: row.description_html,
      policyLines: describePolicy(policy, (key, v) => t(key, v ?? {}) as string, { areaName: area ?? undefined, locale }),
      warnings: [...new Set([...warnings.unreachable, ...warnings.belowLevel])].map((i) => i + 1),
      labels: stored.labels,
      currency: stored.currency,
      preview,
      previewError,
      published: published?.count ?? null,
    },
  }
}
