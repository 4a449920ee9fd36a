import { sql } from "drizzle-orm";
import { executeRows } from "@/server/db/client";
import { srcSchema } from "@/server/db/source";
import { AUTOMATION_STARTERS } from "@/shared/automation-starters";
import type { TAutomationDefinition } from "@/shared/schemas/automations";
import { createAutomation, turnOnAutomation } from "../automations/manage-automations";
import { applyProviderEvent, ZProviderEvent } from "../campaigns/apply-provider-event";
import { deliverBatch, pendingBatches } from "../campaigns/deliver-batch";
import { recordInAppEngagement } from "../campaigns/in-app-engagement";
import { finishIfDone, scheduleCampaign } from "../campaigns/lifecycle";
import { createCampaign } from "../campaigns/manage-campaigns";
import { startCampaignSend } from "../campaigns/start-campaign";
import type { AdminActor, TServiceCtx } from "../context";
import { sendMessage } from "../messaging/direct-messages";
import { postReply } from "../messaging/main-app-api";
import { createSegment } from "../segments/manage-segments";
import { recomputeSegment } from "../segments/recompute-segment";
import { createTemplate } from "../templates/manage-templates";
import { updateUserMetadata } from "../users/update-user-metadata";

/*
 * The local demo's CRM content, made on the embedded default's first start
 * through the same services an admin's clicks call, so every page has
 * something true to show: segments (with their first membership history),
 * templates, a sent email campaign whose delivery, opens, clicks and bounces
 * came back as provider events, a sent in-app campaign with reads and clicks,
 * a scheduled campaign, conversations with unread replies, tags and notes.
 * Deterministic: the same demo users (by id order) get the same things.
 */

/** A fixed pseudo-random number in [0, 1) for the i-th recipient: the same demo every time. */
const hash01 = (i: number) => {
  let x = (i + 1) * 2654435761;
  x = (x ^ (x >>> 16)) >>> 0;
  return (x % 10_000) / 10_000;
};

async function deliverNow(ctx: TServiceCtx, campaignId: string) {
  const { batches } = await pendingBatches({ ctx, input: { campaignId } });
  for (const batchNo of batches) await deliverBatch({ ctx, input: { campaignId, batchNo } });
  await finishIfDone({ ctx, input: { campaignId } });
}

