import { readdirSync, readFileSync } from "node:fs"

/**
 * CPU time for the benches: this process's (`process.cpuUsage`) and a local PostgreSQL
 * server's (`/proc/<pid>/stat`, utime + stime). CPU per write does not depend on what else the
 * machine runs, unlike the rate, which on a loaded machine is mostly the share of the cores the
 * bench gets; so it is the figure to compare across runs and against a peer.
 */
const TICK_MS = 10 // USER_HZ is 100 on Linux

/** CPU milliseconds `pids` have used; NaN when one cannot be read (the server is elsewhere). */
export const cpuOf = (pids: ReadonlyArray<number>): number => {
  if (pids.length === 0) return Number.NaN
  let ticks = 0
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {
      return Number.NaN
    }
  }
  return ticks * TICK_MS
}

/** CPU milliseconds this process has used. */
export const nodeCpu = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/**
 * CPU milliseconds every local `postgres` process has used (backends, WAL writer, checkpointer:
 * a commit's cost is partly theirs); NaN when no such process is visible.
 */
export const serverCpu = (): number => {
  let ticks = 0
  let seen = 0
  let entries: Array<string>
  try {
    entries = readdirSync("/proc")
  } catch {
    return Number.NaN
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8")
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))
      if (comm !== "postgres") continue
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      ticks += Number(fields[11]) + Number(fields[12])
      seen++
    } catch {
      // the process ended between the listing and the read
    }
  }
  return seen === 0 ? Number.NaN : ticks * TICK_MS
}
