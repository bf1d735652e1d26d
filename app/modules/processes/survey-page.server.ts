import { localize } from '../../lib/localized'
import { cityDefaultLocale } from '../../lib/localized.server'
import type { QuestionView } from './components/survey-parts'
import { processRecord, type ProcessRecord } from './processes.server'
import { conditionLabel, surveyRecord, type SurveyRecord } from './surveys.server'

/**
 * What the survey pages hand their components: the process and survey behind a URL (404 unless the
 * process is published and owns the survey), and the questions in the reader's language.
 */

const ID = /^\d{1,12}$/

/** The published process `slug` and its survey `id`, or a 404 response thrown. */
export async function publishedSurvey(slug: string | undefined, id: string | undefined): Promise<{ process: ProcessRecord; survey: SurveyRecord }> {
  const survey = id && ID.test(id) ? await surveyRecord(Number(id)) : null
  const process = survey && slug ? await processRecord({ slug }) : null
  if (!survey || !process || !process.published || process.id !== survey.processId) throw new Response('Not Found', { status: 404 })
  return { process, survey }
}

export function questionViews(s: SurveyRecord, locale: string): QuestionView[] {
  const fallback = cityDefaultLocale()
  const text = (v: Parameters<typeof localize>[0]) => localize(v, locale, fallback)
  return s.questions.map((q, i) => ({
    id: q.id,
    number: i + 1,
    type: q.type,
    prompt: text(q.prompt),
    required: q.required,
    options: q.options.map(text),
    rows: q.rows.map(text),
    min: q.min,
    max: q.max,
    showIf: q.showIf,
    condition: conditionLabel(s.questions, q, locale, fallback),
  }))
}

/** The form's entries with repeated keys kept (multiple choice), text fields only. */
export function formEntries(form: FormData): Record<string, string[]> {
  const out: Record<string, string[]> = Object.create(null)
  for (const [key, value] of form) if (typeof value === 'string') (out[key] ??= []).push(value)
  return out
}
