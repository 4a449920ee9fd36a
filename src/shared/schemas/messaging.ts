import { z } from "zod";
import { PUSH_BODY_MAX, PUSH_TITLE_MAX, PUSH_URL_MAX } from "./push";

const name = z.string().trim().min(1, "Name the template").max(100, "At most 100 characters");
const subject = z.string().trim().min(1, "Write a subject").max(200, "At most 200 characters");
const body = z.string().min(1, "Write the message").max(20_000, "At most 20,000 characters");

export const ZCreateTemplateInput = z.object({ name, description: z.string().trim().max(300).optional(), subject, body });
export type TCreateTemplateInput = z.input<typeof ZCreateTemplateInput>;
export const ZUpdateTemplateInput = z.object({
  id: z.guid(),
  name: name.optional(),
  description: z.string().trim().max(300).optional(),
  subject,
  body,
  /** The version the admin edited; a newer one means someone else saved in between. */
  baseVersion: z.number().int().min(1),
});
export type TUpdateTemplateInput = z.input<typeof ZUpdateTemplateInput>;
export const ZTemplateId = z.object({ id: z.guid("Not a template id") });
export const ZPreviewTemplateInput = z.object({
  /** A saved template (its current version, or `version`), or a draft subject and body. */
  templateId: z.guid().optional(),
  version: z.number().int().min(1).optional(),
  draft: z.object({ subject: z.string().max(200), body: z.string().max(20_000) }).optional(),
  /** Preview for this real user; sample data otherwise. */
  userId: z.guid().optional(),
});
export type TPreviewTemplateInput = z.input<typeof ZPreviewTemplateInput>;
export const ZSendTemplateInput = z.object({
  templateId: z.guid(),
  userIds: z.array(z.guid()).min(1, "Choose at least one user").max(500, "At most 500 users at once; use a campaign for more"),
});
export const ZSendTestInput = z.object({ templateId: z.guid().optional(), draft: z.object({ subject, body }).optional() });

export const ZSendMessageInput = z
  .object({
    userId: z.guid("Not a user id"),
    subject: z.string().trim().max(200).optional(),
    content: z.string().trim().min(1, "Write a message").max(10_000, "At most 10,000 characters"),
    channels: z
      .array(z.enum(["email", "in_app", "push"]))
      .min(1, "Choose email, in-app, push or several")
      .max(3),
    /** Push: where a click on the notification leads (a path on the main app or an allowed URL); the main app's home when blank. */
    pushUrl: z.string().trim().max(PUSH_URL_MAX, `At most ${PUSH_URL_MAX} characters`).optional(),
  })
  .refine((m) => !m.channels.includes("email") || (m.subject ?? "").length > 0, { message: "An email needs a subject", path: ["subject"] })
  .refine((m) => !m.channels.includes("push") || (m.subject ?? "").length > 0, {
    message: "A push notification needs a title: write it as the subject",
    path: ["subject"],
  })
  .refine((m) => !m.channels.includes("push") || (m.subject ?? "").length <= PUSH_TITLE_MAX, {
    message: `A push notification's title is at most ${PUSH_TITLE_MAX} characters`,
    path: ["subject"],
  })
  .refine((m) => !m.channels.includes("push") || m.content.length <= PUSH_BODY_MAX, {
    message: `A push notification's text is at most ${PUSH_BODY_MAX} characters`,
    path: ["content"],
  });
export type TSendMessageInput = z.input<typeof ZSendMessageInput>;
export const ZConversationsInput = z.object({
  unreadOnly: z.boolean().default(false),
  search: z.string().trim().max(200).optional(),
  limit: z.number().int().min(1).max(100).default(50),
});
export const ZMessageId = z.object({ messageId: z.guid("Not a message id") });

export const ZCreateApiKeyInput = z.object({ name: z.string().trim().min(1, "Name the key").max(60, "At most 60 characters") });
export const ZApiKeyId = z.object({ id: z.guid() });

/** Bodies of the main app's API (docs/api.md). */
export const ZApiReplyBody = z.strictObject({
  content: z.string().trim().min(1, "content is empty").max(10_000, "content is longer than 10,000 characters"),
});

/** The main app reports a click on an in-app message: which link, when there is one. */
export const ZApiClickBody = z.strictObject({
  link: z
    .url({ protocol: /^https?$/, error: "link must be an http(s) URL" })
    .max(2000, "link is longer than 2,000 characters")
    .optional(),
});
