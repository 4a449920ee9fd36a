/** A value for LIKE / ILIKE that matches itself: %, _ and \ are escaped. */
export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Tags as stored and compared: trimmed, lower case, single spaces. */
export const normalizeTag = (t: string) => t.trim().toLowerCase().replace(/\s+/g, " ");
