import { Form, Link } from '@remix-run/react'
import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import type { VotingMethod } from '../../../../../db/schema'
import { FormMessage } from '../../../../components/forms'
import { methods } from '../../methods'
import { OPTION_ROWS, RULE_ROWS, TITLE_MAX } from '../../limits'
import type { FormValues, formChoices, formContext } from '../../processes.server'

/**
 * The administrators' form of a voting process (/admin/votes/new and /admin/votes/:id while
 * editable), in one fieldset component per part. Works without JavaScript: repeated rows grow
 * with "Add more rows"; every error sits next to its field (aria-describedby).
 */

type Choices = Awaited<ReturnType<typeof formChoices>>
type Context = Awaited<ReturnType<typeof formContext>>
/** What the form offers: areas and categories to choose, districts for budget pots, the city's name. */
export interface ProcessFormChoices {
  areas: Choices['areas']
  categories: Choices['categories']
  districts: Context['districts']
  cityName: string
}

export function MethodChooser() {
  const { t } = useTranslation('votesAdmin')
  return (
    <>
      <p>{t('new.chooseMethod')}</p>
      <ul className="link-list">
        {methods.map((m) => (
          <li key={m}>
            <Link to={`/admin/votes/new?method=${m}`}>{t(`voting:method.${m}`)}</Link> — {t(`methodHint.${m}`)}
          </li>
        ))}
      </ul>
    </>
  )
}

// ---------------------------------------------------------------------------------------------
// The form

function fieldErrors(errors: Record<string, string>) {
  const idOf = (name: string) => `field-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`
  return {
    idOf,
    error(name: string) {
      return errors[name] ? (
        <p className="field-error" id={`${idOf(name)}-error`}>
          {errors[name]}
        </p>
      ) : null
    },
    attrs(name: string, hint = false) {
      const described = [hint ? `${idOf(name)}-hint` : null, errors[name] ? `${idOf(name)}-error` : null].filter(Boolean).join(' ')
      return { id: idOf(name), name, 'aria-invalid': errors[name] ? true : undefined, 'aria-describedby': described || undefined }
    },
  }
}

/** What every fieldset uses: the values typed, the errors, and helpers that tie them to inputs. */
function useFormKit(values: FormValues, errors: Record<string, string>) {
  const { t } = useTranslation('votesAdmin')
  const { error, attrs, idOf } = fieldErrors(errors)
  const v = (name: string) => values[name] ?? ''
  const rows = (name: string, fallback: number) => Math.max(fallback, Math.min(Number(v(name)) || fallback, 10_000))
  const hint = (name: string, text: string) => (
    <p className="field__hint" id={`${idOf(name)}-hint`}>
      {text}
    </p>
  )
  const field = (name: string, label: string, input: ReactNode, hintText?: string) => (
    <div className={`field${errors[name] ? ' field--error' : ''}`}>
      <label htmlFor={idOf(name)}>{label}</label>
      {hintText ? hint(name, hintText) : null}
      {error(name)}
      {input}
    </div>
  )
  return { t, v, rows, error, attrs, idOf, field, errors }
}
type FormKit = ReturnType<typeof useFormKit>
type Pot = { key: string; name: string }

export function ProcessForm({ values, errors, form, isNew }: { values: FormValues; errors: Record<string, string>; form: ProcessFormChoices; isNew: boolean }) {
  const kit = useFormKit(values, errors)
  const { t, v, rows } = kit
  const method = v('method') as VotingMethod
  const optionRows = rows('optionRows', OPTION_ROWS)
  const projectRows = rows('projectRows', OPTION_ROWS)
  const ruleRows = rows('ruleRows', RULE_ROWS)
  const pots: Pot[] = [{ key: 'city', name: t('form.cityPot', { city: form.cityName }) }, ...form.districts.map((d) => ({ key: d.slug, name: d.name }))]

  return (
    <Form method="post" noValidate className="stack council-form" aria-label={isNew ? t('new.title') : t('form.editLabel')}>
      {values.proposal ? <input type="hidden" name="proposal" value={values.proposal} /> : null}
      <input type="hidden" name="optionRows" value={optionRows} />
      <input type="hidden" name="projectRows" value={projectRows} />
      <input type="hidden" name="ruleRows" value={ruleRows} />
      {values.proposal ? <FormMessage tone="info">{t('new.forProposal', { id: values.proposal })}</FormMessage> : null}
      {errors.form ? <FormMessage tone="error">{errors.form}</FormMessage> : null}

      <AboutFieldset kit={kit} form={form} />
      <WhoFieldset kit={kit} form={form} />
      <DatesFieldset kit={kit} />
      <MethodFieldset kit={kit} method={method} optionRows={optionRows} projectRows={projectRows} pots={pots} />
      <PolicyFieldset kit={kit} ruleRows={ruleRows} />

      <p className="inline-links">
        <button type="submit" name="intent" value="save">
          {isNew ? t('form.create') : t('form.save')}
        </button>
        <button type="submit" name="intent" value="rows" className="secondary">
          {t('form.moreRows')}
        </button>
      </p>
    </Form>
  )
}

