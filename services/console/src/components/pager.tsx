import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";

/** A cursor-paged list: the current page, and Next/Previous that walk the cursors. */
export function usePagedQuery<T>(
  key: readonly unknown[],
  load: (cursor: string | undefined) => Promise<{ data: T[]; next_cursor: string | null }>,
  options: { refetchInterval?: number | false } = {},
) {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const keyText = JSON.stringify(key);
  const [lastKey, setLastKey] = useState(keyText);
  if (lastKey !== keyText) {
    setLastKey(keyText);
    setCursors([undefined]);
  }
  const query = useQuery({
    queryKey: [...key, cursor],
    queryFn: () => load(cursor),
    placeholderData: keepPreviousData,
    refetchInterval: options.refetchInterval,
  });
  const next = query.data?.next_cursor ?? null;
  return {
    query,
    rows: query.data?.data ?? [],
    pager: (
      <nav className="pager" aria-label="Pages">
        <button
          type="button"
          disabled={cursors.length < 2}
          onClick={() => setCursors((c) => c.slice(0, -1))}
        >
          Previous page
        </button>
        <button
          type="button"
          disabled={!next}
          onClick={() => next && setCursors((c) => [...c, next])}
        >
          Next page
        </button>
      </nav>
    ),
  };
}
