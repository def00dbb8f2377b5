import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { openApiDocument } from "../scripts/openapi-doc.js";
import { typesFor } from "../scripts/openapi-types.js";

const CONSOLE = fileURLToPath(new URL("../", import.meta.url));
// Inside the workspace so that react and openapi-fetch resolve as they do for the real build.
const CHECK = `${CONSOLE}.contract-check/`;
afterAll(() => rmSync(CHECK, { recursive: true, force: true }));

/** Type-checks a copy of the console's sources against the types of `doc`. */
async function typecheckAgainst(doc: { paths?: Record<string, unknown> }) {
  rmSync(CHECK, { recursive: true, force: true });
  mkdirSync(CHECK);
  cpSync(`${CONSOLE}src`, `${CHECK}src`, { recursive: true });
  writeFileSync(`${CHECK}src/api/schema.d.ts`, await typesFor(doc));
  writeFileSync(
    `${CHECK}tsconfig.json`,
    JSON.stringify({ extends: "../tsconfig.json", include: ["src"] }),
  );
  const tsc = fileURLToPath(new URL("../../../node_modules/typescript/bin/tsc", import.meta.url));
  return spawnSync(process.execPath, [tsc, "-p", CHECK], { encoding: "utf8" });
}

describe("the console's client follows the OpenAPI document", () => {
  it("fails to type-check when a route the console uses disappears", async () => {
    const doc = await openApiDocument();
    expect(doc.paths).toHaveProperty(["/api/v1/messages/send-text"]);
    delete doc.paths?.["/api/v1/messages/send-text"];
    const result = await typecheckAgainst(doc);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain('"/api/v1/messages/send-text"');
    expect(result.stdout).toContain("src/pages/home/send-form.tsx");
  }, 180_000);
});
