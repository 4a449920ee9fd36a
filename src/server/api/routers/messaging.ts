import { z } from "zod";
import { pushServiceOf } from "@/server/push/endpoints";
import { listCampaignRecipients } from "@/server/services/campaigns/campaign-recipients";
import { campaignFunnel, pushDeviceCounts, trackClickRates, trackOpenRates } from "@/server/services/campaigns/campaign-report";
import { cancelCampaign, pauseCampaign, resumeCampaign, scheduleCampaign, unscheduleCampaign } from "@/server/services/campaigns/lifecycle";
import {
  audienceCount,
  createCampaign,
  duplicateCampaign,
  getCampaign,
  listCampaigns,
  updateCampaign,
} from "@/server/services/campaigns/manage-campaigns";
import { sendToSegment } from "@/server/services/campaigns/start-campaign";
import { createApiKey, listApiKeys, revokeApiKey } from "@/server/services/messaging/api-keys";
import { getConversation, listConversations, markAsRead, sendMessage, unreadCount } from "@/server/services/messaging/direct-messages";
import { readOutbox, readOutboxEmail } from "@/server/services/messaging/outbox";
import { listQuarantine } from "@/server/services/messaging/receive-reply";
import { addSuppression, listSuppressions, removeSuppression, ZSuppressionEmail } from "@/server/services/messaging/suppressions";
import { listPushSubscriptions, pushStatus } from "@/server/services/push/subscriptions";
import { archiveTemplate, createTemplate, getTemplate, listTemplates, updateTemplate } from "@/server/services/templates/manage-templates";
import { previewTemplate } from "@/server/services/templates/preview-template";
import { sendTemplate, sendTestTemplate } from "@/server/services/templates/send-template";
import {
  ZCampaignId,
  ZCampaignRecipientsInput,
  ZCreateCampaignInput,
  ZScheduleCampaignInput,
  ZUpdateCampaignInput,
} from "@/shared/schemas/campaigns";
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
} from "@/shared/schemas/messaging";
import { adminProcedure, ownerProcedure, router, viewerProcedure } from "../trpc";

/** A device as admins see it: the push service, never the endpoint (it is the device's address, a capability). */
const deviceView = (d: Awaited<ReturnType<typeof listPushSubscriptions>>[number]) => ({
  id: d.id,
  pushService: pushServiceOf(d.endpoint),
  createdAt: d.createdAt,
  lastSuccessAt: d.lastSuccessAt,
});

