import { z } from 'zod'

/** Inputs of the proposals capability; messages are i18n keys of the `proposals` namespace. */

export const TITLE_MAX = 80
export const SUMMARY_MAX = 200
export const BODY_MAX = 20_000
export const ANSWER_MAX = 20_000
export const MAX_TAGS = 5
export const TAG_MAX = 24

export const CATEGORY_CODE = /^[a-z0-9][a-z0-9_-]{0,39}$/
const SLUG = /^[a-z0-9-]{1,100}$/

const text = (min: number, max: number, key: string) =>
  z
    .string(`proposals:errors.${key}Required`)
    .transform((v) => v.replace(/\r\n?/g, '\n').trim())
    .pipe(z.string().min(min, `proposals:errors.${key}Required`).max(max, `proposals:errors.${key}TooLong`))

export type TagProblem = 'tooMany' | 'tooLong'

/**
 * Tags as people type them ("Bike lanes, #Trees, árboles") → normalised tags: lower-case, letters
 * (any script, accents kept), digits and single hyphens; other characters become a hyphen. Commas
 * (or #) separate tags; repeats count once. At most MAX_TAGS of at most TAG_MAX characters each:
 * more, or longer, is a problem to show next to the field rather than something cut silently.
 */
export function normaliseTags(input: string): { tags: string[]; problem: TagProblem | null } {
  const tags: string[] = []
  for (const raw of input.normalize('NFC').split(/[,#;\n]+/)) {
    const tag = raw
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}]+/gu, '-')
      .replace(/-{2,}/g, '-')
      .replace(/^-|-$/g, '')
    if (tag && !tags.includes(tag)) tags.push(tag)
  }
  if (tags.length > MAX_TAGS) return { tags: tags.slice(0, MAX_TAGS), problem: 'tooMany' }
  if (tags.some((t) => [...t].length > TAG_MAX)) return { tags: tags.map((t) => [...t].slice(0, TAG_MAX).join('')), problem: 'tooLong' }
  return { tags, problem: null }
}

/** One normalised tag from a URL (`?tag=`), or undefined when it is not one. */
export function tagParam(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 100) return undefined
  const { tags, problem } = normaliseTags(value)
  return tags.length === 1 && !problem ? tags[0] : undefined
}

export const proposalFormSchema = z.object({
  title: text(4, TITLE_MAX, 'title'),
  summary: text(10, SUMMARY_MAX, 'summary'),
  body: text(10, BODY_MAX, 'body'),
  category: z.string('proposals:errors.categoryRequired').trim().regex(CATEGORY_CODE, 'proposals:errors.categoryRequired'),
  tags: z
    .string()
    .max(500, 'proposals:errors.tagsTooMany')
    .optional()
    .transform((v, ctx) => {
      const { tags, problem } = normaliseTags(v ?? '')
      if (problem) ctx.addIssue({ code: 'custom', message: problem === 'tooMany' ? 'proposals:errors.tagsTooMany' : 'proposals:errors.tagsTooLong' })
      return tags
    }),
})
export type ProposalForm = z.infer<typeof proposalFormSchema>

/** What a submit button of the proposal form asks for. */
export const formIntents = ['preview', 'draft', 'publish'] as const
export type FormIntent = (typeof formIntents)[number]
export const formIntent = (value: unknown): FormIntent => ((formIntents as readonly unknown[]).includes(value) ? (value as FormIntent) : 'preview')

export const SORTS = ['hot', 'most', 'newest', 'relevance'] as const
export type ProposalSort = (typeof SORTS)[number]
export const STATE_FILTERS = ['active', 'published', 'threshold_reached', 'voting', 'answered', 'archived', 'all'] as const
export type StateFilter = (typeof STATE_FILTERS)[number]

/** /proposals' query string; anything odd is dropped, never an error. */
export const listQuerySchema = z.object({
  q: z.string().trim().max(500).optional().catch(undefined),
  sort: z.enum(SORTS).optional().catch(undefined),
  area: z.string().trim().regex(SLUG).optional().catch(undefined),
  tag: z.string().optional().catch(undefined).transform(tagParam),
  category: z.string().trim().regex(CATEGORY_CODE).optional().catch(undefined),
  state: z.enum(STATE_FILTERS).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).optional().catch(undefined),
})
export type ListQuery = z.infer<typeof listQuerySchema>

export const answerSchema = z.object({
  answer: text(1, ANSWER_MAX, 'answer'),
})
