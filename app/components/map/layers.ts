/** Okabe–Ito colours for the kinds of item (distinct from the district tints). */
const KIND_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000']

export const kindColour = (index: number) => KIND_COLOURS[index % KIND_COLOURS.length]!
