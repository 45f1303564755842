import { paykitProject } from "../../vitest.shared.ts"

export default paykitProject("store-postgres", { testTimeout: 600_000 })
