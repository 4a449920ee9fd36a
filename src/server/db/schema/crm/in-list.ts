import { sql } from "drizzle-orm";

/** `'a', 'b'` for a CHECK constraint, from a value set of shared/enums.ts (constants, never user text). */
export const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v.replace(/'/g, "''")}'`).join(", "));
