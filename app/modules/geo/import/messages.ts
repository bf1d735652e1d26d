import type { TFunction } from 'i18next'
import type { ReadProblem } from './read.server'
import type { FeatureRef, ImportProblem } from './validate'
import type { PlanProblem } from './import.server'

/**
 * Every problem as a sentence a person understands, naming the feature by its number and by the
 * values of the name and code properties the administrator chose ("Feature 3 (NOM “Gràcia”, CODI “06”)").
 * Shared by the admin page and `npm run areas:import`.
 */

const at = (p: [number, number]) => `${p[1].toFixed(6)}, ${p[0].toFixed(6)}`
const m2 = (n: number, locale: string) => new Intl.NumberFormat(locale).format(Math.round(n))

export function featureLabel(t: TFunction, ref: FeatureRef): string {
  return t('areasAdmin:feature', { n: ref.feature, nameProp: ref.nameProp, name: ref.name || '—', codeProp: ref.codeProp, code: ref.code || '—' })
}

export function levelLabel(t: TFunction, depth: number): string {
  return t(`areasAdmin:levels.${depth === 0 ? 'city' : depth === 1 ? 'district' : depth === 2 ? 'neighbourhood' : 'deeper'}`, { depth })
}

export function describeReadProblem(t: TFunction, p: ReadProblem): string {
  return t(`areasAdmin:read.${p.kind}`, { ...p })
}

export function describeProblem(t: TFunction, p: ImportProblem | PlanProblem, locale = 'en'): string {
  const k = `areasAdmin:problems.${p.kind}`
  switch (p.kind) {
    case 'unknownProperty':
      return t(k, { property: p.property, available: p.available.join(', ') })
    case 'needsParentProperty':
    case 'noBoundary':
      return t(k)
    case 'boundaryCount':
      return t(k, { count: p.count })
    case 'emptyGeometry':
      return t(k, { feature: featureLabel(t, p.ref) })
    case 'notPolygon':
      return t(k, { feature: featureLabel(t, p.ref), type: p.type })
    case 'badCoordinates':
      return t(k, { feature: featureLabel(t, p.ref), value: p.value })
    case 'unclosedRing':
      return t(k, { feature: featureLabel(t, p.ref), ring: p.ring, first: at(p.first), last: at(p.last) })
    case 'tooFewPositions':
      return t(k, { feature: featureLabel(t, p.ref), ring: p.ring, count: p.count })
    case 'selfIntersection':
      return p.ring === p.otherRing
        ? t(k, { feature: featureLabel(t, p.ref), ring: p.ring, at: at(p.at) })
        : t(`${k}Rings`, { feature: featureLabel(t, p.ref), ring: p.ring, other: p.otherRing, at: at(p.at) })
    case 'missingName':
    case 'missingCode':
    case 'missingParentValue':
      return t(k, { feature: featureLabel(t, p.ref), property: p.property })
    case 'missingParent':
      return t(k, { feature: featureLabel(t, p.ref), property: p.property, value: p.value, level: levelLabel(t, p.parentDepth) })
    case 'duplicateCode':
    case 'duplicateName':
      return t(k, { feature: featureLabel(t, p.ref), other: featureLabel(t, p.other), property: p.kind === 'duplicateCode' ? p.ref.codeProp : p.ref.nameProp })
    case 'codeInUse':
      return t(k, { feature: featureLabel(t, p.ref), property: p.ref.codeProp, value: p.ref.code, other: p.otherName, level: levelLabel(t, p.otherDepth) })
    case 'outsideParent':
      return t(k, { feature: featureLabel(t, p.ref), parent: p.parent, m2: m2(p.m2, locale), at: at(p.at) })
    case 'gap':
      return t(k, { parent: p.parent, m2: m2(p.m2, locale), at: at(p.at), near: p.near.map((r) => featureLabel(t, r)).join('; ') || '—' })
    case 'overlap':
      return t(k, { feature: featureLabel(t, p.ref), other: featureLabel(t, p.other), m2: m2(p.m2, locale), at: at(p.at) })
    case 'removedWithChildren':
      return t(k, { name: p.name, code: p.code, count: p.children })
    case 'removedStillUsed':
      return t(k, { name: p.name, code: p.code, representatives: p.representatives, census: p.census })
  }
}
