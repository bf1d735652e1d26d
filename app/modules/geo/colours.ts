// Okabe–Ito colours (distinguishable with colour-vision deficiencies), used as light tints for
// districts on every map and in every legend.
export const districtColours = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#999999']
