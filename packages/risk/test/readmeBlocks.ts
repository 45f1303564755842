/** The README helpers of @paykit/core/testing, bound to this package. */
import { Readme } from "@paykit/core/testing"

export const { readmeBlock, withoutImports, markedRegion, fixture, startService, post } = Readme.forPackage(
  new URL("..", import.meta.url)
)
