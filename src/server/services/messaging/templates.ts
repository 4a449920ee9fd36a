import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/server/db/client";
import { crmAdmins, crmEmailTemplates, crmEmailTemplateVersions, crmMessages } from "@/server/db/schema";
import { createEmailProvider, EmailSendError, senderDefaults } from "@/server/email";
import { parseTemplate, type TTemplateProblem } from "@/server/templates/parse-template";
import { compileTemplate, personalize, userVariables } from "@/server/templates/render-template";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, ServiceCtx } from "../context";
import { ConflictError, InvalidInputError, NotFoundError } from "../errors";
import { loadRecipients, SAMPLE_RECIPIENT } from "./recipients";
import {
  type TCreateTemplateInput,
  type TPreviewTemplateInput,
  type TUpdateTemplateInput,
  ZCreateTemplateInput,
  ZPreviewTemplateInput,
  ZSendTemplateInput,
  ZSendTestInput,
  ZUpdateTemplateInput,
} from "./schemas";
import { suppressionsOf } from "./suppressions";
import { listUnsubscribeHeaders, unsubscribeUrl } from "./unsubscribe";

type TCtx = ServiceCtx<AdminActor> & { db: Db };
const REASON = "You are receiving this because you have a VibrationFit account.";

const describeProblem = (p: TTemplateProblem) => `${p.where === "subject" ? "Subject" : `Body line ${p.line}`}: ${p.message}`;

function checkedTemplate(subject: string, body: string) {
  const { template, problems } = parseTemplate(subject, body);
  if (problems.length) throw new InvalidInputError(problems.map(describeProblem).join("\n"));
  return template;
}

export async function createTemplate(ctx: TCtx, rawInput: TCreateTemplateInput) {
  const input = ZCreateTemplateInput.parse(rawInput);
  checkedTemplate(input.subject, input.body);
  return ctx.db.transaction(async (tx) => {
    const [t] = await tx
      .insert(crmEmailTemplates)
      .values({ name: input.name, description: input.description || null, createdById: ctx.actor.id })
      .returning({ id: crmEmailTemplates.id, name: crmEmailTemplates.name, currentVersion: crmEmailTemplates.currentVersion });
    if (!t) throw new Error("insert returned nothing");
    await tx
      .insert(crmEmailTemplateVersions)
      .values({ templateId: t.id, version: 1, subject: input.subject, body: input.body, createdById: ctx.actor.id });
    await writeAuditLog(tx, ctx.actor, { action: "template.created", targetType: "template", targetId: t.id, after: input });
    return t;
  });
}

/** Saves an edit as a new version; refuses if someone saved a newer version since the admin loaded it. */
export async function updateTemplate(ctx: TCtx, rawInput: TUpdateTemplateInput) {
  const input = ZUpdateTemplateInput.parse(rawInput);
  checkedTemplate(input.subject, input.body);
  return ctx.db.transaction(async (tx) => {
    const [t] = await tx.select().from(crmEmailTemplates).where(eq(crmEmailTemplates.id, input.id)).for("update");
    if (!t) throw new NotFoundError("That template does not exist");
    if (t.status === "archived") throw new ConflictError("This template is archived; restore it before editing");
    if (t.currentVersion !== input.baseVersion) {
      throw new ConflictError(
        `Someone saved version ${t.currentVersion} after you opened version ${input.baseVersion}. Nothing was saved: reload to see it.`,
      );
    }
    const [current] = await tx
      .select({ subject: crmEmailTemplateVersions.subject, body: crmEmailTemplateVersions.body })
      .from(crmEmailTemplateVersions)
      .where(and(eq(crmEmailTemplateVersions.templateId, t.id), eq(crmEmailTemplateVersions.version, t.currentVersion)));
    const contentChanged = current?.subject !== input.subject || current?.body !== input.body;
    const version = contentChanged ? t.currentVersion + 1 : t.currentVersion;
    if (contentChanged) {
      await tx
        .insert(crmEmailTemplateVersions)
        .values({ templateId: t.id, version, subject: input.subject, body: input.body, createdById: ctx.actor.id });
    }
    await tx
      .update(crmEmailTemplates)
      .set({ name: input.name ?? t.name, description: input.description ?? t.description, currentVersion: version, updatedAt: new Date() })
      .where(eq(crmEmailTemplates.id, t.id));
    await writeAuditLog(tx, ctx.actor, {
      action: "template.updated",
      targetType: "template",
      targetId: t.id,
      before: { name: t.name, version: t.currentVersion },
      after: { name: input.name ?? t.name, version },
    });
    return { id: t.id, currentVersion: version };
  });
}

