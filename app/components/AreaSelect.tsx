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
  areas: Array<{ slug: string; name: string; level: string; parentSlug: string | null }>
  value: string | undefined
  anyLabel: string
  wholeDistrict: (name: string) => string
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name="area" defaultValue={value ?? ''}>
        <option value="">{anyLabel}</option>
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
      </select>
    </div>
  )
}
