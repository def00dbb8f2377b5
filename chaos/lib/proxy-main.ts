/**
 * The partition proxy as its own process (`node --import tsx chaos/lib/proxy-main.ts
 * <listen-port> <target-port>`), so the load client's work never delays the bytes it carries.
 * SIGUSR1 cuts the network, SIGUSR2 heals it; it prints `ready` once listening.
 */
import { PartitionProxy } from "./proxy.js";

const [listenPort, targetPort] = process.argv.slice(2).map(Number);
if (!listenPort || !targetPort) {
  process.stderr.write("usage: proxy-main.ts <listen-port> <target-port>\n");
  process.exit(2);
}
const proxy = new PartitionProxy(targetPort);
await proxy.open(listenPort);
process.on("SIGUSR1", () => proxy.cut());
process.on("SIGUSR2", () => proxy.heal());
process.on("SIGTERM", () => void proxy.close().finally(() => process.exit(0)));
process.stdout.write("ready\n");
