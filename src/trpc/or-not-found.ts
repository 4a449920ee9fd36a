import { TRPCError } from "@trpc/server";

/** The value, or null when the procedure said the thing does not exist (or the id is malformed): the page then calls notFound(). */
export async function orNotFound<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof TRPCError && (err.code === "NOT_FOUND" || err.code === "BAD_REQUEST")) return null;
    throw err;
  }
}
