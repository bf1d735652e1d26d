/**
 * The laws requests are made under, each with its statutory deadline and the letters Plaza drafts
 * (issue 22). Pure: shared by the server and the pages. The letters are in the law's own language —
 * they are written to a body in that jurisdiction, whatever language the requester reads Plaza in —
 * so they are data here, not catalog entries; what the requester reads about a law is in the `foi`
 * catalogs (laws.<id>.*).
 */

export type Deadline = { unit: 'workingDays'; count: number } | { unit: 'months'; count: number }

export interface Law {
  id: LawId
  /** When an answer is due, counted from the day after the request is received. */
  deadline: Deadline
  /** When a request still unanswered is "long overdue". */
  longOverdue: Deadline
  /** No answer by the deadline counts as a refusal (France: silence for a month = refusal, CRPA L311-13 / R311-13). */
  silenceIsRefusal: boolean
  /** The letter's language. */
  language: string
  letters: {
    request(v: LetterValues): string
    reminder(v: LetterValues): string
    internalReview(v: LetterValues): string
  }
}

export interface LetterValues {
  body: string
  title: string
  request: string
  requester: string
  sentOn: string
  dueOn: string
  url: string
}

export const LAW_IDS = ['uk_foia', 'de_ifg', 'es_19_2013', 'fr_crpa'] as const
export type LawId = (typeof LAW_IDS)[number]

