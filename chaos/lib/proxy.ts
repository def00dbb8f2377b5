import { createServer, type Server, Socket } from "node:net";

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
  /** Bytes held during a cut, per direction, delivered in order on heal. */
  toUpstream: Buffer[];
  toClient: Buffer[];
}

/**
 * A TCP proxy on loopback that can play a network partition: `cut()` stops carrying bytes in
 * both directions and holds new connections without reaching the target (nothing answers, no
 * reset, as on a real partition); `heal()` delivers what was held and carries on. Connections
 * survive a short cut, as TCP connections do (retransmission).
 */
export class PartitionProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<Pair>();
  private cutNow = false;
  port = 0;

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = "127.0.0.1",
  ) {}

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  async open(port = 0): Promise<void> {
    const server = createServer((client) => {
      const pair: Pair = { client, upstream: undefined, toUpstream: [], toClient: [] };
      this.pairs.add(pair);
      client.on("error", () => this.drop(pair)).on("close", () => this.drop(pair));
      client.on("data", (chunk) => {
        if (this.cutNow || !pair.upstream?.writable || pair.upstream.connecting) {
          pair.toUpstream.push(chunk);
        } else pair.upstream.write(chunk);
      });
      if (!this.cutNow) this.connect(pair);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    this.port = typeof address === "object" && address ? address.port : port;
    this.server = server;
  }

  private drop(pair: Pair) {
    pair.client.destroy();
    pair.upstream?.destroy();
    this.pairs.delete(pair);
  }

  private connect(pair: Pair) {
    const upstream = new Socket();
    pair.upstream = upstream;
    upstream.on("error", () => this.drop(pair)).on("close", () => this.drop(pair));
    upstream.on("data", (chunk) => {
      if (this.cutNow) pair.toClient.push(chunk);
      else pair.client.write(chunk);
    });
    upstream.connect(this.targetPort, this.targetHost, () => this.flush(pair));
  }

  private flush(pair: Pair) {
    if (this.cutNow || !pair.upstream || pair.upstream.connecting) return;
    for (const chunk of pair.toUpstream.splice(0)) pair.upstream.write(chunk);
    for (const chunk of pair.toClient.splice(0)) pair.client.write(chunk);
  }

  /** Stops carrying bytes: both directions, existing and new connections. */
  cut(): void {
    this.cutNow = true;
  }

  heal(): void {
    this.cutNow = false;
    for (const pair of this.pairs) {
      if (!pair.upstream) this.connect(pair);
      else this.flush(pair);
    }
  }

  async close(): Promise<void> {
    for (const pair of [...this.pairs]) this.drop(pair);
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
