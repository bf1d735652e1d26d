import type { RepresentativeGroup } from './representatives.server'

/** The value of a group's "all of them" checkbox: "level:areaId" (shared by the page and the server). */
export const groupKey = (g: Pick<RepresentativeGroup, 'level' | 'area'>) => `${g.level.code}:${g.area.id}`
