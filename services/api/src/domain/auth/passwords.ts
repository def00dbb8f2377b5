import argon2 from "argon2";

/** Smallest admin password length accepted anywhere (API, CLI, bootstrap). */
export const PASSWORD_MIN_LENGTH = 10;
/** Argon2 only reads so much; longer inputs are a denial-of-service lever. */
export const PASSWORD_MAX_LENGTH = 256;

export const hashPassword = (password: string) => argon2.hash(password, { type: argon2.argon2id });

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real verification, so an unknown email cannot be told from a
 * wrong password by timing.
 */
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword("wagate-dummy-password-for-timing");
  await verifyPassword(await dummyHash, password);
}
