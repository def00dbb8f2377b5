/**
 * RFC 4180 CSV for broadcast recipients: a header row, then one recipient per row. Fields
 * may be quoted (`"a, b"`, `""` for a quote, line breaks inside quotes); a UTF-8 BOM and
 * CRLF/LF line ends are accepted; blank lines are skipped. The `to` (or `phone`) column is
 * the number, every other column a template variable named by its header.
 */

export interface CsvRecipient {
  /** 1-based data row (header not counted). */
  row: number;
  to: string | null;
  variables: Record<string, string>;
  /** Why the row cannot be read, when it cannot. */
  error?: string;
}

export class CsvError extends Error {}

/** Splits CSV text into records of fields. */
export function parseCsvRecords(text: string): string[][] {
  const input = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  let fieldStarted = false;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (quoted) {
      if (ch === '"') {
        if (input[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
      continue;
    }
    if (ch === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (ch === ",") {
      record.push(field);
      field = "";
      fieldStarted = false;
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && input[i + 1] === "\n") i++;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      fieldStarted = false;
    } else {
      field += ch;
      fieldStarted = true;
    }
  }
  if (quoted) throw new CsvError("a quoted field is not closed");
  if (fieldStarted || field !== "" || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records.filter((r) => !(r.length === 1 && r[0]!.trim() === ""));
}

const TO_COLUMNS = new Set(["to", "phone", "number", "recipient"]);

/** Recipients of a CSV upload (at most `maxRows` data rows, else CsvError). */
export function parseRecipientsCsv(text: string, maxRows: number): CsvRecipient[] {
  const records = parseCsvRecords(text);
  const header = records[0]?.map((h) => h.trim());
  if (!header || header.length === 0) throw new CsvError("the CSV has no header row");
  const toIndex = header.findIndex((h) => TO_COLUMNS.has(h.toLowerCase()));
  if (toIndex < 0) throw new CsvError('the CSV header has no "to" (or "phone") column');
  if (records.length - 1 > maxRows) {
    throw new CsvError(`the CSV has ${records.length - 1} rows; at most ${maxRows} are accepted`);
  }
  const out: CsvRecipient[] = [];
  for (let r = 1; r < records.length; r++) {
    const fields = records[r]!;
    if (fields.length !== header.length) {
      out.push({
        row: r,
        to: fields[toIndex]?.trim() ?? null,
        variables: {},
        error: `row has ${fields.length} fields, the header has ${header.length}`,
      });
      continue;
    }
    const variables: Record<string, string> = {};
    header.forEach((name, i) => {
      if (i !== toIndex && name) variables[name] = fields[i]!;
    });
    out.push({ row: r, to: fields[toIndex]!.trim(), variables });
  }
  return out;
}
