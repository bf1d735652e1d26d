/**
 * The capabilities shown in the main navigation. A capability appears here only once its pages
 * exist (the brief: pages for capabilities not built yet must not pretend).
 */
export interface NavItem {
  path: string
  /** i18n key of its label. */
  labelKey: string
}

export const navigation: NavItem[] = [
  { path: '/', labelKey: 'nav.home' },
  { path: '/map', labelKey: 'geo:nav.map' },
  { path: '/reports', labelKey: 'reports:nav' },
  { path: '/proposals', labelKey: 'proposals:nav' },
  { path: '/petitions', labelKey: 'petitions:nav' },
  { path: '/votes', labelKey: 'votes:nav' },
  { path: '/representatives', labelKey: 'representatives:nav' },
  { path: '/letters/new', labelKey: 'letters:nav' },
  { path: '/information-requests', labelKey: 'foi:nav' },
]
