import { describe, expect, it } from 'vitest'
import { can, meetsRequirement, requiredLevel, permissions, permissionsByRole, staffDepartments, type Principal } from './policy'

const person = (roles: Principal['roles'], verificationLevel = 1): Principal => ({ id: 1, verificationLevel, roles })

describe('permissions', () => {
  it('gives an administrator every permission and a citizen none', () => {
    for (const p of permissions) {
      expect(can(person([{ role: 'admin', departmentId: null }]), p)).toBe(true)
      expect(can(person([]), p)).toBe(false)
      expect(can(null, p)).toBe(false)
    }
  })

  it('keeps staff and moderators to their own work', () => {
    const staff = person([{ role: 'staff', departmentId: 3 }])
    const moderator = person([{ role: 'moderator', departmentId: null }])
    expect(can(staff, 'report:triage')).toBe(true)
    expect(can(staff, 'content:moderate')).toBe(false)
    expect(can(staff, 'admin:users')).toBe(false)
    expect(can(moderator, 'content:moderate')).toBe(true)
    expect(can(moderator, 'report:triage')).toBe(false)
    expect(can(moderator, 'admin:census')).toBe(false)
    expect(permissionsByRole.staff).not.toContain('admin:access')
  })

  it('limits staff to their departments; administrators see all', () => {
    expect(
      staffDepartments(
        person([
          { role: 'staff', departmentId: 3 },
          { role: 'staff', departmentId: 5 },
        ]),
      ),
    ).toEqual([3, 5])
    expect(staffDepartments(person([{ role: 'admin', departmentId: null }]))).toBe('all')
    expect(staffDepartments(person([{ role: 'moderator', departmentId: null }]))).toEqual([])
  })
})

describe('verification requirements', () => {
  it('has CONSUL’s defaults: comment at level 1; support, sign and vote at level 2', () => {
    expect(meetsRequirement(1, 'comment')).toBe(true)
    expect(meetsRequirement(0, 'comment')).toBe(false)
    for (const action of ['support', 'sign', 'vote'] as const) {
      expect(meetsRequirement(1, action)).toBe(false)
      expect(meetsRequirement(2, action)).toBe(true)
    }
  })

  it('follows an override (a process that lets e-mail-confirmed people vote)', () => {
    expect(meetsRequirement(1, 'vote', { vote: 1 })).toBe(true)
  })
})

describe('requiredLevel', () => {
  it('uses the installation’s VERIFICATION_LEVELS over the defaults', () => {
    expect(requiredLevel('vote')).toBe(2)
    expect(requiredLevel('vote', { vote: 3 })).toBe(3)
    expect(requiredLevel('comment', { vote: 3 })).toBe(1)
  })
})