export const LAWS: Record<LawId, Law> = {
  // Freedom of Information Act 2000, s.10(1): promptly and no later than the twentieth working day.
  uk_foia: {
    id: 'uk_foia',
    deadline: { unit: 'workingDays', count: 20 },
    // The ICO's guidance allows 20 more working days at most for the public interest test.
    longOverdue: { unit: 'workingDays', count: 40 },
    silenceIsRefusal: false,
    language: 'en',
    letters: {
      request: (v) =>
        `Dear ${v.body},\n\nPlease send me the following information under the Freedom of Information Act 2000:\n\n${v.request}\n\nI would prefer to receive the information by e-mail, in an electronic format. Section 10 of the Act requires you to respond promptly and no later than twenty working days after receiving this request.\n\nYours faithfully,\n\n${v.requester}`,
      reminder: (v) =>
        `Dear ${v.body},\n\nI made a request for information, "${v.title}", on ${v.sentOn}. By law you should have answered by ${v.dueOn}, and I have not received a response. Please answer without further delay.\n\nThe request and its history: ${v.url}\n\nYours faithfully,\n\n${v.requester}`,
      internalReview: (v) =>
        `Dear ${v.body},\n\nPlease pass this on to the person who conducts Freedom of Information reviews.\n\nI am writing to request an internal review of your handling of my request "${v.title}".\n\n[Explain why you think the answer is wrong or incomplete.]\n\nThe request and its history: ${v.url}\n\nYours faithfully,\n\n${v.requester}`,
    },
  },
  // Informationsfreiheitsgesetz § 7 Abs. 5: innerhalb eines Monats.
  de_ifg: {
    id: 'de_ifg',
    deadline: { unit: 'months', count: 1 },
    longOverdue: { unit: 'months', count: 3 },
    silenceIsRefusal: false,
    language: 'de',
    letters: {
      request: (v) =>
        `Sehr geehrte Damen und Herren (${v.body}),\n\nbitte senden Sie mir Folgendes zu:\n\n${v.request}\n\nDies ist ein Antrag nach § 1 des Gesetzes zur Regelung des Zugangs zu Informationen des Bundes (IFG) bzw. nach dem entsprechenden Landesgesetz. Ich bitte um eine Antwort in elektronischer Form und innerhalb der Frist von einem Monat nach § 7 Abs. 5 IFG.\n\nMit freundlichen Grüßen\n\n${v.requester}`,
      reminder: (v) =>
        `Sehr geehrte Damen und Herren (${v.body}),\n\nmeinen Antrag „${v.title}“ vom ${v.sentOn} haben Sie bisher nicht beantwortet; die gesetzliche Frist ist am ${v.dueOn} abgelaufen. Ich bitte Sie, den Antrag unverzüglich zu bescheiden.\n\nDer Antrag und sein Verlauf: ${v.url}\n\nMit freundlichen Grüßen\n\n${v.requester}`,
      internalReview: (v) =>
        `Sehr geehrte Damen und Herren (${v.body}),\n\ngegen Ihren Bescheid zu meinem Antrag „${v.title}“ lege ich hiermit Widerspruch ein.\n\n[Begründung]\n\nDer Antrag und sein Verlauf: ${v.url}\n\nMit freundlichen Grüßen\n\n${v.requester}`,
    },
  },
  // Ley 19/2013 de transparencia, art. 20.1: un mes desde la recepción (ampliable otro mes).
  es_19_2013: {
    id: 'es_19_2013',
    deadline: { unit: 'months', count: 1 },
    longOverdue: { unit: 'months', count: 2 },
    silenceIsRefusal: true,
    language: 'es',
    letters: {
      request: (v) =>
        `Estimados señores (${v.body}):\n\nAl amparo de la Ley 19/2013, de 9 de diciembre, de transparencia, acceso a la información pública y buen gobierno, solicito la siguiente información:\n\n${v.request}\n\nRuego que me la faciliten por medios electrónicos en el plazo de un mes previsto en el artículo 20.1 de la Ley.\n\nAtentamente,\n\n${v.requester}`,
      reminder: (v) =>
        `Estimados señores (${v.body}):\n\nEl ${v.sentOn} presenté la solicitud «${v.title}». El plazo legal para resolver venció el ${v.dueOn} sin que haya recibido respuesta. Les ruego que resuelvan sin más demora.\n\nLa solicitud y su historial: ${v.url}\n\nAtentamente,\n\n${v.requester}`,
      internalReview: (v) =>
        `Estimados señores (${v.body}):\n\nSolicito la revisión de la resolución dictada sobre mi solicitud «${v.title}», con carácter previo a la reclamación ante el Consejo de Transparencia y Buen Gobierno (art. 24 de la Ley 19/2013).\n\n[Motivos]\n\nLa solicitud y su historial: ${v.url}\n\nAtentamente,\n\n${v.requester}`,
    },
  },
  // Code des relations entre le public et l'administration, L311-1 s. et R311-13: le silence gardé un mois vaut refus (saisine de la CADA).
  fr_crpa: {
    id: 'fr_crpa',
    deadline: { unit: 'months', count: 1 },
    longOverdue: { unit: 'months', count: 2 },
    silenceIsRefusal: true,
    language: 'fr',
    letters: {
      request: (v) =>
        `Madame, Monsieur (${v.body}),\n\nEn application des articles L311-1 et suivants du code des relations entre le public et l'administration, je vous prie de bien vouloir me communiquer les documents suivants :\n\n${v.request}\n\nJe souhaite les recevoir par courrier électronique. À défaut de réponse dans un délai d'un mois, votre silence vaudra refus (article R311-13) et je saisirai la Commission d'accès aux documents administratifs (CADA).\n\nVeuillez agréer, Madame, Monsieur, l'expression de mes salutations distinguées.\n\n${v.requester}`,
      reminder: (v) =>
        `Madame, Monsieur (${v.body}),\n\nLe ${v.sentOn}, je vous ai adressé la demande « ${v.title} ». Le délai d'un mois a expiré le ${v.dueOn} sans réponse de votre part. Je vous prie de me communiquer les documents sans délai.\n\nLa demande et son historique : ${v.url}\n\nVeuillez agréer, Madame, Monsieur, mes salutations distinguées.\n\n${v.requester}`,
      internalReview: (v) =>
        `Madame, Monsieur (${v.body}),\n\nJe vous demande de réexaminer votre réponse à ma demande « ${v.title} », avant de saisir la Commission d'accès aux documents administratifs.\n\n[Motifs]\n\nLa demande et son historique : ${v.url}\n\nVeuillez agréer, Madame, Monsieur, mes salutations distinguées.\n\n${v.requester}`,
    },
  },
}

export const isLawId = (value: unknown): value is LawId => typeof value === 'string' && (LAW_IDS as readonly string[]).includes(value)

/** The law a new body gets when none is given: the one of the city's language. */
export function defaultLaw(locale: string): LawId {
  return locale === 'es' ? 'es_19_2013' : locale === 'fr' ? 'fr_crpa' : 'uk_foia'
}
