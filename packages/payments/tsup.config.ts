import { paykitBuild } from "../../tsup.shared.ts"

export default paykitBuild()