export async function archiveTemplate(ctx: TCtx, id: string, archived: boolean) {
  return ctx.db.transaction(async (tx) => {
    const [t] = await tx
      .update(crmEmailTemplates)
      .set({ status: archived ? "archived" : "active", updatedAt: new Date() })
      .where(eq(crmEmailTemplates.id, id))
      .returning({ id: crmEmailTemplates.id, status: crmEmailTemplates.status });
    if (!t) throw new NotFoundError("That template does not exist");
    await writeAuditLog(tx, ctx.actor, {
      action: archived ? "template.archived" : "template.restored",
      targetType: "template",
      targetId: id,
    });
    return t;
  });
}

export async function listTemplates(db: DbOrTx) {
  return db
    .select({
      id: crmEmailTemplates.id,
      name: crmEmailTemplates.name,
      description: crmEmailTemplates.description,
      status: crmEmailTemplates.status,
      currentVersion: crmEmailTemplates.currentVersion,
      updatedAt: crmEmailTemplates.updatedAt,
      subject: crmEmailTemplateVersions.subject,
    })
    .from(crmEmailTemplates)
    .innerJoin(
      crmEmailTemplateVersions,
      and(
        eq(crmEmailTemplateVersions.templateId, crmEmailTemplates.id),
        eq(crmEmailTemplateVersions.version, crmEmailTemplates.currentVersion),
      ),
    )
    .orderBy(asc(crmEmailTemplates.status), desc(crmEmailTemplates.updatedAt));
}

export async function getTemplate(db: DbOrTx, id: string) {
  const [t] = await db.select().from(crmEmailTemplates).where(eq(crmEmailTemplates.id, id));
  if (!t) throw new NotFoundError("That template does not exist");
  const versions = await db
    .select({
      version: crmEmailTemplateVersions.version,
      subject: crmEmailTemplateVersions.subject,
      body: crmEmailTemplateVersions.body,
      createdAt: crmEmailTemplateVersions.createdAt,
      createdBy: crmAdmins.email,
    })
    .from(crmEmailTemplateVersions)
    .leftJoin(crmAdmins, eq(crmAdmins.id, crmEmailTemplateVersions.createdById))
    .where(eq(crmEmailTemplateVersions.templateId, id))
    .orderBy(desc(crmEmailTemplateVersions.version));
  const current = versions.find((v) => v.version === t.currentVersion);
  if (!current) throw new Error(`Template ${id} has no version ${t.currentVersion}`);
  const [used] = await db.select({ n: sql<number>`count(*)::int` }).from(crmMessages).where(eq(crmMessages.templateId, id));
  return { ...t, subject: current.subject, body: current.body, versions, sentCount: used?.n ?? 0 };
}

async function versionContent(db: DbOrTx, templateId: string, version?: number) {
  const t = await getTemplate(db, templateId);
  const v = version ? t.versions.find((x) => x.version === version) : t.versions.find((x) => x.version === t.currentVersion);
  if (!v) throw new NotFoundError(`Template “${t.name}” has no version ${version}`);
  return { template: t, subject: v.subject, body: v.body, version: v.version };
}

/**
 * Rendered HTML and text for a saved template or a draft, for a real user or
 * sample data. Problems in a draft are returned (the editor shows them as
 * you type), not thrown.
 */
export async function previewTemplate(db: DbOrTx, rawInput: TPreviewTemplateInput) {
  const input = ZPreviewTemplateInput.parse(rawInput);
  let subject: string;
  let body: string;
  let version: number | null = null;
  if (input.draft) ({ subject, body } = input.draft);
  else if (input.templateId) ({ subject, body, version } = await versionContent(db, input.templateId, input.version));
  else throw new InvalidInputError("Preview a saved template or a draft");
  const { template, problems } = parseTemplate(subject, body);
  let reader = SAMPLE_RECIPIENT;
  if (input.userId) {
    const found = (await loadRecipients(db, [input.userId])).get(input.userId);
    if (!found) throw new NotFoundError("No user has this id");
    reader = found;
  }
  const { postalAddress } = senderDefaults();
  const compiled = await compileTemplate(template, { reason: REASON, postalAddress });
  const out = personalize(compiled, userVariables(reader, unsubscribeUrl(reader)));
  return {
    ...out,
    version,
    variables: template.variables,
    problems: problems.map(describeProblem),
    reader: { id: reader.id, email: reader.email, name: reader.name },
  };
}

