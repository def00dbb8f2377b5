import argon2 from "argon2";
import { z } from "zod";

/** Smallest admin password length accepted anywhere (API, CLI, bootstrap). */
export const PASSWORD_MIN_LENGTH = 10;
/** Argon2 only reads so much; longer inputs are a denial-of-service lever. */
export const PASSWORD_MAX_LENGTH = 256;

/**
 * Argon2id cost settings, part of every environment that hashes passwords (the API and the
 * admin CLI). Defaults are OWASP's argon2id recommendation (m=19 MiB, t=2, p=1); tests set
 * the cheapest cost (`@wagate/testkit`'s TEST_PASSWORD_COST_ENV), so a busy machine does not
 * spend seconds per login. A hash keeps its own cost: changing these never breaks a login.
 */
export const passwordCostEnvSchema = z.object({
  /** Argon2 memory cost in KiB; default 19456 (19 MiB). */
  ARGON2_MEMORY_COST: z.coerce.number().int().min(1024).max(4_194_304).default(19_456),
  /** Argon2 passes over memory; default 2. */
  ARGON2_TIME_COST: z.coerce.number().int().min(1).max(100).default(2),
  /** Argon2 lanes; default 1. */
  ARGON2_PARALLELISM: z.coerce.number().int().min(1).max(64).default(1),
});

export type PasswordCostEnv = z.infer<typeof passwordCostEnvSchema>;

export interface PasswordCost {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export const passwordCostOf = (env: PasswordCostEnv): PasswordCost => ({
  memoryCost: env.ARGON2_MEMORY_COST,
  timeCost: env.ARGON2_TIME_COST,
  parallelism: env.ARGON2_PARALLELISM,
});

export const hashPassword = (password: string, cost: PasswordCost) =>
  argon2.hash(password, { type: argon2.argon2id, ...cost });

/** Checks a password against a hash; the cost is read from the hash itself. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** One dummy hash per cost (a process uses one cost, so this holds one entry). */
const dummyHashes = new Map<string, Promise<string>>();

/**
 * Spends the same time as a real verification at `cost`, so an unknown email cannot be told
 * from a wrong password by timing.
 */
export async function burnPasswordCheck(password: string, cost: PasswordCost): Promise<void> {
  const key = `${cost.memoryCost}:${cost.timeCost}:${cost.parallelism}`;
  let dummy = dummyHashes.get(key);
  if (!dummy) {
    dummy = hashPassword("wagate-dummy-password-for-timing", cost);
    dummyHashes.set(key, dummy);
  }
  await verifyPassword(await dummy, password);
}
