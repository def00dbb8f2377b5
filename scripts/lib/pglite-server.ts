import { createServer, type Server, type Socket } from "node:net";
import type { PGlite } from "@electric-sql/pglite";

/**
 * Serves one PGlite database over the Postgres wire protocol to many client connections.
 *
 * Why not `PGLiteSocketServer` from @electric-sql/pglite-socket: its multiplexer
 * (`maxConnections > 1`) queues single protocol messages, so the extended-protocol
 * messages of two connections interleave (A.Parse, B.Parse, A.Bind, B.Bind, A.Execute runs
 * B's unnamed portal). With postgres-js pools that gives wrong rows and
 * `portal "" does not exist` errors within a few hundred concurrent queries. Here a
 * connection's messages run as one unit up to the next Sync/Query, and a connection that
 * leaves a transaction block open keeps the database until it closes the block, so each
 * client sees what a real server would show it. (PGlite is one backend: session state such
 * as advisory locks and `SET` is shared by every connection.)
 */
export interface PgliteServerOptions {
  db: PGlite;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface PgliteServer {
  port: number;
  url: string;
  stats: () => { connections: number; waiting: number };
  close: () => Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;

/** Hands the database to one connection at a time; a connection may keep it across units. */
class DatabaseTurn {
  private holder: number | null = null;
  private readonly waiters: Array<{ id: number; go: () => void }> = [];

  get waiting() {
    return this.waiters.length;
  }

  holds(id: number) {
    return this.holder === id;
  }

  acquire(id: number): Promise<void> {
    if (this.holder === null || this.holder === id) {
      this.holder = id;
      return Promise.resolve();
    }
    return new Promise((go) => this.waiters.push({ id, go }));
  }

  release(id: number) {
    if (this.holder !== id) return;
    const next = this.waiters.shift();
    this.holder = next ? next.id : null;
    next?.go();
  }

  forget(id: number) {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.id === id) this.waiters.splice(i, 1);
    }
    this.release(id);
  }
}

export async function startPgliteServer(options: PgliteServerOptions): Promise<PgliteServer> {
  const { db } = options;
  const host = options.host ?? "127.0.0.1";
  await db.waitReady;
  const turn = new DatabaseTurn();
  const sockets = new Set<Socket>();
  let nextId = 1;

  /** `keep`: the client flushed mid-batch and will go on, so nobody else may cut in. */
  const runUnit = async (id: number, messages: Buffer[], socket: Socket, keep: boolean) => {
    await turn.acquire(id);
    try {
      await db.runExclusive(async () => {
        for (const message of messages) {
          await db.execProtocolRawStream(new Uint8Array(message), {
            onRawData: (data) => {
              if (data.length > 0 && socket.writable) socket.write(Buffer.from(data));
            },
          });
        }
      });
    } finally {
      // An open transaction block stays with its connection until COMMIT/ROLLBACK.
      if (!keep && !db.isInTransaction()) turn.release(id);
    }
  };

  const handle = (socket: Socket) => {
    const id = nextId++;
    sockets.add(socket);
    socket.setNoDelay(true);
    let buffer = Buffer.alloc(0);
    let started = false;
    let pending: Buffer[] = [];
    let chain = Promise.resolve();
    let closed = false;

    const cleanUp = () => {
      if (closed) return;
      closed = true;
      sockets.delete(socket);
      // Queue behind this connection's in-flight units, then give the database back.
      chain = chain.then(async () => {
        try {
          if (turn.holds(id) && db.isInTransaction()) {
            // We hold the turn, so no unit runs beside this (`exec` takes PGlite's own lock).
            await db.exec("ROLLBACK");
          }
        } catch {
          // The database may be closing; nothing left to roll back.
        } finally {
          turn.forget(id);
        }
      });
    };

    const enqueue = (messages: Buffer[], keep = false) => {
      chain = chain
        .then(() => (closed ? undefined : runUnit(id, messages, socket, keep)))
        .catch(() => {
          socket.destroy();
        });
    };

    socket.on("data", (data) => {
      buffer = buffer.length === 0 ? data : Buffer.concat([buffer, data]);
      while (buffer.length >= 4) {
        if (!started) {
          // Untyped start-up packets: length, then a code.
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          const code = buffer.readInt32BE(4);
          if (buffer.length < length) return;
          const packet = buffer.subarray(0, length);
          buffer = buffer.subarray(length);
          if (code === SSL_REQUEST || code === GSS_REQUEST) {
            socket.write("N");
          } else if (code === CANCEL_REQUEST) {
            socket.end();
            return;
          } else if (code === PROTOCOL_3) {
            started = true;
            enqueue([Buffer.from(packet)]);
          } else {
            socket.destroy();
            return;
          }
          continue;
        }
        if (buffer.length < 5) return;
        const length = 1 + buffer.readInt32BE(1);
        if (buffer.length < length) return;
        const type = String.fromCharCode(buffer[0]!);
        const message = Buffer.from(buffer.subarray(0, length));
        buffer = buffer.subarray(length);
        if (type === "X") {
          socket.end();
          return;
        }
        pending.push(message);
        // Sync ends an extended-protocol batch; Query is a batch on its own. Flush asks for
        // the answers so far (postgres-js describes a statement that way before binding it).
        if (type === "S" || type === "Q" || type === "H") {
          enqueue(pending, type === "H");
          pending = [];
        }
      }
    });
    socket.on("close", cleanUp);
    socket.on("error", () => socket.destroy());
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    port,
    url: `postgres://postgres@${host}:${port}/postgres`,
    stats: () => ({ connections: sockets.size, waiting: turn.waiting }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
