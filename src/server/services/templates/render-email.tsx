import { render } from "@react-email/components";
import { senderDefaults, type TEmailMessage } from "@/server/email";
import { parseTemplate, type TTemplateProblem } from "@/shared/templates/parse-template";
import DirectMessageEmail from "~emails/direct-message";
import { InvalidInputError } from "../errors";
import { listUnsubscribeHeaders, unsubscribeUrl } from "../messaging/unsubscribe";
import { compileTemplate, personalize, type TCompiledTemplate, userVariables } from "./render-template";

/*
 * The one way the CRM turns content into email: templates sent to chosen
 * users, campaigns, and one-on-one messages all come through here. Content
 * is parsed and checked, rendered once through React Email (with the reason
 * the reader gets it and the postal address), then personalised per reader
 * by escaped replacement. Marketing email (templates, campaigns) carries the
 * unsubscribe link and one-click List-Unsubscribe headers; a one-on-one
 * message is transactional and carries neither (docs/campaigns.md).
 */

export const MARKETING_REASON = "You are receiving this because you have a VibrationFit account.";

export type TEmailContent =
  /** The template language (docs/templates.md): templates and campaigns. */
  | { kind: "template"; subject: string; body: string }
  /** A one-on-one message an admin typed: plain text, paragraphs by blank lines. */
  | { kind: "direct"; subject: string; content: string; fromName: string };

export type TRenderedEmail = { compiled: TCompiledTemplate; marketing: boolean };
export type TReader = { id: string; email: string; name: string | null; plan: string };

export const describeTemplateProblem = (p: TTemplateProblem) =>
  `${p.where === "subject" ? "Subject" : `Body line ${p.line}`}: ${p.message}`;

/** The parsed template, or an InvalidInputError listing every problem with its place. */
export function checkedTemplate(subject: string, body: string) {
  const { template, problems } = parseTemplate(subject, body);
  if (problems.length) throw new InvalidInputError(problems.map(describeTemplateProblem).join("\n"));
  return template;
}

/** Renders content once; `personalizeFor` then makes each reader's copy. */
export async function renderEmail(content: TEmailContent): Promise<TRenderedEmail> {
  const { postalAddress } = senderDefaults();
  if (content.kind === "template") {
    const compiled = await compileTemplate(checkedTemplate(content.subject, content.body), { reason: MARKETING_REASON, postalAddress });
    return { compiled, marketing: true };
  }
  const props = { subject: content.subject, content: content.content, fromName: content.fromName, postalAddress };
  const [html, text] = await Promise.all([render(DirectMessageEmail(props)), render(DirectMessageEmail(props), { plainText: true })]);
  return { compiled: { subject: content.subject, html, text, slots: [] }, marketing: false };
}

/**
 * The editor's preview: a draft is rendered even with problems (those are
 * returned for the editor to show as you type, not thrown).
 */
export async function renderDraft(subject: string, body: string) {
  const { template, problems } = parseTemplate(subject, body);
  const compiled = await compileTemplate(template, { reason: MARKETING_REASON, postalAddress: senderDefaults().postalAddress });
  return { rendered: { compiled, marketing: true } satisfies TRenderedEmail, variables: template.variables, problems };
}

/** One reader's copy: subject, HTML and text with their values, escaped. */
export function personalizeFor(rendered: TRenderedEmail, reader: TReader) {
  return personalize(rendered.compiled, userVariables(reader, unsubscribeUrl(reader)));
}

/** The message for the provider: the reader's copy, the sender, tags, and for marketing email the unsubscribe headers. */
export function emailMessageFor(rendered: TRenderedEmail, reader: TReader, tags: { name: string; value: string }[]): TEmailMessage {
  const copy = personalizeFor(rendered, reader);
  const sender = senderDefaults();
  return {
    to: [reader.email],
    from: sender.from,
    replyTo: sender.replyTo,
    subject: copy.subject,
    html: copy.html,
    text: copy.text,
    ...(rendered.marketing ? { headers: listUnsubscribeHeaders(reader) } : {}),
    tags,
  };
}
