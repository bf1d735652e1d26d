/**
 * The CPU time of a process and everything under it, sampled from /proc (Linux) while it runs.
 *
 * GNU time (`/usr/bin/time`) counts only the processes that their parents waited for: Chromium's
 * processes are not among them (Playwright's part printed 21.3 CPU-s by GNU time for a test whose
 * processes, sampled, used 42.8; ADR 161). This walks the process tree under `root` every `everyMs`
 * and keeps the highest user + system time seen for each process: a process that exits loses what it
 * used after its last sample, and one that lives less than `everyMs` may not be seen at all, so the
 * figure is a floor. Elsewhere than Linux it reports null.
 */
import fs from 'node:fs'

const TICKS_PER_SECOND = 100

interface Stat {
  ppid: number
  /** user + system, seconds */
  cpu: number
  /** when it started (clock ticks since boot): with the pid, names one process even when pids are reused */
  started: string
}

function readStat(pid: string): Stat | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: the fields after it start at the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND, started: fields[19] ?? '' }
  } catch {
    return null
  }
}

export interface TreeCpu {
  /** stops sampling and returns the CPU-seconds seen under the root (null where /proc cannot be read) */
  stop: () => number | null
}

export function sampleTreeCpu(root: number, everyMs = 1000): TreeCpu {
  if (!fs.existsSync('/proc/self/stat')) return { stop: () => null }
  const seen = new Map<string, number>()
  const sample = () => {
    const children = new Map<number, string[]>()
    const stats = new Map<string, Stat>()
    let pids: string[]
    try {
      pids = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))
    } catch {
      return
    }
    for (const pid of pids) {
      const stat = readStat(pid)
      if (!stat) continue
      stats.set(pid, stat)
      const list = children.get(stat.ppid) ?? []
      list.push(pid)
      children.set(stat.ppid, list)
    }
    const stack = stats.has(String(root)) ? [String(root)] : []
    while (stack.length) {
      const pid = stack.pop()!
      const stat = stats.get(pid)!
      const key = `${pid}@${stat.started}`
      seen.set(key, Math.max(seen.get(key) ?? 0, stat.cpu))
      stack.push(...(children.get(Number(pid)) ?? []))
    }
  }
  sample()
  const timer = setInterval(sample, everyMs)
  timer.unref()
  return {
    stop() {
      clearInterval(timer)
      sample()
      let total = 0
      for (const cpu of seen.values()) total += cpu
      return total
    },
  }
}