export const messagingRouter = router({
  campaigns: router({
    list: viewerProcedure.query(({ ctx }) => listCampaigns({ ctx: ctx.svc, input: undefined })),
    get: viewerProcedure.input(ZCampaignId).query(({ ctx, input }) => getCampaign({ ctx: ctx.svc, input })),
    funnel: viewerProcedure.input(ZCampaignId).query(({ ctx, input }) => campaignFunnel({ ctx: ctx.svc, input })),
    openRates: viewerProcedure.input(ZCampaignId).query(({ ctx, input }) => trackOpenRates({ ctx: ctx.svc, input })),
    clickRates: viewerProcedure.input(ZCampaignId).query(({ ctx, input }) => trackClickRates({ ctx: ctx.svc, input })),
    /** Push: the devices by outcome (accepted, gone, failed, queued). */
    pushDevices: viewerProcedure.input(ZCampaignId).query(({ ctx, input }) => pushDeviceCounts({ ctx: ctx.svc, input })),
    /** Who got it and what they did: keyset pages, filtered by funnel stage, searched by address. */
    recipients: viewerProcedure.input(ZCampaignRecipientsInput).query(({ ctx, input }) => listCampaignRecipients({ ctx: ctx.svc, input })),
    audience: viewerProcedure
      .input(z.object({ segmentId: z.guid(), type: z.enum(["email", "in_app", "push"]) }))
      .query(({ ctx, input }) => audienceCount({ ctx: ctx.svc, input })),
    create: adminProcedure.input(ZCreateCampaignInput).mutation(({ ctx, input }) => createCampaign({ ctx: ctx.svc, input })),
    update: adminProcedure.input(ZUpdateCampaignInput).mutation(({ ctx, input }) => updateCampaign({ ctx: ctx.svc, input })),
    duplicate: adminProcedure.input(ZCampaignId).mutation(({ ctx, input }) => duplicateCampaign({ ctx: ctx.svc, input })),
    schedule: adminProcedure.input(ZScheduleCampaignInput).mutation(({ ctx, input }) => scheduleCampaign({ ctx: ctx.svc, input })),
    unschedule: adminProcedure.input(ZCampaignId).mutation(({ ctx, input }) => unscheduleCampaign({ ctx: ctx.svc, input })),
    pause: adminProcedure.input(ZCampaignId).mutation(({ ctx, input }) => pauseCampaign({ ctx: ctx.svc, input })),
    resume: adminProcedure.input(ZCampaignId).mutation(({ ctx, input }) => resumeCampaign({ ctx: ctx.svc, input })),
    cancel: adminProcedure.input(ZCampaignId).mutation(({ ctx, input }) => cancelCampaign({ ctx: ctx.svc, input })),
    sendToSegment: adminProcedure
      .input(z.object({ segmentId: z.guid(), campaignId: z.guid() }))
      .mutation(({ ctx, input }) => sendToSegment({ ctx: ctx.svc, input })),
  }),
  templates: router({
    list: viewerProcedure.query(({ ctx }) => listTemplates({ ctx: ctx.svc, input: undefined })),
    get: viewerProcedure.input(ZTemplateId).query(({ ctx, input }) => getTemplate({ ctx: ctx.svc, input })),
    preview: viewerProcedure.input(ZPreviewTemplateInput).query(({ ctx, input }) => previewTemplate({ ctx: ctx.svc, input })),
    create: adminProcedure.input(ZCreateTemplateInput).mutation(({ ctx, input }) => createTemplate({ ctx: ctx.svc, input })),
    update: adminProcedure.input(ZUpdateTemplateInput).mutation(({ ctx, input }) => updateTemplate({ ctx: ctx.svc, input })),
    archive: adminProcedure
      .input(ZTemplateId.extend({ archived: z.boolean() }))
      .mutation(({ ctx, input }) => archiveTemplate({ ctx: ctx.svc, input })),
    send: adminProcedure.input(ZSendTemplateInput).mutation(({ ctx, input }) => sendTemplate({ ctx: ctx.svc, input })),
    sendTest: adminProcedure.input(ZSendTestInput).mutation(({ ctx, input }) => sendTestTemplate({ ctx: ctx.svc, input })),
  }),
  directMessages: router({
    conversations: viewerProcedure.input(ZConversationsInput).query(({ ctx, input }) => listConversations({ ctx: ctx.svc, input })),
    conversation: viewerProcedure.input(z.object({ userId: z.guid() })).query(({ ctx, input }) => getConversation({ ctx: ctx.svc, input })),
    unreadCount: viewerProcedure.query(({ ctx }) => unreadCount({ ctx: ctx.svc, input: undefined })),
    send: adminProcedure.input(ZSendMessageInput).mutation(({ ctx, input }) => sendMessage({ ctx: ctx.svc, input })),
    /** Email replies kept out of threads (another sender, or an address naming no thread). */
    quarantine: viewerProcedure.query(({ ctx }) => listQuarantine({ ctx: ctx.svc, input: undefined })),
    markAsRead: adminProcedure
      .input(ZMessageId)
      .mutation(({ ctx, input }) => markAsRead({ ctx: ctx.svc, input: { messageId: input.messageId, direction: "inbound" } })),
  }),
  /** Web Push: whether it is configured, and a user's subscribed devices (the composer and the profile). */
  push: router({
    status: viewerProcedure.query(({ ctx }) => pushStatus({ ctx: ctx.svc, input: undefined })),
    devices: viewerProcedure
      .input(z.object({ userId: z.guid() }))
      .query(async ({ ctx, input }) => (await listPushSubscriptions({ ctx: ctx.svc, input })).map(deviceView)),
  }),
  suppressions: router({
    list: viewerProcedure
      .input(z.object({ search: z.string().trim().max(200).optional() }))
      .query(({ ctx, input }) => listSuppressions({ ctx: ctx.svc, input })),
    add: adminProcedure.input(ZSuppressionEmail).mutation(({ ctx, input }) => addSuppression({ ctx: ctx.svc, input })),
    remove: adminProcedure.input(ZSuppressionEmail).mutation(({ ctx, input }) => removeSuppression({ ctx: ctx.svc, input })),
  }),
  apiKeys: router({
    list: ownerProcedure.query(({ ctx }) => listApiKeys({ ctx: ctx.svc, input: undefined })),
    create: ownerProcedure.input(ZCreateApiKeyInput).mutation(({ ctx, input }) => createApiKey({ ctx: ctx.svc, input })),
    revoke: ownerProcedure.input(ZApiKeyId).mutation(({ ctx, input }) => revokeApiKey({ ctx: ctx.svc, input })),
  }),
  /** The local outbox: owners only, and only on the embedded database (NOT_FOUND anywhere else). */
  outbox: router({
    list: ownerProcedure.query(({ ctx }) => readOutbox({ ctx: ctx.svc, input: undefined })),
    get: ownerProcedure.input(z.object({ id: z.uuid() })).query(({ ctx, input }) => readOutboxEmail({ ctx: ctx.svc, input })),
  }),
});
