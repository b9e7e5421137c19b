/**
 * Whether a path exists, in the shape of `@std/fs`'s `exists` (JSR is out of reach here), kept
 * in this one place so that swapping to `@std/fs` is a one-line change.
 *
 * @module
 */

/** Resolves true when `path` exists; other errors than NotFound are thrown. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
