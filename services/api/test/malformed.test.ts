import { ERROR_CODES } from "@wagate/contracts";
import { beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, seedAccount, useTestApp } from "./harness.js";

/**
 * Malformed requests generated from the served OpenAPI document for EVERY operation, with
 * credentials of the right kind so validation is reached: wrong content types, NUL bytes in
 * path, query and body strings, wrong types, empty, malformed and oversized bodies, odd ids.
 * Nothing may answer 5xx, and every 4xx carries the error envelope.
 */
const MAX_BODY_BYTES = 4096;
const t = useTestApp({
  MAX_BODY_BYTES: String(MAX_BODY_BYTES),
  API_KEY_RATE_LIMIT_PER_SECOND: "100000",
  LOGIN_IP_MAX_ATTEMPTS: "100000",
  PASSWORD_RESET_MIN_RESPONSE_MS: "0",
});

interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  format?: string;
  minLength?: number;
  example?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
}
interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  security?: Array<Record<string, string[]>>;
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}
interface Case {
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const METHODS = ["get", "post", "put", "patch", "delete"];
const ODD_IDS = ["%00", "x".repeat(3000), "%F0%9F%98%80%E2%80%AE%C3%A9", "..", "%E0%A4%A"];

let doc: Doc;
const deref = (schema: Schema | undefined): Schema => {
  if (!schema) return {};
  if (schema.$ref) return deref(doc.components.schemas[schema.$ref.split("/").pop()!]);
  if (schema.anyOf?.[0] && !schema.type) return deref(schema.anyOf[0]);
  if (schema.oneOf?.[0] && !schema.type) return deref(schema.oneOf[0]);
  return schema;
};
const typeOf = (schema: Schema) =>
  (Array.isArray(schema.type) ? schema.type.find((x) => x !== "null") : schema.type) ?? "string";

/** A value of the right shape (often valid), so one bad field is what validation sees. */
function sample(raw: Schema | undefined, depth = 0): unknown {
  const schema = deref(raw);
  if (schema.example !== undefined) return schema.example;
  if (schema.enum?.length) return schema.enum[0];
  switch (typeOf(schema)) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [key, prop] of Object.entries(schema.properties ?? {})) {
        if (depth < 3) out[key] = sample(prop, depth + 1);
      }
      return out;
    }
    case "array":
      return [sample(schema.items, depth + 1)];
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return true;
    default:
      if (schema.format === "email") return "someone@example.test";
      if (schema.format === "date-time") return new Date(Date.now() + 86_400_000).toISOString();
      if (schema.format === "uri") return "https://example.com/x";
      return "x".repeat(Math.max(schema.minLength ?? 1, 12));
  }
}

/** The value of another type than the schema's, for a wrong-type case. */
function wrongType(raw: Schema): unknown {
  switch (typeOf(deref(raw))) {
    case "string":
      return 12345;
    case "object":
      return "not an object";
    case "array":
      return { not: "an array" };
    default:
      return ["wrong"];
  }
}

/** Every (path, schema) of the body's fields, nested objects included. */
function fields(raw: Schema, prefix: string[] = []): Array<[string[], Schema]> {
  const schema = deref(raw);
  if (typeOf(schema) !== "object" || prefix.length > 2) return [];
  return Object.entries(schema.properties ?? {}).flatMap(([key, prop]) => [
    [[...prefix, key], prop] as [string[], Schema],
    ...fields(prop, [...prefix, key]),
  ]);
}

function setAt(target: unknown, path: string[], value: unknown): unknown {
  const copy = structuredClone(target) as Record<string, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
  return copy;
}

