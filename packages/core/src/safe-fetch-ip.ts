import { BlockList, isIPv4, isIPv6 } from "node:net";

/**
 * Which addresses an outbound fetch (webhook delivery, media download) may reach: none of
 * the internal ranges below. IPv6 forms that embed an IPv4 address (mapped `::ffff:a.b.c.d`,
 * IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by the
 * IPv4 address they carry, so `::ffff:127.0.0.1` is loopback too.
 */
const blockedV4: Array<[string, number, string]> = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "cgnat"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"],
  ["192.0.2.0", 24, "documentation"],
  ["192.88.99.0", 24, "reserved"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmark"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"], // includes the broadcast 255.255.255.255
];

const blockedV6: Array<[string, number, string]> = [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["100::", 64, "discard"],
  ["2001:db8::", 32, "documentation"],
  ["fc00::", 7, "unique-local"],
  ["fe80::", 10, "link-local"],
  ["fec0::", 10, "site-local"],
  ["ff00::", 8, "multicast"],
];

const v4Lists = blockedV4.map(([net, bits, reason]) => {
  const list = new BlockList();
  list.addSubnet(net, bits, "ipv4");
  return { list, reason };
});
const v6Lists = blockedV6.map(([net, bits, reason]) => {
  const list = new BlockList();
  list.addSubnet(net, bits, "ipv6");
  return { list, reason };
});

/** Eight 16-bit groups of an IPv6 address (zone id dropped), or null when it does not parse. */
export function ipv6Groups(address: string): number[] | null {
  let text = address.replace(/^\[|\]$/g, "").split("%")[0] ?? "";
  // A trailing dotted quad (`::ffff:1.2.3.4`) becomes two hex groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    if (!isIPv4(dotted[1])) return null;
    const [a, b, c, d] = dotted[1].split(".").map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string | undefined) =>
    part
      ? part
          .split(":")
          .map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? Number.parseInt(g, 16) : Number.NaN))
      : [];
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return null;
  const groups = [...head, ...Array(halves.length === 2 ? fill : 0).fill(0), ...tail];
  return groups.some(Number.isNaN) ? null : groups;
}

const v4FromGroups = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any. */
function embeddedIpv4(groups: number[]): string | null {
  const g = groups as [number, number, number, number, number, number, number, number];
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return v4FromGroups(g[6], g[7]); // ::ffff:a.b.c.d
  if (zeros(0, 6) && (g[6] !== 0 || g[7] > 1)) return v4FromGroups(g[6], g[7]); // ::a.b.c.d
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4FromGroups(g[6], g[7]); // NAT64
  if (g[0] === 0x2002) return v4FromGroups(g[1], g[2]); // 6to4
  return null;
}

/**
 * Why `address` (an IP literal) must not be reached from the server, or null when it is a
 * public address. Anything that is not an IP address is refused as `invalid`.
 */
export function blockedAddressReason(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, "");
  if (isIPv4(bare)) {
    for (const { list, reason } of v4Lists) if (list.check(bare, "ipv4")) return reason;
    return null;
  }
  if (!isIPv6(bare.split("%")[0] ?? "")) return "invalid";
  const groups = ipv6Groups(bare);
  if (!groups) return "invalid";
  const embedded = embeddedIpv4(groups);
  if (embedded) return blockedAddressReason(embedded);
  const canonical = groups.map((x) => x.toString(16)).join(":");
  for (const { list, reason } of v6Lists) if (list.check(canonical, "ipv6")) return reason;
  return null;
}

/** True when `address` is a public IP address a server-side fetch may reach. */
export const isPublicAddress = (address: string) => blockedAddressReason(address) === null;
