/**
 * The committed page script (web/dist/app.js) is what `deno task bundle:web` builds from the
 * current sources: a change to web/app.ts or to anything mod.ts imports needs a rebuild.
 */

import { assert } from "../deps/assert.ts";
import { BUNDLE_PATH, bundleWeb } from "../web/bundle.ts";

Deno.test("web/dist/app.js is up to date with its sources (else run deno task bundle:web)", async () => {
  const committed = await Deno.readTextFile(BUNDLE_PATH);
  const fresh = await bundleWeb();
  if (committed !== fresh) {
    const a = committed.split("\n"), b = fresh.split("\n");
    const line = a.findIndex((l, i) => l !== b[i]);
    assert.fail(
      `web/dist/app.js is stale from line ${line + 1} ("${a[line]?.slice(0, 80)}" vs "${
        b[line]?.slice(0, 80)
      }"): run deno task bundle:web and commit the result`,
    );
  }
});
