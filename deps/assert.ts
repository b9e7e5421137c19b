/** Test assertions, imported from this one place so that swapping to `@std/assert` is a one-line change. */
import assert from "node:assert/strict";
export { assert };
