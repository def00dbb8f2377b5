import { canWrite, getAuth } from "../../api/auth.js";
import { CreateKeyForm } from "./create-key-form.js";
import { KeyTable } from "./key-table.js";

/** Every API key; owners and admins create and revoke. */
export function ApiKeysPage() {
  return (
    <section>
      <h1>API keys</h1>
      {canWrite(getAuth()) ? <CreateKeyForm /> : null}
      <KeyTable />
    </section>
  );
}
