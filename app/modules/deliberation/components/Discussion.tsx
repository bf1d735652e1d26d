import { Form, Link } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import type { CommentView } from '../deliberation.server'
import type { DiscussionData } from '../page.server'
import { HoneypotField } from '../../../components/HoneypotField'
import { formatters } from '../../../lib/format'

const stances = ['for', 'neutral', 'against'] as const
const reasons = ['spam', 'offensive', 'off_topic', 'personal_data', 'other'] as const

/**
 * A discussion under any content item: threads or the two columns of arguments, sorting, and
 * every action as a plain form (reply, edit, report use <details>), so it all works without JS.
 */
export function Discussion({ data, locale, title }: { data: DiscussionData; locale: string; title?: string }) {
  const { t } = useTranslation('deliberation')
  const { discussion, returnTo } = data
  const base = returnTo.split('?')[0]!
  const query = (changes: Record<string, string | number>) => {
    const params = new URLSearchParams(returnTo.split('?')[1] ?? '')
    for (const [k, v] of Object.entries(changes)) params.set(k, String(v))
    return `${base}?${params}#discussion`
  }
  return (
    <section className="discussion" id="discussion" aria-labelledby="discussion-title">
      <h2 id="discussion-title">{title ?? t('title')}</h2>
      <p className="discussion__counts">
        {t('count', { count: discussion.total })} · {t('stanceCounts', discussion.counts)}
      </p>
      <div className="discussion__controls">
        <nav aria-label={t('view.label')}>
          {(['threads', 'arguments'] as const).map((v) => (
            <Link key={v} to={query({ view: v, page: 1 })} aria-current={discussion.view === v ? 'true' : undefined} className="pill">
              {t(`view.${v}`)}
            </Link>
          ))}
        </nav>
        <nav aria-label={t('sort.label')}>
          <span className="discussion__label">{t('sort.label')}:</span>{' '}
          {(['best', 'newest', 'oldest', 'discussed'] as const).map((s) => (
            <Link key={s} to={query({ sort: s, page: 1 })} aria-current={discussion.sort === s ? 'true' : undefined} className="pill">
              {t(`sort.${s}`)}
            </Link>
          ))}
        </nav>
      </div>

      {data.notice === 'posted_visible' ? (
        <p className="notice notice--success" role="status">
          {t('posted_ok')}
        </p>
      ) : null}
      {data.notice === 'posted_pending' ? (
        <p className="notice notice--info" role="status">
          {t('pendingNotice')}
        </p>
      ) : null}
      {data.notice === 'flagged' ? (
        <p className="notice notice--success" role="status">
          {t('flag.done')}
        </p>
      ) : null}
      <CommentForm data={data} />

      {discussion.view === 'arguments' ? (
        <div className="arguments">
          {(['for', 'against'] as const).map((side) => (
            <section key={side} className={`arguments__column arguments__column--${side}`} aria-labelledby={`arguments-${side}`}>
              <h3 id={`arguments-${side}`}>{t(`columns.${side}`)}</h3>
              {discussion.arguments[side].length === 0 ? <p>{t('columns.none')}</p> : null}
              <ol className="comment-list">
                {discussion.arguments[side].map((c) => (
                  <CommentItem key={c.id} comment={c} data={data} locale={locale} />
                ))}
              </ol>
            </section>
          ))}
        </div>
      ) : discussion.comments.length === 0 ? (
        <p>{t('empty')}</p>
      ) : (
        <ol className="comment-list">
          {discussion.comments.map((c) => (
            <CommentItem key={c.id} comment={c} data={data} locale={locale} />
          ))}
        </ol>
      )}

      {discussion.pages > 1 ? (
        <nav aria-label={t('pagination.label')} className="pagination">
          {discussion.page > 1 ? <Link to={query({ page: discussion.page - 1 })}>{t('pagination.previous')}</Link> : null}
          <span>{t('pagination.page', { page: discussion.page, pages: discussion.pages })}</span>
          {discussion.page < discussion.pages ? <Link to={query({ page: discussion.page + 1 })}>{t('pagination.next')}</Link> : null}
        </nav>
      ) : null}
    </section>
  )
}

