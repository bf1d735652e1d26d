import { Link } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { useNames } from '../useNames'

/**
 * Representatives as the public sees them: groups by level and area, each member with photo, role,
 * party and (where known) their response rate. Shared by /representatives and usable by the
 * letters form. Never receives an e-mail address.
 */

export interface RateView {
  answers: number
  responded: number
  rate: number | null
  interval: { low: number; high: number } | null
  tooFewAnswers: boolean
}

export interface MemberView {
  id: number
  name: string
  role: string
  party: string | null
  thumbUrl: string | null
  bounced: boolean
  rate?: RateView
}

export interface GroupView {
  level: { code: string; name: string }
  area: { id: number; slug: string; name: string; level: string }
  members: MemberView[]
}

export function usePercent() {
  const { i18n } = useTranslation()
  const format = new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 0 })
  return (value: number) => format.format(value)
}

/** "80% replied · 95% interval 49%–94% · 10 answers", or "too few answers · 3 answers". */
export function RateSummary({ rate }: { rate: RateView }) {
  const { t } = useTranslation('representatives')
  const percent = usePercent()
  if (rate.answers === 0) return <span className="rep-rate rep-rate--none">{t('rate.none')}</span>
  if (rate.tooFewAnswers || rate.rate === null || !rate.interval) {
    return (
      <span className="rep-rate rep-rate--few" data-testid={`rate-${rate.answers}`}>
        {t('rate.tooFew')} · {t('rate.answers', { count: rate.answers })}
      </span>
    )
  }
  return (
    <span className="rep-rate">
      <strong>{t('rate.value', { rate: percent(rate.rate) })}</strong> · {t('rate.interval', { low: percent(rate.interval.low), high: percent(rate.interval.high) })} ·{' '}
      {t('rate.answers', { count: rate.answers })}
    </span>
  )
}

export function MemberCard({ member }: { member: MemberView }) {
  const { t } = useTranslation('representatives')
  const n = useNames()
  return (
    <li className="rep-card" data-testid={`representative-${member.id}`}>
      {member.thumbUrl ? (
        <img className="rep-card__photo" src={member.thumbUrl} alt={t('member.photoAlt', { name: member.name })} width={48} height={48} />
      ) : (
        <span className="rep-card__photo rep-card__photo--none" aria-hidden="true" />
      )}
      <div className="rep-card__text">
        <Link to={`/representatives/${member.id}`} className="rep-card__name">
          {member.name}
        </Link>
        <span className="rep-card__meta">
          {n(member.role)} · {member.party ?? t('member.noParty')}
        </span>
        {member.rate ? <RateSummary rate={member.rate} /> : null}
        {member.bounced ? <span className="rep-card__bounced">{t('member.bounced')}</span> : null}
      </div>
    </li>
  )
}

export function RepresentativeGroups({ groups, headingLevel = 3, writeLinks = false }: { groups: GroupView[]; headingLevel?: 2 | 3; writeLinks?: boolean }) {
  const { t } = useTranslation('representatives')
  const Heading = headingLevel === 2 ? 'h2' : 'h3'
  return (
    <div className="rep-groups">
      {groups.map((group) => (
        <section
          key={`${group.level.code}-${group.area.id}`}
          className="rep-group"
          aria-labelledby={`group-${group.level.code}-${group.area.id}`}
          data-testid={`group-${group.level.code}-${group.area.slug}`}
        >
          <Heading id={`group-${group.level.code}-${group.area.id}`}>
            {group.level.name} · {group.area.name}
          </Heading>
          <ul className="rep-cards">
            {group.members.map((member) => (
              <MemberCard key={member.id} member={member} />
            ))}
          </ul>
          {writeLinks && group.members.length > 1 ? (
            <p>
              <Link to={`/letters/new?${group.members.map((m) => `representative=${m.id}`).join('&')}`}>{t('list.writeToAll')}</Link>
            </p>
          ) : null}
        </section>
      ))}
    </div>
  )
}
