// The quick lane: `pnpm test:quick`. The same Vitest projects as `pnpm test`, with PAYKIT_QUICK=1
// so that vitest.shared.ts leaves out the files only the full lane runs (PostgreSQL-server
// suites, several pools and processes, SIGKILL crash tests, fuzzers, the 1,000-run model).
// Extra arguments go to Vitest (`pnpm test:quick --project ledger`).
import { spawnSync } from "node:child_process"

const run = spawnSync("pnpm", ["vitest", "run", ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, PAYKIT_QUICK: "1" }
})
process.exit(run.status ?? 1)