export async function seedDemoCrmContent({ ctx }: { ctx: TServiceCtx<AdminActor> }) {
  const S = srcSchema();
  const [existing] = await executeRows<{ n: number }>(ctx.db, sql`SELECT (SELECT count(*) FROM crm_user_segments)::int AS n`);
  if ((existing?.n ?? 0) > 0) return { skipped: true };

  // Segments an admin would build first.
  const paid = await createSegment({
    ctx,
    input: {
      name: "Paying members",
      description: "On a paid plan now",
      criteria: { type: "group", match: "all", conditions: [{ type: "condition", field: "plan", op: "not_in", values: ["free"] }] },
    },
  });
  const freeHeavyAi = await createSegment({
    ctx,
    input: {
      name: "Free users heavy on AI",
      description: "Free plan, more than $0.05 of AI in the last 30 days: upgrade candidates",
      criteria: {
        type: "group",
        match: "all",
        conditions: [
          { type: "condition", field: "plan", op: "in", values: ["free"] },
          { type: "condition", field: "ai_usage", metric: "cost", days: 30, op: "gt", value: 0.05 },
        ],
      },
    },
  });
  const dormant = await createSegment({
    ctx,
    input: {
      name: "Dormant 30 days",
      description: "Signed up, not active in the last 30 days",
      criteria: { type: "group", match: "all", conditions: [{ type: "condition", field: "last_active", op: "not_within_last", days: 30 }] },
    },
  });
  for (const s of [paid, freeHeavyAi, dormant]) await recomputeSegment({ ctx, input: { segmentId: s.id } });

  // Templates.
  const welcome = await createTemplate({
    ctx,
    input: {
      name: "Welcome",
      description: "The first email after sign-up",
      subject: 'Welcome to VibrationFit, {{user.firstName | "friend"}}',
      body: 'Hi {{user.firstName | "there"}},\n\nYour first **vision** is one assessment away.\n\n[Start the assessment](https://vibrationfit.com/assessment)\n\nThe VibrationFit team',
    },
  });
  await createTemplate({
    ctx,
    input: {
      name: "Weekly check-in",
      description: "A gentle nudge for members who went quiet",
      subject: "Your week at VibrationFit",
      body: 'Hi {{user.firstName | "there"}},\n\nA new guided session is waiting in the **intensive**.\n\n[Open the app](https://vibrationfit.com/intensive)',
    },
  });

  // A sent email campaign, sent four hours ago, with what the provider reported back since.
  const now = ctx.clock().getTime();
  const earlier: TServiceCtx<AdminActor> = { ...ctx, clock: () => new Date(now - 240 * 60_000) };
  const email = await createCampaign({
    ctx: earlier,
    input: { name: "Come back to your vision", type: "email", segmentId: dormant.id, templateId: welcome.id },
  });
  await startCampaignSend({ ctx: earlier, input: { campaignId: email.id } });
  await deliverNow(earlier, email.id);
  const rows = await executeRows<{ id: string; provider_message_id: string | null; email: string }>(
    ctx.db,
    sql`SELECT id, provider_message_id, email FROM crm_campaign_tracking WHERE campaign_id = ${email.id}::uuid ORDER BY id`,
  );
  const webhook: TServiceCtx<{ type: "webhook"; provider: string }> = { ...ctx, actor: { type: "webhook", provider: "demo" } };
  for (const [i, r] of rows.entries()) {
    if (!r.provider_message_id) continue;
    const roll = hash01(i);
    const base = {
      email_id: r.provider_message_id,
      to: [r.email],
      tags: [
        { name: "campaign_id", value: email.id },
        { name: "recipient_id", value: r.id },
      ],
    };
    // Minutes after the send: delivered at once, opens and clicks over the following hours.
    const at = (min: number) => new Date(now - (240 - min) * 60_000).toISOString();
    const events: { type: "email.delivered" | "email.opened" | "email.clicked" | "email.bounced"; at: string; click?: { link: string } }[] =
      [];
    if (roll < 0.03) events.push({ type: "email.bounced", at: at(1) });
    else {
      events.push({ type: "email.delivered", at: at(1) });
      if (roll < 0.5) events.push({ type: "email.opened", at: at(5 + Math.floor(roll * 200)) });
      if (roll < 0.15)
        events.push({ type: "email.clicked", at: at(10 + Math.floor(roll * 200)), click: { link: "https://vibrationfit.com/assessment" } });
    }
    for (const [k, e] of events.entries()) {
      await applyProviderEvent({
        ctx: webhook,
        input: {
          svixId: `demo-${email.id}-${i}-${k}`,
          // Shaped and parsed as Resend's webhook would be.
          event: ZProviderEvent.parse({
            type: e.type,
            created_at: e.at,
            data: {
              ...base,
              ...(e.click ? { click: e.click } : {}),
              ...(e.type === "email.bounced" ? { bounce: { type: "Permanent" } } : {}),
            },
          }),
        },
      });
    }
  }

  // A sent in-app campaign, some read, a few clicked.
  const inApp = await createCampaign({
    ctx,
    input: {
      name: "New: guided breathing in the intensive",
      type: "in_app",
      segmentId: paid.id,
      subject: 'Something new for you, {{user.firstName | "friend"}}',
      content: "A five-minute guided breathing session now opens every intensive day. Try it before your next vision.",
    },
  });
  await startCampaignSend({ ctx, input: { campaignId: inApp.id } });
  await deliverNow(ctx, inApp.id);
  const readers = await executeRows<{ user_id: string }>(
    ctx.db,
    sql`SELECT user_id FROM crm_campaign_tracking WHERE campaign_id = ${inApp.id}::uuid ORDER BY user_id`,
  );
  await ctx.db.transaction(async (tx) => {
    for (const [i, r] of readers.entries()) {
      const roll = hash01(i + 7);
      if (roll < 0.4)
        await recordInAppEngagement(tx, { campaignId: inApp.id, userId: r.user_id, kind: "read", at: new Date(now - 60_000 * (i % 90)) });
      if (roll < 0.1) {
        await recordInAppEngagement(tx, {
          campaignId: inApp.id,
          userId: r.user_id,
          kind: "click",
          at: new Date(now - 30_000 * (i % 90)),
          link: "https://vibrationfit.com/intensive",
        });
      }
    }
  });

  // A scheduled one: next Monday, 9:00 in New York.
  const scheduled = await createCampaign({
    ctx,
    input: { name: "Upgrade offer for heavy AI users", type: "email", segmentId: freeHeavyAi.id, templateId: welcome.id },
  });
  const monday = new Date(now + ((8 - new Date(now).getUTCDay()) % 7 || 7) * 86_400_000);
  await scheduleCampaign({
    ctx,
    input: { id: scheduled.id, localTime: `${monday.toISOString().slice(0, 10)}T09:00`, timezone: "America/New_York" },
  });

  // Conversations: an admin wrote, three users answered (unread), and tags, notes and priorities on a few people.
  const people = await executeRows<{ id: string; name: string | null }>(ctx.db, sql`SELECT id, name FROM ${S}.users ORDER BY id LIMIT 6`);
  const replies = [
    "Thanks! The breathing session helped a lot this morning.",
    "Can I change my plan to annual without losing my visions?",
    "I got stuck on day 4 of the intensive, the audio does not start.",
  ];
  for (const [i, p] of people.slice(0, 3).entries()) {
    await sendMessage({
      ctx,
      input: {
        userId: p.id,
        channels: ["in_app"],
        content: `Hi ${p.name?.split(" ")[0] ?? "there"}, how is the intensive going? Anything we can help with?`,
      },
    });
    await postReply({ ctx: webhook, input: { userId: p.id, body: { content: replies[i] } } });
  }
  const notes: [string[], string, "low" | "medium" | "high" | "vip"][] = [
    [["vip-lead", "annual-interest"], "Asked about annual billing; follow up after their trial.", "vip"],
    [["support"], "Audio did not start on day 4 (Safari 17). Sent the workaround.", "high"],
    [["beta-tester"], "Happy to try new intensive features first.", "medium"],
  ];
  for (const [i, [tags, note, priority]] of notes.entries()) {
    const p = people[i];
    if (p) await updateUserMetadata({ ctx, input: { userId: p.id, expectedVersion: 0, tags, notes: note, priority } });
  }
  // Automations from the starting points: two live (sign-ups from now on; people stuck in the intensive, enrolled at the
  // first tick), one draft. Their email steps use the welcome template.
  const withTemplate = (d: TAutomationDefinition): TAutomationDefinition =>
    JSON.parse(JSON.stringify(d).replaceAll('"templateId":""', `"templateId":"${welcome.id}"`));
  for (const [key, on] of [
    ["welcome", true],
    ["stuck-intensive", true],
    ["failed-payment", false],
  ] as const) {
    const starter = AUTOMATION_STARTERS.find((x) => x.key === key);
    if (!starter) continue;
    const { id } = await createAutomation({
      ctx,
      input: { name: starter.name, description: starter.description, definition: withTemplate(starter.definition) },
    });
    if (on) await turnOnAutomation({ ctx, input: { id } });
  }
  return { skipped: false, segments: 3, templates: 2, campaigns: 3, conversations: 3, automations: 3 };
}
