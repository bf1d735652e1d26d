import type { BackgroundJob } from '../../lib/jobs.server'
import { startPhaseJob } from './processes.server'

/** Processes' background job (listed in manifest.server.ts, started by app/modules/jobs.server.ts). */
export const processJobs: BackgroundJob[] = [
  // A phase that starts is mailed once to the process's followers (issue 21).
  { name: 'processes: phase changes mailed to followers', start: () => startPhaseJob() },
]
