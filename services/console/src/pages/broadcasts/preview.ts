/**
 * Client-side reading of a recipients CSV, for the preview only: the API parses and screens
 * every row itself (numbers, policy, duplicates, opt-outs) and answers the refused rows.
 */
export interface PreviewRow {
  row: number;
  to: string;
  variables: Record<string, string>;
}

/** RFC 4180 fields (quotes, doubled quotes, CRLF), BOM dropped; stops after `limit` data rows. */
export function parseCsvPreview(
  text: string,
  limit: number,
): { rows: PreviewRow[]; error?: string } {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  const src = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < src.length && records.length <= limit; i++) {
    const ch = src[i];
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      record.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && src[i + 1] === "\n") i++;
      record.push(field);
      if (record.some((f) => f !== "")) records.push(record);
      record = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || record.length > 0) {
    record.push(field);
    if (record.some((f) => f !== "")) records.push(record);
  }
  const [header, ...data] = records;
  if (!header) return { rows: [] };
  const names = header.map((h) => h.trim());
  const toIndex = names.findIndex((n) => ["to", "phone"].includes(n.toLowerCase()));
  if (toIndex < 0) return { rows: [], error: "The header row needs a “to” (or “phone”) column." };
  const rows = data.slice(0, limit).map((fields, i) => ({
    row: i + 1,
    to: (fields[toIndex] ?? "").trim(),
    variables: Object.fromEntries(
      names.flatMap((name, j) => (j === toIndex ? [] : [[name, fields[j] ?? ""]])),
    ),
  }));
  return { rows };
}

/** Fills `{{name}}` placeholders; a missing one stays visible as `{{name}}`. */
export const renderTemplate = (template: string, variables: Record<string, string>) =>
  template.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (whole, name: string) => variables[name] ?? whole);