function AboutFieldset({ kit, form }: { kit: FormKit; form: ProcessFormChoices }) {
  const { t, v, attrs, field } = kit
  return (
    <fieldset>
      <legend>{t('form.about')}</legend>
      {field('title', t('form.title'), <input {...attrs('title')} type="text" defaultValue={v('title')} maxLength={TITLE_MAX + 50} size={60} />)}
      {field('description', t('form.description'), <textarea {...attrs('description', true)} rows={8} defaultValue={v('description')} />, t('form.descriptionHint'))}
      {field(
        'category',
        t('form.category'),
        <select {...attrs('category', true)} defaultValue={v('category')}>
          <option value="">{t('form.noCategory')}</option>
          {form.categories.map((c) => (
            <option key={c.code} value={c.code}>
              {c.name}
            </option>
          ))}
        </select>,
        t('form.categoryHint'),
      )}
    </fieldset>
  )
}

function WhoFieldset({ kit, form }: { kit: FormKit; form: ProcessFormChoices }) {
  const { t, v, attrs, field } = kit
  return (
    <fieldset>
      <legend>{t('form.who')}</legend>
      {field(
        'area',
        t('form.area'),
        <select {...attrs('area', true)} defaultValue={v('area')}>
          <option value="">{t('form.wholeCity', { city: form.cityName })}</option>
          {form.areas.map((d) => (
            <optgroup key={d.id} label={d.name}>
              <option value={d.id}>{t('form.district', { name: d.name })}</option>
              {d.neighbourhoods.map((n) => (
                <option key={n.id} value={n.id}>
                  {n.name}
                </option>
              ))}
            </optgroup>
          ))}
        </select>,
        t('form.areaHint'),
      )}
      <label className="choice">
        <input type="checkbox" name="residentsOnly" defaultChecked={v('residentsOnly') === 'on'} aria-describedby="residents-only-hint" /> {t('form.residentsOnly')}
      </label>
      <p className="field__hint" id="residents-only-hint">
        {t('form.residentsOnlyHint')}
      </p>
      {field(
        'requiredLevel',
        t('form.requiredLevel'),
        <select {...attrs('requiredLevel', true)} defaultValue={v('requiredLevel')}>
          {[0, 1, 2, 3].map((level) => (
            <option key={level} value={level}>
              {t(`level.${level}`)}
            </option>
          ))}
        </select>,
        t('form.requiredLevelHint'),
      )}
      <label className="choice">
        <input type="checkbox" name="delegation" defaultChecked={v('delegation') === 'on'} aria-describedby="delegation-hint" /> {t('form.delegation')}
      </label>
      <p className="field__hint" id="delegation-hint">
        {t('form.delegationHint')}
      </p>
      <label className="choice">
        <input type="checkbox" name="liveResults" defaultChecked={v('liveResults') === 'on'} aria-describedby="live-results-hint" /> {t('form.liveResults')}
      </label>
      <p className="field__hint" id="live-results-hint">
        {t('form.liveResultsHint')}
      </p>
    </fieldset>
  )
}

function DatesFieldset({ kit }: { kit: FormKit }) {
  const { t, v, attrs, field, idOf, errors } = kit
  return (
    <fieldset>
      <legend>{t('form.dates')}</legend>
      <p className="field__hint" id="dates-hint">
        {t('form.datesHint')}
      </p>
      {field(
        'opensAt',
        t('form.opensAt'),
        <input {...attrs('opensAt')} type="datetime-local" defaultValue={v('opensAt')} aria-describedby={['dates-hint', errors.opensAt ? `${idOf('opensAt')}-error` : ''].join(' ').trim()} />,
      )}
      {field(
        'closesAt',
        t('form.closesAt'),
        <input {...attrs('closesAt')} type="datetime-local" defaultValue={v('closesAt')} aria-describedby={['dates-hint', errors.closesAt ? `${idOf('closesAt')}-error` : ''].join(' ').trim()} />,
      )}
    </fieldset>
  )
}

