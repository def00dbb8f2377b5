/**
 * Writes `src/api/schema.d.ts` from the API's own OpenAPI document, built in-process (no
 * server, no database: the routes are only registered, never called). The console's client
 * is typed by that file, so `tsc` fails when a route or field the console uses leaves the
 * contract (test/contract.test.ts proves it).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { openApiDocument } from "./openapi-doc.js";
import { typesFor } from "./openapi-types.js";

const OUT = fileURLToPath(new URL("../src/api/schema.d.ts", import.meta.url));

const doc = await openApiDocument();
const types = await typesFor(doc);
mkdirSync(fileURLToPath(new URL("../src/api/", import.meta.url)), { recursive: true });
let current = "";
try {
  current = readFileSync(OUT, "utf8");
} catch {}
// Leave the file alone when nothing changed, so the build's staleness check stays quiet.
if (current !== types) writeFileSync(OUT, types);
const count = Object.keys(doc.paths ?? {}).length;
process.stdout.write(`console: OpenAPI client types written (${count} paths)\n`);
