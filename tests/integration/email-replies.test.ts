import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as webhook } from "@/app/api/webhooks/resend/route";
import { resetEnvCache } from "@/lib/env";
import { provideDatabase } from "@/server/db";
import { htmlToText, stripQuotedReply } from "@/server/services/messaging/receive-reply";
import { startFakeResend, type TFakeResend } from "../fixtures/fake-resend-server";
import { newWebhookSecret, signWebhook } from "../fixtures/sign-webhook";
import { callerFor, createAdmins } from "../helpers/admins";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";
import { insertSourceRows, uuid } from "../helpers/source-rows";

describe("the new part of a reply", () => {
  it("drops quoted history, quoted lines and the signature, whichever mail client wrote it", () => {
    expect(stripQuotedReply("Sounds good!\r\n\r\nOn Mon, Dec 1, 2026 at 10:00 AM VibrationFit <crm@x.com> wrote:\r\n> Hi Ana\r\n")).toBe(
      "Sounds good!",
    );
    expect(stripQuotedReply("Yes please\n\nOn Mon, Dec 1, 2026 at 10:00 AM VibrationFit <crm@vibrationfit.com>\nwrote:\n> Hi")).toBe(
      "Yes please",
    );
    expect(stripQuotedReply("Thanks\n\n-----Original Message-----\nFrom: VibrationFit\nSent: Monday\n\nHi")).toBe("Thanks");
    expect(stripQuotedReply("Ok!\n\nFrom: VibrationFit <crm@x.com>\nSent: Monday, December 1, 2026\nTo: Ana\nSubject: Hi\n\nHi")).toBe(
      "Ok!",
    );
    expect(stripQuotedReply("Line one\n> quoted\nLine two\n-- \nAna Lima\nCEO")).toBe("Line one\nLine two");
    expect(stripQuotedReply("From: is just a word here, and nothing follows")).toBe("From: is just a word here, and nothing follows");
    expect(htmlToText('<div>Great, thanks!<br>Ana</div><div class="gmail_quote">On Mon … wrote:<blockquote>Hi</blockquote></div>')).toBe(
      "Great, thanks!\nAna\n",
    );
    expect(htmlToText("<p>A &amp; B &lt;3</p><script>alert(1)</script>")).toBe("A & B <3\n");
  });
});

