import "server-only";
import { redirect } from "next/navigation";
import { cache } from "react";
import { createRequestContext } from "@/server/api/request-context";
import { createCaller } from "@/server/api/root";

/** The server-side caller for React Server Components: same procedures, same role checks. */
export const api = cache(async () => {
  const ctx = await createRequestContext();
  // Pages behind sign-in render next to their layout; send a signed-out visitor to sign-in, not to an error.
  if (!ctx.admin) redirect("/sign-in");
  return createCaller(ctx);
});
