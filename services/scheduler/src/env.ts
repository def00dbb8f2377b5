import { baseEnvSchema, envPort, parseEnv } from "@wagate/core";
import type { z } from "zod";

export const schedulerEnvSchema = baseEnvSchema.extend({
  SCHEDULER_PORT: envPort(3002),
});

export type SchedulerEnv = z.infer<typeof schedulerEnvSchema>;

export const parseSchedulerEnv = (source: Record<string, string | undefined> = process.env) =>
  parseEnv(schedulerEnvSchema, source);
