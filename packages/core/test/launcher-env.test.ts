import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { removeLauncherEnv, withLauncherEnv, writeLauncherEnv } from "../src/launcher-env.js";

describe("the env file `npm start` leaves for the CLIs", () => {
  const root = mkdtempSync(join(tmpdir(), "wagate-launcher-env-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const dataDir = join(root, ".data");
  const workspace = join(root, "services", "api");
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(workspace, { recursive: true });
  const urls = {
    DATABASE_URL: "postgres://postgres@127.0.0.1:5433/postgres",
    REDIS_URL: "redis://127.0.0.1:6380",
  };

  it("fills in what the environment lacks, from a workspace below the repository", () => {
    const file = writeLauncherEnv(dataDir, urls);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(withLauncherEnv({ PATH: "/bin" }, workspace)).toEqual({ PATH: "/bin", ...urls });
    // A variable already set wins; an empty one counts as unset.
    expect(
      withLauncherEnv({ DATABASE_URL: "postgres://elsewhere/db", REDIS_URL: "" }, workspace),
    ).toEqual({ DATABASE_URL: "postgres://elsewhere/db", REDIS_URL: urls.REDIS_URL });
  });

  it("follows WAGATE_DATA_DIR, and changes nothing once the launcher is gone", () => {
    const custom = join(root, "elsewhere");
    mkdirSync(custom);
    writeLauncherEnv(custom, { DATABASE_URL: urls.DATABASE_URL });
    expect(withLauncherEnv({ WAGATE_DATA_DIR: custom }, "/")).toEqual({
      WAGATE_DATA_DIR: custom,
      DATABASE_URL: urls.DATABASE_URL,
    });
    removeLauncherEnv(custom);
    removeLauncherEnv(dataDir);
    expect(withLauncherEnv({}, workspace)).toEqual({});
  });
});
