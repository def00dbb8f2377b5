/** RFC 3339 UTC, or null. */
export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
