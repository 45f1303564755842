import { paykitProject } from "../../vitest.shared.ts"

export default paykitProject("notify-webhook")
