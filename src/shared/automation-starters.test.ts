import { describe, expect, it } from "vitest";
import { AUTOMATION_STARTERS } from "./automation-starters";
import { flattenSteps, ZAutomationDefinition } from "./schemas/automations";

describe("the automation starting points", () => {
  it("are valid once their email templates are chosen, and only the template is missing before", () => {
    expect(AUTOMATION_STARTERS.map((s) => s.key)).toEqual([
      "welcome",
      "stuck-intensive",
      "failed-payment",
      "unprofitable-upgrade",
      "win-back",
    ]);
    for (const s of AUTOMATION_STARTERS) {
      const chosen = JSON.parse(
        JSON.stringify(s.definition).replaceAll('"templateId":""', '"templateId":"00000000-0000-4000-8000-000000000001"'),
      );
      const parsed = ZAutomationDefinition.safeParse(chosen);
      expect(parsed.error?.issues ?? [], s.key).toEqual([]);
      const raw = ZAutomationDefinition.safeParse(s.definition);
      const emails = flattenSteps(s.definition.steps).filter((x) => x.step.type === "send_email").length;
      expect(raw.success ? 0 : raw.error.issues.length, s.key).toBe(emails);
    }
  });
});
