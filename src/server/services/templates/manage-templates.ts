import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/server/db/client";
import { crmAdmins, crmEmailTemplates, crmEmailTemplateVersions, crmMessages } from "@/server/db/schema";
import {
  type TCreateTemplateInput,
  type TUpdateTemplateInput,
  ZCreateTemplateInput,
  ZUpdateTemplateInput,
} from "@/shared/schemas/messaging";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs } from "../context";
import { ConflictError, NotFoundError } from "../errors";
import { checkedTemplate } from "./render-email";

/*
 * Templates and their versions: every saved edit of the content is a new
 * version (campaigns and sends record which one they used); a stale edit is
 * refused, never merged.
 */

export async function createTemplate({ ctx, input: raw }: TServiceArgs<TCreateTemplateInput, AdminActor>) {
  const input = ZCreateTemplateInput.parse(raw);
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
export async function updateTemplate({ ctx, input: raw }: TServiceArgs<TUpdateTemplateInput, AdminActor>) {
  const input = ZUpdateTemplateInput.parse(raw);
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

export async function archiveTemplate({ ctx, input }: TServiceArgs<{ id: string; archived: boolean }, AdminActor>) {
  const { id, archived } = input;
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

export async function listTemplates({ ctx }: TServiceArgs<void>) {
  return ctx.db
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

export async function getTemplate({ ctx, input }: TServiceArgs<{ id: string }>) {
  return templateWithVersions(ctx.db, input.id);
}

async function templateWithVersions(db: DbOrTx, id: string) {
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

/** A saved template's subject and body: its current version, or `version`. */
export async function versionContent(db: DbOrTx, templateId: string, version?: number) {
  const t = await templateWithVersions(db, templateId);
  const v = version ? t.versions.find((x) => x.version === version) : t.versions.find((x) => x.version === t.currentVersion);
  if (!v) throw new NotFoundError(`Template “${t.name}” has no version ${version}`);
  return { template: t, subject: v.subject, body: v.body, version: v.version };
}