/**
 * Sends the template's current version to each user, one email each, with
 * one-click unsubscribe headers: a template send is marketing email, so
 * suppressed addresses (unsubscribed, bounced, complained, by hand) are
 * skipped and counted. Unknown ids are reported, not fatal.
 */
export async function sendTemplate(ctx: TCtx, rawInput: { templateId: string; userIds: string[] }) {
  const input = ZSendTemplateInput.parse(rawInput);
  const { template, subject, body, version } = await versionContent(ctx.db, input.templateId);
  if (template.status === "archived") throw new ConflictError(`“${template.name}” is archived; restore it before sending`);
  const parsed = checkedTemplate(subject, body);
  const sender = senderDefaults();
  const compiled = await compileTemplate(parsed, { reason: REASON, postalAddress: sender.postalAddress });
  const ids = [...new Set(input.userIds)];
  const recipients = await loadRecipients(ctx.db, ids);
  const suppressed = await suppressionsOf(
    ctx.db,
    [...recipients.values()].map((r) => r.email),
  );
  const provider = createEmailProvider(ctx.db);
  const sent: { userId: string; messageId: string }[] = [];
  const failed: { userId: string; error: string }[] = [];
  for (const id of ids) {
    const user = recipients.get(id);
    if (!user || suppressed.has(user.email.toLowerCase())) continue;
    const copy = personalize(compiled, userVariables(user, unsubscribeUrl(user)));
    const [row] = await ctx.db
      .insert(crmMessages)
      .values({
        userId: user.id,
        threadId: user.id,
        fromAdminId: ctx.actor.id,
        subject: copy.subject,
        content: copy.text,
        direction: "outbound",
        channel: "email",
        status: "queued",
        templateId: template.id,
        templateVersion: version,
      })
      .returning({ id: crmMessages.id });
    if (!row) continue;
    try {
      const result = await provider.send(
        {
          to: [user.email],
          from: sender.from,
          replyTo: sender.replyTo,
          subject: copy.subject,
          html: copy.html,
          text: copy.text,
          headers: listUnsubscribeHeaders(user),
          tags: [
            { name: "message_id", value: row.id },
            { name: "template_id", value: template.id },
          ],
        },
        { idempotencyKey: `message-${row.id}` },
      );
      await ctx.db.update(crmMessages).set({ status: "sent", providerMessageId: result.id }).where(eq(crmMessages.id, row.id));
      sent.push({ userId: id, messageId: row.id });
    } catch (err) {
      const message = err instanceof EmailSendError ? err.message : "The email could not be sent";
      await ctx.db.update(crmMessages).set({ status: "failed", error: message }).where(eq(crmMessages.id, row.id));
      failed.push({ userId: id, error: message });
    }
  }
  const unknown = ids.filter((id) => !recipients.has(id));
  const skipped = ids.flatMap((id) => {
    const user = recipients.get(id);
    const reason = user ? suppressed.get(user.email.toLowerCase()) : undefined;
    return user && reason ? [{ userId: id, reason }] : [];
  });
  await writeAuditLog(ctx.db, ctx.actor, {
    action: "template.sent",
    targetType: "template",
    targetId: template.id,
    after: { version, sent: sent.length, failed: failed.length, suppressed: skipped.length, unknown },
  });
  return { version, sent, failed, suppressed: skipped, unknown };
}

/** The template (or a draft) with sample data, to the signed-in admin. Not recorded as a message. */
export async function sendTestTemplate(ctx: TCtx, rawInput: { templateId?: string; draft?: { subject: string; body: string } }) {
  const input = ZSendTestInput.parse(rawInput);
  let subject: string;
  let body: string;
  if (input.draft) ({ subject, body } = input.draft);
  else if (input.templateId) ({ subject, body } = await versionContent(ctx.db, input.templateId));
  else throw new InvalidInputError("Send a saved template or a draft");
  const parsed = checkedTemplate(subject, body);
  const sender = senderDefaults();
  const compiled = await compileTemplate(parsed, { reason: REASON, postalAddress: sender.postalAddress });
  const copy = personalize(compiled, userVariables(SAMPLE_RECIPIENT, unsubscribeUrl(SAMPLE_RECIPIENT)));
  const result = await createEmailProvider(ctx.db).send({
    to: [ctx.actor.email],
    from: sender.from,
    replyTo: sender.replyTo,
    subject: `[Test] ${copy.subject}`,
    html: copy.html,
    text: copy.text,
  });
  await writeAuditLog(ctx.db, ctx.actor, {
    action: "template.test_sent",
    targetType: "template",
    targetId: input.templateId ?? null,
    after: { to: ctx.actor.email },
  });
  return { to: ctx.actor.email, id: result.id };
}
