import type { Role } from '../../../db/schema'

/**
 * Who may do what. Permissions are data: each role grants a list, an administrator has every one.
 * Routes check them with requirePermission(request, '…') from app/modules/accounts/auth.server.ts.
 */
export const permissions = [
  'council:access',
  'report:triage',
  'petition:respond',
  'proposal:respond',
  'user:verify',
  'moderation:access',
  'content:moderate',
  'user:block',
  'admin:access',
  'admin:users',
  'admin:census',
  'admin:settings',
] as const
export type Permission = (typeof permissions)[number]

export const permissionsByRole: Record<Role, readonly Permission[]> = {
  staff: ['council:access', 'report:triage', 'petition:respond', 'proposal:respond', 'user:verify'],
  moderator: ['moderation:access', 'content:moderate', 'user:block'],
  admin: permissions,
}

export const roles: readonly Role[] = ['staff', 'moderator', 'admin']

export interface Principal {
  id: number
  verificationLevel: number
  roles: Array<{ role: Role; departmentId: number | null }>
}

export function can(user: Principal | null, permission: Permission): boolean {
  if (!user) return false
  return user.roles.some((r) => permissionsByRole[r.role].includes(permission))
}

/** Departments whose work a staff member may do (all of them for an administrator). */
export function staffDepartments(user: Principal): number[] | 'all' {
  if (user.roles.some((r) => r.role === 'admin')) return 'all'
  return user.roles.filter((r) => r.role === 'staff' && r.departmentId !== null).map((r) => r.departmentId!)
}

/** Verification levels (the brief): what each means. */
export const LEVEL = { unverified: 0, emailConfirmed: 1, residenceVerified: 2, verifiedInPerson: 3 } as const

/**
 * The level each civic action needs by default (CONSUL's defaults: supporting and voting need a
 * verified residence). An administrator can change them (settings key 'verification_requirements');
 * a voting process may set its own.
 */
export const defaultRequirements = {
  comment: 1,
  propose: 1,
  report: 0,
  support: 2,
  sign: 2,
  vote: 2,
} as const
export type CivicAction = keyof typeof defaultRequirements

export function meetsRequirement(level: number, action: CivicAction, overrides: Partial<Record<CivicAction, number>> = {}) {
  return level >= (overrides[action] ?? defaultRequirements[action])
}

/** The level an action needs on this installation: VERIFICATION_LEVELS over the defaults. */
export function requiredLevel(action: CivicAction, configured: Partial<Record<string, number>> = {}): number {
  return configured[action] ?? defaultRequirements[action]
}
