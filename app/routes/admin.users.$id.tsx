import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { requirePermission } from '../modules/accounts/auth.server'
import { translatorFor } from '../lib/i18n.server'
import { formFields, readForm } from '../lib/forms.server'
import { Field, FormMessage } from '../components/forms'
import { accountForAdmin, listDepartments, userRoles } from '../modules/accounts/accounts.server'
import { deactivateStaff, grantStaffRole, reactivateStaff, revokeStaffRole } from '../modules/city/staff.server'
import { deactivateSchema } from '../modules/city/schema'
import { namesIn } from '../lib/localized.server'
import { grantRoleSchema, removeRoleSchema } from '../modules/accounts/schema'
import { fail, type FormFailure } from '../modules/accounts/form.server'
import { roles } from '../modules/accounts/policy'

async function target(id: string | undefined) {
  // Deactivated accounts too: an administrator may look at them and reactivate them.
  const row = /^\d+$/.test(id ?? '') ? await accountForAdmin(Number(id)) : null
  if (!row) throw new Response('Not Found', { status: 404 })
  return { id: row.id, displayName: row.display_name, email: row.email, verificationLevel: row.verification_level, deactivatedAt: row.deactivated_at }
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, 'admin:users')
  const user = await target(params.id)
  const { t, locale } = await translatorFor(request)
  const [roles, departments] = await Promise.all([userRoles(user.id), listDepartments()])
  return {
    title: t('accounts:admin.userTitle', { name: user.displayName }),
    user: { id: user.id, displayName: user.displayName, email: user.email, level: user.verificationLevel, deactivated: user.deactivatedAt !== null },
    roles: roles.map((r) => ({ ...r, department: r.department === null ? null : namesIn(locale)(r.department) })),
    departments: departments.map((d) => ({ id: d.id, name: namesIn(locale)(d.name) })),
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title} · Plaza` }]

export async function action({ request, params }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'admin:users')
  const user = await target(params.id)
  const { t } = await translatorFor(request)
  const fields = formFields(await readForm(request))
  if (fields.intent === 'deactivate') {
    const parsed = deactivateSchema.safeParse(fields)
    if (!parsed.success) return fail(400, { reason: [t('city:errors.reasonTooLong')] }, fields)
    const result = await deactivateStaff(admin.id, user.id, parsed.data.reason || null)
    if (result.kind === 'self') return fail(409, { form: [t('city:staff.notSelf')] })
    if (result.kind === 'notFound') throw new Response('Not Found', { status: 404 })
    return { done: 'deactivated' as const }
  }
  if (fields.intent === 'reactivate') {
    const result = await reactivateStaff(admin.id, user.id)
    if (result.kind === 'notFound') return fail(409, { form: [t('city:staff.notDeactivated')] })
    return { done: 'reactivated' as const }
  }
  if (fields.intent === 'remove') {
    const parsed = removeRoleSchema.safeParse(fields)
    if (!parsed.success) return fail(400, { form: [t('accounts:errors.roleInvalid')] })
    const owned = (await userRoles(user.id)).some((r) => r.id === parsed.data.roleId)
    if (!owned) return fail(404, { form: [t('accounts:errors.roleInvalid')] })
    const result = await revokeStaffRole(admin.id, parsed.data.roleId)
    if (result.kind === 'ownAdmin') return fail(409, { form: [t('accounts:errors.ownAdmin')] })
    return { done: 'removed' as const }
  }
  const parsed = grantRoleSchema.safeParse(fields)
  if (!parsed.success) return fail(400, { role: [t('accounts:errors.roleInvalid')] }, fields)
  const result = await grantStaffRole(admin.id, user.id, parsed.data.role, parsed.data.departmentId ?? null)
  if (result.kind === 'noSuchDepartment') return fail(400, { departmentId: [t('accounts:errors.departmentRequired')] }, fields)
  if (result.kind === 'alreadyHas') return fail(409, { role: [t('accounts:errors.alreadyHas')] }, fields)
  if (result.kind === 'noSuchUser') throw new Response('Not Found', { status: 404 })
  return { done: 'granted' as const }
}

export default function AdminUser() {
  const { user, roles: held, departments } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>() as
    (FormFailure & { done?: undefined }) | { done: 'granted' | 'removed' | 'deactivated' | 'reactivated'; errors?: undefined; values?: undefined } | undefined
  const { t } = useTranslation('accounts')
  return (
    <section className="page narrow">
      <p>
        <Link to="/admin/users">{t('hub.back')}</Link>
      </p>
      <h1>{t('admin.userTitle', { name: user.displayName })}</h1>
      <dl className="summary">
        <div>
          <dt>{t('admin.email')}</dt>
          <dd>{user.email}</dd>
        </div>
        <div>
          <dt>{t('admin.level')}</dt>
          <dd>{t(`account.levels.${user.level}`)}</dd>
        </div>
      </dl>
      {result?.done ? <FormMessage tone="success">{result.done === 'deactivated' || result.done === 'reactivated' ? t(`city:staff.${result.done}`) : t(`admin.${result.done}`)}</FormMessage> : null}
      {result?.errors?.form ? <FormMessage tone="error">{result.errors.form[0]}</FormMessage> : null}
      <h2>{t('admin.roles')}</h2>
      {held.length === 0 ? (
        <p>{t('admin.noRoles')}</p>
      ) : (
        <ul className="role-list">
          {held.map((r) => (
            <li key={r.id}>
              <span>{r.department ? `${t(`roles.${r.role}`)} (${r.department})` : t(`roles.${r.role}`)}</span>
              <Form method="post">
                <input type="hidden" name="intent" value="remove" />
                <input type="hidden" name="roleId" value={r.id} />
                <button type="submit" className="secondary" aria-label={`${t('admin.remove')}: ${r.department ? `${t(`roles.${r.role}`)} (${r.department})` : t(`roles.${r.role}`)}`}>
                  {t('admin.remove')}
                </button>
              </Form>
            </li>
          ))}
        </ul>
      )}
      <h2>{t('admin.grant')}</h2>
      <Form method="post" noValidate className="stack">
        <input type="hidden" name="intent" value="grant" />
        <Field name="role" label={t('fields.role')} error={result?.errors?.role?.[0]}>
          <select id="field-role" name="role" defaultValue={result?.values?.role ?? 'staff'}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field name="departmentId" label={t('fields.department')} error={result?.errors?.departmentId?.[0]}>
          <select id="field-departmentId" name="departmentId" defaultValue={result?.values?.departmentId ?? ''}>
            <option value="">–</option>
            {departments.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit">{t('admin.grant')}</button>
      </Form>
      <h2>{t('city:staff.accountHeading')}</h2>
      {user.deactivated ? (
        <>
          <p>{t('city:staff.isDeactivated')}</p>
          <Form method="post">
            <input type="hidden" name="intent" value="reactivate" />
            <button type="submit">{t('city:staff.reactivate')}</button>
          </Form>
        </>
      ) : (
        <Form method="post" noValidate className="stack">
          <input type="hidden" name="intent" value="deactivate" />
          <p>{t('city:staff.deactivateIntro')}</p>
          <Field name="reason" label={t('city:staff.reason')} defaultValue={result?.values?.reason} error={result?.errors?.reason?.[0]} />
          <button type="submit" className="danger">
            {t('city:staff.deactivate')}
          </button>
        </Form>
      )}
    </section>
  )
}
