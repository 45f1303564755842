// The quick lane: placeholder, filled in below by the quick-lane change.
import { spawnSync } from "node:child_process"
const run = spawnSync("pnpm", ["vitest", "run", ...process.argv.slice(2)], { stdio: "inherit", env: { ...process.env, PAYKIT_QUICK: "1" } })
process.exit(run.status ?? 1)
