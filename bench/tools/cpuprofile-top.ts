/** Prints the top self-time functions and files of a V8 .cpuprofile (bench/tools). */
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
const profile = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as {
  nodes: Node[];
  samples: number[];
};
const total = profile.samples.length;
const byFn = new Map<string, number>();
const byFile = new Map<string, number>();
const counts = new Map<number, number>();
for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
for (const node of profile.nodes) {
  const hits = counts.get(node.id) ?? 0;
  if (!hits) continue;
  const url = node.callFrame.url
    .replace(/^.*node_modules\//, "nm/")
    .replace(/^.*\/wt\/[^/]+\//, "");
  const fn = `${node.callFrame.functionName || "(anon)"} ${url}:${node.callFrame.lineNumber}`;
  byFn.set(fn, (byFn.get(fn) ?? 0) + hits);
  const pkg = url.startsWith("nm/")
    ? url
        .split("/")
        .slice(0, url.split("/")[1]!.startsWith("@") ? 3 : 2)
        .join("/")
    : url || node.callFrame.functionName;
  byFile.set(pkg, (byFile.get(pkg) ?? 0) + hits);
}
const top = (m: Map<string, number>, n: number) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`)
    .join("\n");
console.log(
  `samples ${total}\n-- by package/file --\n${top(byFile, 25)}\n-- by function --\n${top(byFn, 40)}`,
);
