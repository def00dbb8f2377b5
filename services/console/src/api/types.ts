import type { components } from "./schema.js";

/** Wire types by schema name, from the generated OpenAPI types. */
export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];
export type ApiKeyScope = NonNullable<Schema<"CreateApiKeyRequest">["scopes"]>[number];
export type KeyMode = Schema<"CreateApiKeyRequest">["mode"];
