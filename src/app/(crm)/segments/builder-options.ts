import type { TBuilderOptions } from "@/components/segments/condition-editor";
import { api } from "@/trpc/server";

/** What the builder's inputs offer: plans in the data, existing segments, tags in use, campaigns that went out. */
export async function builderOptions(): Promise<TBuilderOptions> {
  const caller = await api();
  const [plans, segments, tags, campaigns] = await Promise.all([
    caller.users.plans(),
    caller.segments.list(),
    caller.users.suggestTags({ prefix: "", limit: 50 }),
    caller.messaging.campaigns.list(),
  ]);
  return {
    plans,
    segments: segments.map((s) => ({ id: s.id, name: s.name })),
    tags: tags.map((t) => t.tag),
    campaigns: campaigns.filter((c) => c.totalRecipients > 0).map((c) => ({ id: c.id, name: c.name })),
  };
}