/** What the forms of one comment need: who is looking, where forms come back to, where it belongs. */
type CommentContext = Pick<DiscussionData, 'viewer' | 'returnTo' | 'target'>

function CommentForm({ data, parentId }: { data: CommentContext; parentId?: number }) {
  const { t } = useTranslation('deliberation')
  const { viewer, target, returnTo } = data
  if (viewer.state === 'anonymous') {
    return parentId ? null : (
      <p className="notice notice--info">
        <Link to={`/login?redirectTo=${encodeURIComponent(returnTo)}`}>{t('login')}</Link>
      </p>
    )
  }
  if (viewer.state === 'needsLevel') return parentId ? null : <p className="notice notice--info">{t('needsLevel')}</p>
  if (viewer.state === 'blocked') return parentId ? null : <p className="notice notice--error">{t('blocked', { reason: viewer.blockReason })}</p>
  const id = parentId ? `reply-${parentId}` : 'new-comment'
  return (
    <Form method="post" action={`/discussions/${target.kind}/${target.id}`} className="comment-form stack" reloadDocument>
      {parentId ? null : <h3>{t('form.heading')}</h3>}
      <HoneypotField />
      <input type="hidden" name="returnTo" value={returnTo} />
      {parentId ? <input type="hidden" name="parentId" value={parentId} /> : null}
      <label htmlFor={`${id}-body`}>{t('form.body')}</label>
      <p className="field__hint" id={`${id}-hint`}>
        {t('form.bodyHint')}
      </p>
      <textarea id={`${id}-body`} name="body" rows={parentId ? 3 : 5} required aria-describedby={`${id}-hint`} />
      <fieldset className="stance-choice">
        <legend>{t('form.stance')}</legend>
        {stances.map((s) => (
          <label key={s} className="choice">
            <input type="radio" name="stance" value={s} defaultChecked={s === 'neutral'} />
            {t(`stances.${s}`)}
          </label>
        ))}
      </fieldset>
      <button type="submit">{parentId ? t('form.replySubmit') : t('form.submit')}</button>
    </Form>
  )
}

