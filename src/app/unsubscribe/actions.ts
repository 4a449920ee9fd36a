"use server";

import { redirect } from "next/navigation";
import { getDb } from "@/server/db";
import { serviceContext } from "@/server/runtime";
import { systemActor } from "@/server/services/context";
import { DomainError } from "@/server/services/errors";
import { unsubscribe } from "@/server/services/messaging/unsubscribe";

/** The reader confirmed: record the unsubscribe, then show the result. */
export async function confirmUnsubscribe(formData: FormData) {
  const token = String(formData.get("token") ?? "").slice(0, 1000);
  let outcome = "done";
  try {
    await unsubscribe({ ctx: serviceContext(await getDb(), systemActor("unsubscribe-link")), input: { token } });
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    outcome = "invalid";
  }
  redirect(`/unsubscribe?${new URLSearchParams({ token, result: outcome }).toString()}`);
}
