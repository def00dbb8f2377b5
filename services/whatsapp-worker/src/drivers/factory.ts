import type { Database } from "@wagate/db";
import { PostgresAuthStore } from "./remote-auth-store.js";
import { postgresSimGroups } from "./sim-groups.js";
import type { SimulatedNetwork } from "./sim-network.js";
import { postgresSimulatorServers } from "./sim-servers.js";
import { SimulatorDriver, type SimulatorProfile } from "./simulator.js";
import type { DriverFactory } from "./types.js";
import { WebjsDriver } from "./webjs.js";
import type { WebjsClientFactory } from "./webjs-client.js";

export interface DriverFactoryOptions {
  db: Database;
  /** Simulator profile (`fast` for tests and benchmarks). Default `normal`. */
  simProfile?: SimulatorProfile;
  /** Simulator QR time before linking. Default 2000 (fast: 10). */
  simLinkDelayMs?: number;
  /**
   * An in-memory simulator network (tests; groups then stay in this process's memory too);
   * default: the shared `simulator_*` tables.
   */
  simNetwork?: SimulatedNetwork;
  /** Chromium for webjs. Default `/usr/bin/chromium`. */
  executablePath?: string;
  /** RemoteAuth staging directory. Default `.data/wwebjs`. */
  dataPath?: string;
  /** whatsapp-web.js Client constructor (tests pass a fake). */
  createWebjsClient?: WebjsClientFactory;
}

/**
 * The driver a session gets follows its key mode (ARCHITECTURE.md): `live` → webjs,
 * `test` → simulator. A live session never reaches the simulator (it refuses itself too).
 */
export function createDriverFactory(options: DriverFactoryOptions): DriverFactory {
  const dataPath = options.dataPath ?? ".data/wwebjs";
  return (session) => {
    if (session.driver === "simulator") {
      return new SimulatorDriver({
        sessionId: session.id,
        mode: session.mode,
        profile: options.simProfile ?? "normal",
        ...(options.simLinkDelayMs !== undefined ? { linkDelayMs: options.simLinkDelayMs } : {}),
        ...(options.simNetwork
          ? { network: options.simNetwork }
          : {
              servers: postgresSimulatorServers(options.db),
              groups: postgresSimGroups(options.db),
            }),
      });
    }
    if (session.mode !== "live") throw new Error("the webjs driver serves live sessions only");
    return new WebjsDriver({
      sessionId: session.id,
      mode: session.mode,
      store: new PostgresAuthStore(options.db, dataPath),
      dataPath,
      ...(options.executablePath ? { executablePath: options.executablePath } : {}),
      ...(options.createWebjsClient ? { createClient: options.createWebjsClient } : {}),
    });
  };
}
