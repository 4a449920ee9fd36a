import { z } from "zod";
import type { Db } from "@/server/db/client";
import { campaignFunnel, trackClickRates, trackOpenRates } from "@/server/services/campaigns/campaign-report";
import {
  audienceCount,
  cancelCampaign,
  createCampaign,
  duplicateCampaign,
  getCampaign,
  listCampaigns,
  pauseCampaign,
  resumeCampaign,
  scheduleCampaign,
  unscheduleCampaign,
  updateCampaign,
} from "@/server/services/campaigns/manage-campaigns";
import { ZCampaignId, ZCreateCampaignInput, ZScheduleCampaignInput, ZUpdateCampaignInput } from "@/server/services/campaigns/schemas";
import { sendToSegment } from "@/server/services/campaigns/send-campaign";
import type { AdminActor } from "@/server/services/context";
import { createApiKey, listApiKeys, revokeApiKey } from "@/server/services/messaging/api-keys";
import { getConversation, listConversations, markAsRead, sendMessage, unreadCount } from "@/server/services/messaging/direct-messages";
import { readOutbox, readOutboxEmail } from "@/server/services/messaging/outbox";
import {
  ZApiKeyId,
  ZConversationsInput,
  ZCreateApiKeyInput,
  ZCreateTemplateInput,
  ZMessageId,
  ZPreviewTemplateInput,
  ZSendMessageInput,
  ZSendTemplateInput,
  ZSendTestInput,
  ZTemplateId,
  ZUpdateTemplateInput,
} from "@/server/services/messaging/schemas";
import { addSuppression, listSuppressions, removeSuppression, ZSuppressionEmail } from "@/server/services/messaging/suppressions";
import {
  archiveTemplate,
  createTemplate,
  getTemplate,
  listTemplates,
  previewTemplate,
  sendTemplate,
  sendTestTemplate,
  updateTemplate,
} from "@/server/services/messaging/templates";
import { adminProcedure, ownerProcedure, router, viewerProcedure } from "../trpc";

/** The service context of an admin request. */
const ctxOf = (ctx: { db: Db; admin: AdminActor }) => ({ db: ctx.db, actor: ctx.admin });

