/** The session used when a request names none. */
export const DEFAULT_SESSION_NAME = "default";
/** Session names: short, URL- and log-safe. */
export const SESSION_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
