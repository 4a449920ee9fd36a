import { randomBytes } from "node:crypto";
import { Heading, Link, render, Text } from "@react-email/components";
import type { ReactNode } from "react";
import type { TBlock, TInline, TParsedTemplate, TVariableName, TVariableValues } from "@/shared/templates/parse-template";
import { BaseLayout } from "~emails/components/base-layout";

/**
 * A template rendered once through React Email, with a marker where each
 * variable goes. Personalising a copy for one reader is then string
 * replacement with escaped values: cheap enough for every recipient of a
 * campaign, and values can never be read as markup.
 */
export type TCompiledTemplate = {
  subject: string;
  html: string;
  text: string;
  slots: { marker: string; name: TVariableName; fallback: string | null }[];
};

const linkStyle = { color: "#4f46e5" };

export async function compileTemplate(
  parsed: TParsedTemplate,
  opts: { reason: string; postalAddress: string },
): Promise<TCompiledTemplate> {
  const nonce = randomBytes(6).toString("hex");
  const slots: TCompiledTemplate["slots"] = [];
  const slot = (name: TVariableName, fallback: string | null) => {
    const marker = `%%VF${nonce}_${slots.length}%%`;
    slots.push({ marker, name, fallback });
    return marker;
  };
  const inline = (xs: TInline[], key = ""): ReactNode[] =>
    xs.map((x, i): ReactNode => {
      const k = `${key}${i}`;
      switch (x.kind) {
        case "text":
          return x.text;
        case "var":
          return slot(x.name, x.fallback);
        case "bold":
          return <strong key={k}>{inline(x.children, `${k}.`)}</strong>;
        case "italic":
          return <em key={k}>{inline(x.children, `${k}.`)}</em>;
        case "link":
          return (
            <Link key={k} href={x.href.kind === "url" ? x.href.url : slot(x.href.name, null)} style={linkStyle}>
              {inline(x.children, `${k}.`)}
            </Link>
          );
        default:
          return null;
      }
    });
  const block = (b: TBlock, i: number) => {
    if (b.kind === "heading")
      return (
        <Heading key={i} as={b.level === 1 ? "h1" : "h2"} style={{ fontSize: b.level === 1 ? 22 : 18, margin: "20px 0 8px" }}>
          {inline(b.children)}
        </Heading>
      );
    if (b.kind === "list")
      return (
        <ul key={i} style={{ paddingLeft: 20, margin: "8px 0", fontSize: 15, lineHeight: "24px" }}>
          {b.items.map((item, j) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: list items of a parsed template have no ids
            <li key={j}>{inline(item)}</li>
          ))}
        </ul>
      );
    return (
      <Text key={i} style={{ fontSize: 15, lineHeight: "24px", margin: "0 0 12px" }}>
        {inline(b.children)}
      </Text>
    );
  };
  const subject = inline(parsed.subject)
    .map((x) => (typeof x === "string" ? x : ""))
    .join("");
  const unsubscribe = slot("unsubscribeUrl", null);
  const email = (
    <BaseLayout
      preview={subject.replace(/%%VF[0-9a-f]+_\d+%%/g, "")}
      reason={opts.reason}
      postalAddress={opts.postalAddress}
      unsubscribeUrl={unsubscribe}
    >
      {parsed.blocks.map(block)}
    </BaseLayout>
  );
  const [html, text] = await Promise.all([render(email), render(email, { plainText: true })]);
  return { subject, html, text, slots };
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/** One reader's copy: each marker replaced by the value (or the fallback), HTML-escaped in the HTML. */
export function personalize(compiled: TCompiledTemplate, values: TVariableValues): { subject: string; html: string; text: string } {
  let { subject, html, text } = compiled;
  for (const s of compiled.slots) {
    const raw = values[s.name];
    const value = raw !== null && raw !== undefined && raw.trim() !== "" ? raw : (s.fallback ?? "");
    subject = subject.split(s.marker).join(value.replace(/[\r\n]+/g, " "));
    html = html.split(s.marker).join(escapeHtml(value));
    text = text.split(s.marker).join(value);
  }
  return { subject: subject.trim(), html, text };
}

/** The values of a main-app user for the template variables. */
export function userVariables(user: { email: string; name: string | null; plan: string }, unsubscribeUrl: string): TVariableValues {
  const words = (user.name ?? "").trim().split(/\s+/).filter(Boolean);
  return {
    "user.firstName": words[0] ?? null,
    "user.lastName": words.length > 1 ? (words.at(-1) ?? null) : null,
    "user.name": user.name,
    "user.email": user.email,
    "user.plan": user.plan,
    unsubscribeUrl,
  };
}
