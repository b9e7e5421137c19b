/** Command-line parsing, imported from this one place so that swapping to `@std/cli` is a one-line change. */
export { parseArgs } from "node:util";
