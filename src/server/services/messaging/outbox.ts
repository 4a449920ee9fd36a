import { emailMode, localOutboxVisible } from "@/lib/env";
import type { DbOrTx } from "@/server/db/client";
import { getOutboxEmail, listOutbox } from "@/server/email/local-outbox-provider";
import { NotFoundError } from "../errors";

const GONE = "The local outbox exists only on the embedded database with no email provider";

/** The local outbox's newest emails. Anywhere but the embedded local default it does not exist. */
export async function readOutbox(db: DbOrTx, limit = 100) {
  if (!localOutboxVisible()) throw new NotFoundError(GONE);
  return { mode: emailMode(), items: await listOutbox(db, limit) };
}

/** One email of the local outbox, whole (sign-in links included). */
export async function readOutboxEmail(db: DbOrTx, id: string) {
  if (!localOutboxVisible()) throw new NotFoundError(GONE);
  const row = await getOutboxEmail(db, id);
  if (!row) throw new NotFoundError("That email is not in the outbox");
  return row;
}
