/** A static, server-rendered map of the city's districts: works without JavaScript or WebGL. */

// Okabe–Ito colours (distinguishable with colour-vision deficiencies), used as light tints.
export const districtColours = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#999999']

export function AreaMapSvg({
  title,
  description,
  width,
  height,
  cityPath,
  districts,
  neighbourhoodPaths,
}: {
  title: string
  description: string
  width: number
  height: number
  cityPath: string
  districts: Array<{ slug: string; name: string; path: string }>
  neighbourhoodPaths: string[]
}) {
  return (
    <svg className="area-map" viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="area-map-title area-map-desc">
      <title id="area-map-title">{title}</title>
      <desc id="area-map-desc">{description}</desc>
      <path d={cityPath} className="area-map__city" fillRule="evenodd" />
      {districts.map((d, i) => (
        <path key={d.slug} d={d.path} fill={districtColours[i % districtColours.length]} className="area-map__district" fillRule="evenodd">
          <title>{d.name}</title>
        </path>
      ))}
      {neighbourhoodPaths.map((p, i) => (
        <path key={i} d={p} className="area-map__neighbourhood" fillRule="evenodd" />
      ))}
    </svg>
  )
}