export function CommentItem({ comment, data, locale }: { comment: CommentView; data: CommentContext; locale: string }) {
  const { t } = useTranslation('deliberation')
  const date = formatters(locale).dateTime
  const author = comment.authorDeleted ? t('deletedUser') : comment.author
  const act = `/comments/${comment.id}`
  const back = <input type="hidden" name="returnTo" value={data.returnTo} />
  const canAct = data.viewer.state === 'ok' && !comment.deleted && comment.status === 'visible'
  return (
    <li className={`comment comment--${comment.stance}`} id={`comment-${comment.id}`}>
      <article aria-labelledby={`comment-${comment.id}-meta`}>
        <p className="comment__meta" id={`comment-${comment.id}-meta`}>
          <strong>{author}</strong> · <time dateTime={comment.createdAt}>{date.format(new Date(comment.createdAt))}</time>
          {comment.stance !== 'neutral' ? <span className={`stance stance--${comment.stance}`}>{t(`stances.${comment.stance}`)}</span> : null}
          {comment.editedAt ? <em className="comment__edited"> ({t('edited')})</em> : null}
        </p>
        {comment.deleted ? <p className="comment__gone">{t('deleted')}</p> : comment.status === 'hidden' ? <p className="comment__gone">{comment.mine ? t('yourHidden') : t('hidden')}</p> : null}
        {comment.status === 'pending' ? <p className="notice notice--info">{t('pending')}</p> : null}
        {comment.html ? <div className="comment__body" dangerouslySetInnerHTML={{ __html: comment.html }} /> : null}
        {!comment.deleted && comment.status === 'visible' ? (
          <div className="comment__actions">
            <span className="comment__score">{t('helpfulCount', { helpful: comment.helpful, unhelpful: comment.unhelpful })}</span>
            {canAct && !comment.mine ? (
              <>
                <Form method="post" action={act} reloadDocument>
                  {back}
                  <input type="hidden" name="intent" value="vote" />
                  <input type="hidden" name="value" value={comment.myVote === 1 ? '0' : '1'} />
                  <button type="submit" className="secondary" aria-pressed={comment.myVote === 1}>
                    {t('helpful')}
                  </button>
                </Form>
                <Form method="post" action={act} reloadDocument>
                  {back}
                  <input type="hidden" name="intent" value="vote" />
                  <input type="hidden" name="value" value={comment.myVote === -1 ? '0' : '-1'} />
                  <button type="submit" className="secondary" aria-pressed={comment.myVote === -1}>
                    {t('unhelpful')}
                  </button>
                </Form>
              </>
            ) : null}
          </div>
        ) : null}
        {canAct ? (
          <div className="comment__tools">
            <details>
              <summary>{t('form.reply')}</summary>
              <CommentForm data={data} parentId={comment.id} />
            </details>
            {comment.canEdit ? (
              <details>
                <summary>{t('form.edit')}</summary>
                <EditForm comment={comment} data={data} />
              </details>
            ) : null}
            {comment.mine ? (
              <Form method="post" action={act} reloadDocument>
                {back}
                <input type="hidden" name="intent" value="delete" />
                <button type="submit" className="secondary">
                  {t('form.deleteConfirm')}
                </button>
              </Form>
            ) : (
              <details>
                <summary>{t('flag.open')}</summary>
                <Form method="post" action={act} className="stack" reloadDocument>
                  {back}
                  <input type="hidden" name="intent" value="flag" />
                  <fieldset>
                    <legend>{t('flag.reason')}</legend>
                    {reasons.map((r) => (
                      <label key={r} className="choice">
                        <input type="radio" name="reason" value={r} required />
                        {t(`reasons.${r}`)}
                      </label>
                    ))}
                  </fieldset>
                  <label htmlFor={`flag-note-${comment.id}`}>{t('flag.note')}</label>
                  <input id={`flag-note-${comment.id}`} name="note" type="text" maxLength={1000} />
                  <button type="submit">{t('flag.submit')}</button>
                </Form>
              </details>
            )}
          </div>
        ) : null}
      </article>
      {comment.children.length ? (
        <ol className="comment-list comment-list--replies" aria-label={t('repliesTo')}>
          {comment.children.map((child) => (
            <CommentItem key={child.id} comment={child} data={data} locale={locale} />
          ))}
        </ol>
      ) : null}
      {comment.moreReplies > 0 || (comment.children.length === 0 && comment.replies > 0) ? (
        <p className="comment__more">
          <Link to={`/comments/${comment.id}`}>{t('moreReplies', { count: comment.moreReplies || comment.replies })}</Link>
        </p>
      ) : null}
    </li>
  )
}

function EditForm({ comment, data }: { comment: CommentView; data: CommentContext }) {
  const { t } = useTranslation('deliberation')
  return (
    <Form method="post" action={`/comments/${comment.id}`} className="stack" reloadDocument>
      <input type="hidden" name="returnTo" value={data.returnTo} />
      <input type="hidden" name="intent" value="edit" />
      <label htmlFor={`edit-${comment.id}`}>{t('form.body')}</label>
      <textarea id={`edit-${comment.id}`} name="body" rows={4} defaultValue={comment.source ?? ''} required />
      <fieldset className="stance-choice">
        <legend>{t('form.stance')}</legend>
        {stances.map((s) => (
          <label key={s} className="choice">
            <input type="radio" name="stance" value={s} defaultChecked={s === comment.stance} />
            {t(`stances.${s}`)}
          </label>
        ))}
      </fieldset>
      <button type="submit">{t('form.editSubmit')}</button>
    </Form>
  )
}
