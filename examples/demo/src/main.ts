/**
 * `pnpm demo`: the project's main job, run on a fresh machine with no setup.
 */
import { runCoreDemo } from "./core-demo.ts"

const started = performance.now()
console.log("paykit demo")
runCoreDemo()
console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(2)} s`)
