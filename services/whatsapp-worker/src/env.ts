import { baseEnvSchema, envPort, parseEnv } from "@wagate/core";
import type { z } from "zod";

export const workerEnvSchema = baseEnvSchema.extend({
  WORKER_PORT: envPort(3001),
});

export type WorkerEnv = z.infer<typeof workerEnvSchema>;

export const parseWorkerEnv = (source: Record<string, string | undefined> = process.env) =>
  parseEnv(workerEnvSchema, source);
