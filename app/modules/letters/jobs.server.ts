import type { BackgroundJob } from '../../lib/jobs.server'
import { registerLetterMail } from './letters.server'
import { startLetterJobs } from './questionnaire.server'

/** The letters' background jobs (listed in manifest.server.ts, started by app/modules/jobs.server.ts). */
export const letterJobs: BackgroundJob[] = [
  {
    name: 'letters: questionnaires two weeks on, reconciling and retention',
    start: () => {
      // This process may deliver mail (scripts/start.ts) without serving pages: it hears letter outcomes itself.
      registerLetterMail()
      return startLetterJobs()
    },
  },
]
