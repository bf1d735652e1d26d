type AreaOption = { slug: string; name: string; level: string; parentSlug: string | null }

/**
 * The options of a district/neighbourhood choice: each district (its whole area first) with its
 * neighbourhoods, as optgroups. For any select whose name or first option differ from AreaSelect's.
 */
export function AreaOptions({ areas, wholeDistrict }: { areas: readonly AreaOption[]; wholeDistrict: (name: string) => string }) {
  return (
    <>
      {areas
        .filter((a) => a.level === 'district')
        .map((d) => (
          <optgroup key={d.slug} label={d.name}>
            <option value={d.slug}>{wholeDistrict(d.name)}</option>
            {areas
              .filter((a) => a.parentSlug === d.slug)
              .map((n) => (
                <option key={n.slug} value={n.slug}>
                  {n.name}
                </option>
              ))}
          </optgroup>
        ))}
    </>
  )
}

/**
 * A district/neighbourhood filter for lists: "anywhere", then each district (its whole area first)
 * with its neighbourhoods. Labels come translated from the page.
 */
export function AreaSelect({
  id,
  label,
  areas,
  value,
  anyLabel,
  wholeDistrict,
}: {
  id: string
  label: string
  areas: readonly AreaOption[]
  value: string | undefined
  anyLabel: string
  wholeDistrict: (name: string) => string
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name="area" defaultValue={value ?? ''}>
        <option value="">{anyLabel}</option>
        <AreaOptions areas={areas} wholeDistrict={wholeDistrict} />
      </select>
    </div>
  )
}
