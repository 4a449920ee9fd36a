import { TEMPLATE_VARIABLES, type TVariableName, type TVariableValues } from "./parse-template";

/*
 * Merge variables in plain text (in-app messages): the same
 * {{user.firstName | "fallback"}} syntax as templates, no markup. Filled in
 * one pass, so a value (a user's name) is always text: it is never read as a
 * variable itself, and the main app shows it as text.
 */

const VAR = /\{\{\s*([a-zA-Z][\w.]*)\s*(?:\|\s*"((?:[^"\\]|\\.)*)"\s*)?\}\}/g;
const isVariable = (name: string): name is TVariableName => Object.hasOwn(TEMPLATE_VARIABLES, name);

/** Problems with the variables of plain text: unknown names, and `{{` that does not open a variable. */
export function plainTextProblems(text: string): string[] {
  const problems: string[] = [];
  for (const m of text.matchAll(VAR)) {
    const name = m[1] ?? "";
    if (!isVariable(name)) problems.push(`Unknown variable {{${name}}}: use one of ${Object.keys(TEMPLATE_VARIABLES).join(", ")}`);
  }
  if (text.replace(VAR, "").includes("{{")) problems.push("A {{ does not start a variable: write {{user.firstName}} or remove it");
  return problems;
}

/** The text with each variable replaced by its value, or its fallback when the value is empty. */
export function fillPlainText(text: string, values: TVariableValues): string {
  return text.replace(VAR, (_all, name: string, fallback?: string) => {
    const raw = isVariable(name) ? values[name] : null;
    return raw !== null && raw !== undefined && raw.trim() !== "" ? raw : (fallback?.replace(/\\(.)/g, "$1") ?? "");
  });
}
