import type { Role } from '../../../db/schema'
import { deactivateAccount, grantRole, reactivateAccount, removeRole } from '../accounts/accounts.server'
import { recordAudit } from '../moderation/moderation.server'

/**
 * Staff administration: granting, revoking, deactivating — accounts does the change, this adds
 * the audit entry in the same transaction (who, what, before, after, when).
 */

export function grantStaffRole(adminId: number, userId: number, role: Role, departmentId: number | null) {
  return grantRole(adminId, userId, role, departmentId, (trx) =>
    recordAudit(trx, {
      actorId: adminId,
      action: 'staff.grant-role',
      targetKind: 'user',
      targetId: userId,
      after: { role, departmentId: role === 'staff' ? departmentId : null },
    }),
  )
}

export function revokeStaffRole(adminId: number, roleId: number) {
  return removeRole(adminId, roleId, (trx, removed) =>
    recordAudit(trx, {
      actorId: adminId,
      action: 'staff.revoke-role',
      targetKind: 'user',
      targetId: removed.userId,
      before: { role: removed.role, departmentId: removed.departmentId },
    }),
  )
}

export function deactivateStaff(adminId: number, userId: number, reason: string | null) {
  return deactivateAccount(adminId, userId, (trx) =>
    recordAudit(trx, {
      actorId: adminId,
      action: 'account.deactivate',
      targetKind: 'user',
      targetId: userId,
      before: { active: true },
      after: { active: false },
      reason,
    }),
  )
}

export function reactivateStaff(adminId: number, userId: number) {
  return reactivateAccount(userId, (trx) =>
    recordAudit(trx, {
      actorId: adminId,
      action: 'account.reactivate',
      targetKind: 'user',
      targetId: userId,
      before: { active: false },
      after: { active: true },
    }),
  )
}
