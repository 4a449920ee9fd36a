import type { TPreviewTemplateInput } from "@/shared/schemas/messaging";
import { ZPreviewTemplateInput } from "@/shared/schemas/messaging";
import type { TServiceArgs } from "../context";
import { InvalidInputError, NotFoundError } from "../errors";
import { loadRecipients, SAMPLE_RECIPIENT } from "../messaging/recipients";
import { versionContent } from "./manage-templates";
import { describeTemplateProblem, personalizeFor, renderDraft } from "./render-email";

/**
 * Rendered HTML and text for a saved template or a draft, for a real user or
 * sample data. Problems in a draft are returned (the editor shows them as
 * you type), not thrown.
 */
export async function previewTemplate({ ctx, input: raw }: TServiceArgs<TPreviewTemplateInput>) {
  const input = ZPreviewTemplateInput.parse(raw);
  const { db } = ctx;
  let subject: string;
  let body: string;
  let version: number | null = null;
  if (input.draft) ({ subject, body } = input.draft);
  else if (input.templateId) ({ subject, body, version } = await versionContent(db, input.templateId, input.version));
  else throw new InvalidInputError("Preview a saved template or a draft");
  let reader = SAMPLE_RECIPIENT;
  if (input.userId) {
    const found = (await loadRecipients(db, [input.userId])).get(input.userId);
    if (!found) throw new NotFoundError("No user has this id");
    reader = found;
  }
  const { rendered, variables, problems } = await renderDraft(subject, body);
  return {
    ...personalizeFor(rendered, reader),
    version,
    variables,
    problems: problems.map(describeTemplateProblem),
    reader: { id: reader.id, email: reader.email, name: reader.name },
  };
}