function casesFor(
  method: string,
  template: string,
  operation: Operation,
  auth: Record<string, string>,
): Case[] {
  const params = operation.parameters ?? [];
  const pathParams = params.filter((p) => p.in === "path");
  const query = params.filter((p) => p.in === "query");
  const fill = (id: string) =>
    pathParams.reduce((path, p) => path.replace(`{${p.name}}`, id), template);
  const validPath = fill("id_000000000000000000000000");
  const bodySchema = operation.requestBody?.content["application/json"]?.schema;
  const base = bodySchema ? sample(bodySchema) : undefined;
  const json = { ...auth, "content-type": "application/json" };
  const out: Case[] = [];
  const add = (label: string, path: string, headers: Record<string, string>, body?: string) =>
    out.push({ label, method: method.toUpperCase(), path, headers, body });
  const bodyText = base === undefined ? undefined : JSON.stringify(base);

  for (const id of pathParams.length ? ODD_IDS : []) {
    add(`odd id ${id.slice(0, 20)}`, fill(id), json, bodyText);
  }
  for (const param of query) {
    const schema = deref(param.schema);
    const bad = typeOf(schema) === "string" && !schema.enum ? "a%00b" : "%00";
    add(`NUL in ?${param.name}`, `${validPath}?${param.name}=${bad}`, json, bodyText);
    add(
      `wrong type ?${param.name}`,
      `${validPath}?${param.name}=${typeOf(schema) === "string" ? "%5B%5D" : "abc"}`,
      json,
      bodyText,
    );
    add(`long ?${param.name}`, `${validPath}?${param.name}=${"9".repeat(3000)}`, json, bodyText);
  }
  if (!bodySchema) return out;
  for (const type of ["text/plain", "application/x-www-form-urlencoded", "garbage"]) {
    add(`content-type ${type}`, validPath, { ...auth, "content-type": type }, bodyText);
  }
  add("no content-type", validPath, auth, bodyText);
  add("empty body", validPath, json, "");
  add("malformed JSON", validPath, json, '{"a": ');
  add("JSON null", validPath, json, "null");
  add("JSON array", validPath, json, "[1,2]");
  add("JSON string", validPath, json, '"x"');
  add("oversized body", validPath, json, JSON.stringify({ pad: "x".repeat(MAX_BODY_BYTES) }));
  add("NUL in a key", validPath, json, JSON.stringify({ ...(base as object), "k\u0000": 1 }));
  for (const [path, schema] of fields(bodySchema)) {
    const label = path.join(".");
    add(
      `wrong type ${label}`,
      validPath,
      json,
      JSON.stringify(setAt(base, path, wrongType(schema))),
    );
    if (typeOf(deref(schema)) === "string") {
      add(`NUL in ${label}`, validPath, json, JSON.stringify(setAt(base, path, "a\u0000b")));
    }
  }
  return out;
}

describe("malformed requests generated from the OpenAPI document", () => {
  let adminAuth: Record<string, string>;
  let accountAuth: Record<string, string>;
  beforeAll(async () => {
    doc = (await (await t.app.request("/api/v1/openapi.json")).json()) as Doc;
    adminAuth = { authorization: (await adminHeaders(t, "owner")).headers.authorization };
    accountAuth = { authorization: (await seedAccount(t)).headers.authorization };
  });

  it("never answer 5xx, and every 4xx carries the error envelope", async () => {
    const cases: Case[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!METHODS.includes(method)) continue;
        const schemes = (operation.security ?? []).flatMap((s) => Object.keys(s));
        const auth = schemes.includes("AdminBearer")
          ? adminAuth
          : schemes.length > 0
            ? accountAuth
            : {};
        cases.push(...casesFor(method, path, operation, auth));
      }
    }
    expect(Object.keys(doc.paths).length).toBeGreaterThan(20);
    expect(cases.length).toBeGreaterThan(300);
    expect(cases.length).toBeLessThan(1500); // raised for the rich-messaging routes (issue 12)

    const failures: string[] = [];
    for (const c of cases) {
      const res = await t.app.request(c.path.replace(/^\/api\/v1/, "/api/v1"), {
        method: c.method,
        headers: c.headers,
        ...(c.body === undefined || c.method === "GET" || c.method === "DELETE"
          ? {}
          : { body: c.body }),
      });
      const where = `${c.method} ${c.path.slice(0, 80)} [${c.label}] → ${res.status}`;
      if (res.status >= 500) {
        failures.push(`${where} ${(await res.text()).slice(0, 200)}`);
        continue;
      }
      if (res.status < 400) {
        await res.body?.cancel();
        continue;
      }
      const body = (await res.json().catch(() => null)) as {
        error?: { code?: unknown; message?: unknown; request_id?: unknown };
      } | null;
      const error = body?.error;
      if (
        !error ||
        !(ERROR_CODES as readonly unknown[]).includes(error.code) ||
        typeof error.message !== "string" ||
        typeof error.request_id !== "string"
      ) {
        failures.push(`${where} no envelope: ${JSON.stringify(body).slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 240_000);
});
