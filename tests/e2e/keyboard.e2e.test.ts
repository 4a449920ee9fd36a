import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, signInThroughOutbox } from "./browser";

/*
 * The editors by keyboard alone: Tab moves, Enter and Space press, typing
 * fills and picks an option; every control reached on the way shows where
 * the focus is (an outline or a ring).
 */
const base = process.env.CRM_E2E_URL ?? "http://localhost:3000";
const owner = process.env.SIGN_IN_EMAIL ?? "owner@vibrationfit.local";
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => browser?.close());

type TFocused = { tag: string; name: string; visible: boolean };

/** What has the focus: its tag, its accessible name (roughly), and whether a focus indicator shows. */
const focused = (page: Page) =>
  page.evaluate((): TFocused => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { tag: "body", name: "", visible: true };
    const labelled = (el as HTMLInputElement).labels?.[0]?.textContent ?? "";
    const name = (el.getAttribute("aria-label") ?? (labelled || el.textContent || (el as HTMLInputElement).placeholder || "")).trim();
    const s = getComputedStyle(el);
    const visible = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || (s.boxShadow !== "none" && s.boxShadow !== "");
    return { tag: el.tagName.toLowerCase(), name, visible };
  });

/** Presses Tab until the focus is on a control whose name matches; fails after `max` presses. Checks focus is visible on the way. */
async function tabTo(page: Page, name: RegExp, unseen: string[], max = 120) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const f = await focused(page);
    if (!f.visible) unseen.push(`${f.tag} “${f.name.slice(0, 40)}”`);
    if (name.test(f.name)) return f;
  }
  throw new Error(`Tab never reached ${name}`);
}

describe("by keyboard alone", () => {
  it("builds and saves a segment, and a campaign draft, with the focus always visible", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInThroughOutbox(page, base, owner);
    const unseen: string[] = [];
    const stamp = Date.now().toString(36);

    await page.goto(`${base}/segments/new`);
    await page.getByTestId("preview-count").waitFor();
    await page.locator("body").focus();
    // A second group, then its first condition: email contains "@hey.com".
    await tabTo(page, /^\+ Group$/, unseen);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByTestId("criteria-group").count()).toBe(2);
    const inner = page.getByTestId("criteria-group").nth(1);
    await inner.getByLabel("Field").first().focus();
    await page.keyboard.press("Home"); // a native select: Home picks its first option, Email
    await expect.poll(() => inner.getByLabel("Field").first().inputValue()).toBe("email");
    await tabTo(page, /Email/, unseen, 5);
    await inner.getByLabel("Email value").focus();
    await page.keyboard.type("@hey.com");
    await tabTo(page, /^Name$/, unseen);
    await page.keyboard.type(`Keyboard ${stamp}`);
    await tabTo(page, /^Save segment$/, unseen);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/segments\/[0-9a-f-]{36}$/);

    await page.goto(`${base}/campaigns/new`);
    await page.getByTestId("audience-count").waitFor();
    await page.locator("body").focus();
    await tabTo(page, /^Name$/, unseen);
    await page.keyboard.type(`Keyboard campaign ${stamp}`);
    await tabTo(page, /^Audience \(segment\)$/, unseen);
    await page.keyboard.type(`Keyboard ${stamp}`);
    await expect
      .poll(async () => page.getByLabel("Audience (segment)").evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.text))
      .toBe(`Keyboard ${stamp}`);
    // A radio group takes one Tab stop (the checked radio); the arrow keys choose within it.
    await tabTo(page, /^From a template$/, unseen);
    await page.keyboard.press("ArrowDown");
    await expect.poll(() => page.getByLabel("Write it here").isChecked()).toBe(true);
    await tabTo(page, /^Subject$/, unseen);
    await page.keyboard.type("Hello from the keyboard");
    await tabTo(page, /^Message/, unseen);
    await page.keyboard.type("Written without a mouse.");
    await tabTo(page, /^Save draft and review$/, unseen);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/);
    await expect.poll(async () => page.getByTestId("review-count").textContent(), { timeout: 15_000 }).toContain("reach");

    expect(unseen).toEqual([]);
    await context.close();
  });
});