export const messagingRouter = router({
  campaigns: router({
    list: viewerProcedure.query(({ ctx }) => listCampaigns(ctx.db)),
    get: viewerProcedure.input(ZCampaignId).query(({ ctx, input }) => getCampaign(ctx.db, input.id)),
    funnel: viewerProcedure.input(ZCampaignId).query(({ ctx, input }) => campaignFunnel(ctx.db, input.id)),
    openRates: viewerProcedure.input(ZCampaignId).query(({ ctx, input }) => trackOpenRates(ctx.db, input.id)),
    clickRates: viewerProcedure.input(ZCampaignId).query(({ ctx, input }) => trackClickRates(ctx.db, input.id)),
    audience: viewerProcedure
      .input(z.object({ segmentId: z.guid(), type: z.enum(["email", "in_app"]) }))
      .query(({ ctx, input }) => audienceCount(ctx.db, input.segmentId, input.type)),
    create: adminProcedure.input(ZCreateCampaignInput).mutation(({ ctx, input }) => createCampaign(ctxOf(ctx), input)),
    update: adminProcedure.input(ZUpdateCampaignInput).mutation(({ ctx, input }) => updateCampaign(ctxOf(ctx), input)),
    duplicate: adminProcedure.input(ZCampaignId).mutation(({ ctx, input }) => duplicateCampaign(ctxOf(ctx), input.id)),
    schedule: adminProcedure.input(ZScheduleCampaignInput).mutation(({ ctx, input }) => scheduleCampaign(ctxOf(ctx), input)),
    unschedule: adminProcedure.input(ZCampaignId).mutation(({ ctx, input }) => unscheduleCampaign(ctxOf(ctx), input.id)),
    pause: adminProcedure.input(ZCampaignId).mutation(({ ctx, input }) => pauseCampaign(ctxOf(ctx), input.id)),
    resume: adminProcedure.input(ZCampaignId).mutation(({ ctx, input }) => resumeCampaign(ctxOf(ctx), input.id)),
    cancel: adminProcedure.input(ZCampaignId).mutation(({ ctx, input }) => cancelCampaign(ctxOf(ctx), input.id)),
    sendToSegment: adminProcedure
      .input(z.object({ segmentId: z.guid(), campaignId: z.guid() }))
      .mutation(({ ctx, input }) => sendToSegment(ctxOf(ctx), input)),
  }),
  templates: router({
    list: viewerProcedure.query(({ ctx }) => listTemplates(ctx.db)),
    get: viewerProcedure.input(ZTemplateId).query(({ ctx, input }) => getTemplate(ctx.db, input.id)),
    preview: viewerProcedure.input(ZPreviewTemplateInput).query(({ ctx, input }) => previewTemplate(ctx.db, input)),
    create: adminProcedure.input(ZCreateTemplateInput).mutation(({ ctx, input }) => createTemplate(ctxOf(ctx), input)),
    update: adminProcedure.input(ZUpdateTemplateInput).mutation(({ ctx, input }) => updateTemplate(ctxOf(ctx), input)),
    archive: adminProcedure
      .input(ZTemplateId.extend({ archived: z.boolean() }))
      .mutation(({ ctx, input }) => archiveTemplate(ctxOf(ctx), input.id, input.archived)),
    send: adminProcedure.input(ZSendTemplateInput).mutation(({ ctx, input }) => sendTemplate(ctxOf(ctx), input)),
    sendTest: adminProcedure.input(ZSendTestInput).mutation(({ ctx, input }) => sendTestTemplate(ctxOf(ctx), input)),
  }),
  directMessages: router({
    conversations: viewerProcedure.input(ZConversationsInput).query(({ ctx, input }) => listConversations(ctx.db, input)),
    conversation: viewerProcedure.input(z.object({ userId: z.guid() })).query(({ ctx, input }) => getConversation(ctx.db, input.userId)),
    unreadCount: viewerProcedure.query(({ ctx }) => unreadCount(ctx.db)),
    send: adminProcedure.input(ZSendMessageInput).mutation(({ ctx, input }) => sendMessage(ctxOf(ctx), input)),
    markAsRead: adminProcedure
      .input(ZMessageId)
      .mutation(({ ctx, input }) => markAsRead(ctxOf(ctx), input.messageId, { direction: "inbound" })),
  }),
  suppressions: router({
    list: viewerProcedure
      .input(z.object({ search: z.string().trim().max(200).optional() }))
      .query(({ ctx, input }) => listSuppressions(ctx.db, input)),
    add: adminProcedure.input(ZSuppressionEmail).mutation(({ ctx, input }) => addSuppression(ctxOf(ctx), input.email)),
    remove: adminProcedure.input(ZSuppressionEmail).mutation(({ ctx, input }) => removeSuppression(ctxOf(ctx), input.email)),
  }),
  apiKeys: router({
    list: ownerProcedure.query(({ ctx }) => listApiKeys(ctx.db)),
    create: ownerProcedure.input(ZCreateApiKeyInput).mutation(({ ctx, input }) => createApiKey(ctxOf(ctx), input)),
    revoke: ownerProcedure.input(ZApiKeyId).mutation(({ ctx, input }) => revokeApiKey(ctxOf(ctx), input.id)),
  }),
  /** The local outbox: owners only, and only on the embedded database (NOT_FOUND anywhere else). */
  outbox: router({
    list: ownerProcedure.query(({ ctx }) => readOutbox(ctx.db)),
    get: ownerProcedure.input(z.object({ id: z.uuid() })).query(({ ctx, input }) => readOutboxEmail(ctx.db, input.id)),
  }),
});