function MethodFieldset({ kit, method, optionRows, projectRows, pots }: { kit: FormKit; method: VotingMethod; optionRows: number; projectRows: number; pots: Pot[] }) {
  const { t, attrs, field } = kit
  return (
    <fieldset>
      <legend>{t('form.method')}</legend>
      {field(
        'method',
        t('form.methodLabel'),
        <select {...attrs('method', true)} defaultValue={method}>
          {methods.map((m) => (
            <option key={m} value={m}>
              {t(`voting:method.${m}`)}
            </option>
          ))}
        </select>,
        t(`methodHint.${method}`),
      )}
      <button type="submit" name="intent" value="method" className="secondary">
        {t('form.showMethod')}
      </button>

      {method === 'approval' || method === 'quadratic' || method === 'ranked' ? <OptionRows kit={kit} method={method} optionRows={optionRows} /> : null}

      {method === 'yesno' ? <p>{t('form.yesnoNote')}</p> : null}

      {method === 'budget' ? <BudgetTables kit={kit} projectRows={projectRows} pots={pots} /> : null}
    </fieldset>
  )
}

function OptionRows({ kit, method, optionRows }: { kit: FormKit; method: VotingMethod; optionRows: number }) {
  const { t, v, attrs, field, error } = kit
  return (
    <>
      <h3 id="options-heading">{t('form.options')}</h3>
      <p className="field__hint">{t('form.optionsHint')}</p>
      {error('options')}
      <ol>
        {Array.from({ length: optionRows }, (_, i) => (
          <li key={i}>
            {error(`option.${i}`)}
            <input {...attrs(`option.${i}`)} type="text" defaultValue={v(`option.${i}`)} size={50} aria-label={t('form.optionN', { n: i + 1 })} />
          </li>
        ))}
      </ol>
      {method === 'quadratic'
        ? field('credits', t('form.credits'), <input {...attrs('credits', true)} type="text" inputMode="numeric" defaultValue={v('credits')} size={8} />, t('form.creditsHint'))
        : null}
      {method === 'approval' || method === 'ranked' ? (
        <>
          {field(
            'maxChoices',
            method === 'approval' ? t('form.maxApprovals') : t('form.maxRanked'),
            <input {...attrs('maxChoices', true)} type="text" inputMode="numeric" defaultValue={v('maxChoices')} size={5} />,
            t('form.maxChoicesHint'),
          )}
          {field('minChoices', t('form.minChoices'), <input {...attrs('minChoices', true)} type="text" inputMode="numeric" defaultValue={v('minChoices')} size={5} />, t('form.minChoicesHint'))}
        </>
      ) : null}
    </>
  )
}

