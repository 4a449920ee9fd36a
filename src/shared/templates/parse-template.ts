/**
 * The template language (docs/templates.md): a small Markdown subset with
 * merge variables. Parsing turns the text into blocks of inline pieces
 * before any value is known, so a value (a user's name) is always text: it
 * can never become markup, a link or a variable itself.
 *
 *   # Heading            ## Smaller heading
 *   paragraph text       (blank line between paragraphs)
 *   - list item
 *   **bold**  *italic*  [link text](https://… or {{unsubscribeUrl}})
 *   {{user.firstName}}   {{user.firstName | "there"}}
 */

export const TEMPLATE_VARIABLES = {
  "user.firstName": "First word of the user's name",
  "user.lastName": "Last word of the user's name",
  "user.name": "The user's full name",
  "user.email": "The user's email address",
  "user.plan": "Plan of the latest subscription (free if none)",
  unsubscribeUrl: "Link that unsubscribes the reader from marketing email",
} as const;
export type TVariableName = keyof typeof TEMPLATE_VARIABLES;
export type TVariableValues = Partial<Record<TVariableName, string | null>>;

export type TInline =
  | { kind: "text"; text: string }
  | { kind: "var"; name: TVariableName; fallback: string | null }
  | { kind: "bold" | "italic"; children: TInline[] }
  | { kind: "link"; href: { kind: "url"; url: string } | { kind: "var"; name: TVariableName }; children: TInline[] };

export type TBlock =
  | { kind: "heading"; level: 1 | 2; children: TInline[] }
  | { kind: "paragraph"; children: TInline[] }
  | { kind: "list"; items: TInline[][] };

export type TParsedTemplate = { subject: TInline[]; blocks: TBlock[]; variables: TVariableName[] };
export type TTemplateProblem = { where: "subject" | "body"; line: number; message: string };

const VAR = /\{\{\s*([a-zA-Z][\w.]*)\s*(?:\|\s*"((?:[^"\\]|\\.)*)"\s*)?\}\}/y;

class Problems {
  list: TTemplateProblem[] = [];
  add(where: "subject" | "body", line: number, message: string) {
    this.list.push({ where, line, message });
  }
}

function parseInline(src: string, where: "subject" | "body", line: number, problems: Problems, allowMarkup: boolean): TInline[] {
  const out: TInline[] = [];
  let text = "";
  const flush = () => {
    if (text) out.push({ kind: "text", text });
    text = "";
  };
  let i = 0;
  while (i < src.length) {
    if (src.startsWith("{{", i)) {
      VAR.lastIndex = i;
      const m = VAR.exec(src);
      if (!m) {
        problems.add(
          where,
          line,
          `An unfinished variable near “${src.slice(i, i + 24)}”: write {{user.firstName}} or {{user.firstName | "fallback"}}`,
        );
        text += "{{";
        i += 2;
        continue;
      }
      const name = m[1] ?? "";
      if (!(name in TEMPLATE_VARIABLES)) {
        problems.add(where, line, `Unknown variable {{${name}}}: use one of ${Object.keys(TEMPLATE_VARIABLES).join(", ")}`);
      } else {
        flush();
        out.push({ kind: "var", name: name as TVariableName, fallback: m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : null });
      }
      i = VAR.lastIndex;
      continue;
    }
    if (allowMarkup && src.startsWith("**", i)) {
      const end = src.indexOf("**", i + 2);
      if (end > i + 2) {
        flush();
        out.push({ kind: "bold", children: parseInline(src.slice(i + 2, end), where, line, problems, true) });
        i = end + 2;
        continue;
      }
    }
    if (allowMarkup && src[i] === "*" && src[i + 1] !== "*") {
      const end = src.indexOf("*", i + 1);
      if (end > i + 1) {
        flush();
        out.push({ kind: "italic", children: parseInline(src.slice(i + 1, end), where, line, problems, true) });
        i = end + 1;
        continue;
      }
    }
    if (allowMarkup && src[i] === "[") {
      const close = src.indexOf("](", i);
      const end = close === -1 ? -1 : src.indexOf(")", close + 2);
      if (close !== -1 && end !== -1) {
        const label = src.slice(i + 1, close);
        const target = src.slice(close + 2, end).trim();
        const varTarget = /^\{\{\s*([a-zA-Z][\w.]*)\s*\}\}$/.exec(target);
        let href: Extract<TInline, { kind: "link" }>["href"] | null = null;
        if (varTarget) {
          if (varTarget[1] === "unsubscribeUrl") href = { kind: "var", name: "unsubscribeUrl" };
          else problems.add(where, line, "Only {{unsubscribeUrl}} can be a link target; other links need a full https:// address");
        } else if (/^(https?:\/\/|mailto:)[^\s<>"']+$/i.test(target)) {
          href = { kind: "url", url: target };
        } else {
          problems.add(where, line, `Link “${target.slice(0, 40)}” is not an https://, http:// or mailto: address`);
        }
        if (href) {
          flush();
          out.push({ kind: "link", href, children: parseInline(label, where, line, problems, false) });
          i = end + 1;
          continue;
        }
      }
    }
    text += src[i];
    i++;
  }
  flush();
  return out;
}

export function parseTemplate(subject: string, body: string): { template: TParsedTemplate; problems: TTemplateProblem[] } {
  const problems = new Problems();
  if (/[\r\n]/.test(subject)) problems.add("subject", 1, "The subject is one line");
  const subj = parseInline(subject.trim(), "subject", 1, problems, false);
  const blocks: TBlock[] = [];
  const lines = body.replace(/\r\n?/g, "\n").split("\n");
  let para: string[] = [];
  let paraLine = 0;
  let list: TInline[][] | null = null;
  const endPara = () => {
    if (para.length) blocks.push({ kind: "paragraph", children: parseInline(para.join(" "), "body", paraLine, problems, true) });
    para = [];
  };
  const endList = () => {
    if (list) blocks.push({ kind: "list", items: list });
    list = null;
  };
  lines.forEach((raw, idx) => {
    const line = raw.trim();
    const n = idx + 1;
    if (line === "") {
      endPara();
      endList();
    } else if (/^#{1,2}\s/.test(line)) {
      endPara();
      endList();
      const level = line.startsWith("## ") ? 2 : 1;
      blocks.push({ kind: "heading", level, children: parseInline(line.replace(/^#{1,2}\s+/, ""), "body", n, problems, true) });
    } else if (/^[-*]\s/.test(line)) {
      endPara();
      list ??= [];
      list.push(parseInline(line.replace(/^[-*]\s+/, ""), "body", n, problems, true));
    } else {
      endList();
      if (!para.length) paraLine = n;
      para.push(line);
    }
  });
  endPara();
  endList();
  if (!blocks.length) problems.add("body", 1, "The body is empty");
  const variables = new Set<TVariableName>();
  const collect = (xs: TInline[]) => {
    for (const x of xs) {
      if (x.kind === "var") variables.add(x.name);
      else if (x.kind === "bold" || x.kind === "italic") collect(x.children);
      else if (x.kind === "link") {
        if (x.href.kind === "var") variables.add(x.href.name);
        collect(x.children);
      }
    }
  };
  collect(subj);
  for (const b of blocks) {
    if (b.kind === "list") for (const item of b.items) collect(item);
    else collect(b.children);
  }
  return { template: { subject: subj, blocks, variables: [...variables] }, problems: problems.list };
}
