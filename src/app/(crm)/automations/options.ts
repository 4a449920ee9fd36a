import type { TAutomationOptions } from "@/components/automations/automation-builder";
import { api } from "@/trpc/server";
import { builderOptions } from "../segments/builder-options";

/** What the automation builder offers: the segment builder's options, the active templates, and whether push can be used. */
export async function automationOptions(): Promise<TAutomationOptions> {
  const caller = await api();
  const [base, templates, push] = await Promise.all([builderOptions(), caller.messaging.templates.list(), caller.messaging.push.status()]);
  return {
    ...base,
    templates: templates.filter((t) => t.status !== "archived").map((t) => ({ id: t.id, name: t.name })),
    pushConfigured: push.configured,
  };
}