/** A budget's pots (one per district and the city) and its projects. */
function BudgetTables({ kit, projectRows, pots }: { kit: FormKit; projectRows: number; pots: Pot[] }) {
  const { t, v, attrs, field, error } = kit
  return (
    <>
      {field('currency', t('form.currency'), <input {...attrs('currency', true)} type="text" defaultValue={v('currency') || 'EUR'} size={4} maxLength={3} />, t('form.currencyHint'))}
      <h3 id="pots-heading">{t('form.pots')}</h3>
      <p className="field__hint">{t('form.potsHint')}</p>
      {error('pots')}
      <table className="data-table" aria-labelledby="pots-heading">
        <thead>
          <tr>
            <th scope="col">{t('form.pot')}</th>
            <th scope="col">{t('form.potBudget')}</th>
            <th scope="col">{t('form.potLimit')}</th>
          </tr>
        </thead>
        <tbody>
          {pots.map((pot) => (
            <tr key={pot.key}>
              <th scope="row">{pot.name}</th>
              <td>
                {error(`pot.${pot.key}.budget`)}
                <input {...attrs(`pot.${pot.key}.budget`)} type="text" inputMode="numeric" defaultValue={v(`pot.${pot.key}.budget`)} size={12} aria-label={t('form.potBudgetOf', { pot: pot.name })} />
              </td>
              <td>
                {error(`pot.${pot.key}.limit`)}
                <input {...attrs(`pot.${pot.key}.limit`)} type="text" inputMode="numeric" defaultValue={v(`pot.${pot.key}.limit`)} size={12} aria-label={t('form.potLimitOf', { pot: pot.name })} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {field(
        'maxDistricts',
        t('form.maxDistricts'),
        <input {...attrs('maxDistricts', true)} type="text" inputMode="numeric" defaultValue={v('maxDistricts') || '1'} size={4} />,
        t('form.maxDistrictsHint'),
      )}
      <h3 id="projects-heading">{t('form.projects')}</h3>
      <p className="field__hint">{t('form.projectsHint')}</p>
      {error('projects')}
      <table className="data-table" aria-labelledby="projects-heading">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">{t('form.projectTitle')}</th>
            <th scope="col">{t('form.projectCost')}</th>
            <th scope="col">{t('form.projectPot')}</th>
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: projectRows }, (_, i) => (
            <tr key={i}>
              <td>{i + 1}</td>
              <td>
                {error(`project.${i}.title`)}
                <input {...attrs(`project.${i}.title`)} type="text" defaultValue={v(`project.${i}.title`)} size={40} aria-label={t('form.projectTitleN', { n: i + 1 })} />
              </td>
              <td>
                {error(`project.${i}.cost`)}
                <input {...attrs(`project.${i}.cost`)} type="text" inputMode="numeric" defaultValue={v(`project.${i}.cost`)} size={12} aria-label={t('form.projectCostN', { n: i + 1 })} />
              </td>
              <td>
                {error(`project.${i}.pot`)}
                <select {...attrs(`project.${i}.pot`)} defaultValue={v(`project.${i}.pot`) || 'city'} aria-label={t('form.projectPotN', { n: i + 1 })}>
                  {pots.map((pot) => (
                    <option key={pot.key} value={pot.key}>
                      {pot.name}
                    </option>
                  ))}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}

function PolicyFieldset({ kit, ruleRows }: { kit: FormKit; ruleRows: number }) {
  const { t, v, attrs, field, error, errors } = kit
  return (
    <fieldset>
      <legend>{t('form.policy')}</legend>
      <p className="field__hint">{t('form.policyHint')}</p>
      {error('policy')}
      {(['equal', 'brief', 'residents', 'custom'] as const).map((preset) => (
        <div key={preset}>
          <label className="choice">
            <input type="radio" name="policy" value={preset} defaultChecked={(v('policy') || 'equal') === preset} aria-describedby={`policy-${preset}-hint`} /> {t(`preset.${preset}`)}
          </label>
          <p className="field__hint" id={`policy-${preset}-hint`}>
            {t(`preset.${preset}Hint`)}
          </p>
        </div>
      ))}
      <details open={v('policy') === 'custom' || Object.keys(errors).some((k) => k.startsWith('rule.') || k === 'policyDefault')}>
        <summary>{t('form.rules')}</summary>
        <p className="field__hint">{t('form.rulesHint')}</p>
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">{t('form.ruleLevel')}</th>
              <th scope="col">{t('form.ruleResidence')}</th>
              <th scope="col">{t('form.ruleWeight')}</th>
            </tr>
          </thead>
          <tbody>
            {Array.from({ length: ruleRows }, (_, i) => (
              <tr key={i}>
                <td>{i + 1}</td>
                <td>
                  {error(`rule.${i}.minLevel`)}
                  <select {...attrs(`rule.${i}.minLevel`)} defaultValue={v(`rule.${i}.minLevel`) || '0'} aria-label={t('form.ruleLevelN', { n: i + 1 })}>
                    {[0, 1, 2, 3].map((level) => (
                      <option key={level} value={level}>
                        {t(`atLeast.${level}`)}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  {error(`rule.${i}.residence`)}
                  <select {...attrs(`rule.${i}.residence`)} defaultValue={v(`rule.${i}.residence`) || 'any'} aria-label={t('form.ruleResidenceN', { n: i + 1 })}>
                    <option value="any">{t('residence.any')}</option>
                    <option value="inside">{t('residence.inside')}</option>
                    <option value="outside">{t('residence.outside')}</option>
                  </select>
                </td>
                <td>
                  {error(`rule.${i}.weight`)}
                  <input {...attrs(`rule.${i}.weight`)} type="text" inputMode="text" defaultValue={v(`rule.${i}.weight`)} size={6} aria-label={t('form.ruleWeightN', { n: i + 1 })} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {field('policyDefault', t('form.policyDefault'), <input {...attrs('policyDefault', true)} type="text" defaultValue={v('policyDefault') || '0'} size={6} />, t('form.policyDefaultHint'))}
      </details>
    </fieldset>
  )
}
