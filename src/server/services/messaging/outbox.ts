import { emailMode, localOutboxVisible } from "@/lib/env";
import { getOutboxEmail, listOutbox } from "@/server/email/local-outbox-provider";
import type { TServiceArgs } from "../context";
import { NotFoundError } from "../errors";

const GONE = "The local outbox exists only on the embedded database with no email provider";

/** The local outbox's newest emails. Anywhere but the embedded local default it does not exist. */
export async function readOutbox({ ctx }: TServiceArgs<void>) {
  if (!localOutboxVisible()) throw new NotFoundError(GONE);
  return { mode: emailMode(), items: await listOutbox(ctx.db, 100) };
}

/** One email of the local outbox, whole (sign-in links included). */
export async function readOutboxEmail({ ctx, input }: TServiceArgs<{ id: string }>) {
  if (!localOutboxVisible()) throw new NotFoundError(GONE);
  const row = await getOutboxEmail(ctx.db, input.id);
  if (!row) throw new NotFoundError("That email is not in the outbox");
  return row;
}