describe.each(engines())("email replies on %s", (engine) => {
  let db: TTestDatabase;
  let fake: TFakeResend;
  let secret: string;
  let admins: Awaited<ReturnType<typeof createAdmins>>;
  let replyTo: string;
  const admin = () => callerFor(db.db, admins.admin);
  const deliver = (body: Record<string, unknown>, id?: string) => {
    const raw = JSON.stringify(body);
    return webhook(new Request("http://crm/api/webhooks/resend", { method: "POST", headers: signWebhook(secret, raw, { id }), body: raw }));
  };
  const thread = async () =>
    (await admin().messaging.directMessages.conversation({ userId: uuid(1) })).filter((m) => m.direction === "inbound");

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    provideDatabase(db);
    fake = await startFakeResend();
    secret = newWebhookSecret();
    Object.assign(process.env, {
      RESEND_API_KEY: fake.apiKey,
      RESEND_BASE_URL: fake.url,
      RESEND_WEBHOOK_SECRET: secret,
      INBOUND_EMAIL_DOMAIN: "inbound.crm.test",
    });
    resetEnvCache();
    admins = await createAdmins(db.db, `reply-${engine}`);
    await insertSourceRows(db, {
      users: [
        { id: uuid(1), email: "Ana@Example.com", name: "Ana Lima", created_at: "2026-01-01T00:00:00Z", last_active_at: null },
        { id: uuid(2), email: "bob@example.com", name: "Bob", created_at: "2026-01-01T00:00:00Z", last_active_at: null },
      ],
    });
    // An admin writes to Ana by email: the Reply-To names her conversation.
    await admin().messaging.directMessages.send({
      userId: uuid(1),
      subject: "Your intensive",
      content: "How is it going?",
      channels: ["email"],
    });
    const sent = fake.sent.at(-1);
    const given = sent?.reply_to;
    replyTo = String(Array.isArray(given) ? given[0] : given);
    expect(replyTo).toMatch(/^reply\+[0-9a-f]{32}\.[0-9a-f]{16}@inbound\.crm\.test$/);
  });
  afterAll(async () => {
    for (const k of ["RESEND_API_KEY", "RESEND_BASE_URL", "RESEND_WEBHOOK_SECRET", "INBOUND_EMAIL_DOMAIN"]) delete process.env[k];
    resetEnvCache();
    await fake?.close();
    await db?.drop();
  });

  it("brings the user's reply into the conversation, unread, without the quoted history, once", async () => {
    const { webhook: body } = fake.receive({
      from: "Ana Lima <ana@example.com>",
      to: [replyTo],
      subject: "Re: Your intensive",
      text: "Going great, day 5 done!\n\nOn Mon, Dec 1, 2026 at 10:00 AM VibrationFit <crm@vibrationfit.com> wrote:\n> How is it going?\n",
    });
    const res = await deliver(body, "msg_reply_1");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, outcome: "threaded" });
    expect(await thread()).toEqual([
      expect.objectContaining({ channel: "email", subject: "Re: Your intensive", content: "Going great, day 5 done!", readAt: null }),
    ]);
    expect(await admin().messaging.directMessages.unreadCount()).toBe(1);
    expect(await admin().messaging.directMessages.conversations({ unreadOnly: true })).toEqual([
      expect.objectContaining({ userId: uuid(1), unread: 1, lastContent: "Going great, day 5 done!" }),
    ]);
    // Resend delivers the same event again: nothing new.
    expect(await (await deliver(body, "msg_reply_1")).json()).toEqual({ ok: true, outcome: "duplicate" });
    expect(await thread()).toHaveLength(1);
  });

  it("quarantines a reply from another address, and one to an address that names no conversation", async () => {
    const fromBob = fake.receive({ from: "bob@example.com", to: [replyTo], subject: "Re: Your intensive", text: "I am not Ana" });
    expect(await (await deliver(fromBob.webhook)).json()).toEqual({ ok: true, outcome: "quarantined" });
    const forged = replyTo.replace(/\.[0-9a-f]{16}@/, ".0000000000000000@");
    const guessed = fake.receive({ from: "ana@example.com", to: [forged], subject: "hi", text: "Forged" });
    expect(await (await deliver(guessed.webhook)).json()).toEqual({ ok: true, outcome: "quarantined" });
    expect(await thread()).toHaveLength(1);
    const quarantined = await admin().messaging.directMessages.quarantine();
    expect(quarantined.map((q) => [q.fromAddress, q.reason, q.userId, q.content])).toEqual([
      ["ana@example.com", "unknown_address", null, "Forged"],
      ["bob@example.com", "sender_mismatch", uuid(1), "I am not Ana"],
    ]);
  });

  it("reads an HTML-only reply as text, and is retried when the receiving API fails", async () => {
    const { webhook: body } = fake.receive({
      from: "ana@example.com",
      to: [replyTo],
      subject: "Re: Your intensive",
      html: '<div dir="ltr">Booked the <b>next session</b></div><div class="gmail_quote">On … wrote:<blockquote>How is it going?</blockquote></div>',
    });
    fake.injectFaults({ status: 500 });
    const failed = await deliver(body, "msg_reply_html");
    expect(failed.status).toBe(503);
    expect(await thread()).toHaveLength(1);
    const retried = await deliver(body, "msg_reply_html");
    expect(await retried.json()).toEqual({ ok: true, outcome: "threaded" });
    expect((await thread()).map((m) => m.content)).toEqual(["Going great, day 5 done!", "Booked the next session"]);
  });

  it("refuses a signed email.received that lacks its envelope, and writes nothing", async () => {
    const res = await deliver({ type: "email.received", created_at: new Date().toISOString(), data: { email_id: "x" } });
    expect(res.status).toBe(400);
    expect(await thread()).toHaveLength(2);
  });
});
