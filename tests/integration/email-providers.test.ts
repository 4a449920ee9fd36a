import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalOutboxProvider, listOutbox } from "@/server/email/local-outbox-provider";
import { ResendProvider } from "@/server/email/resend-provider";
import { EmailSendError, type TEmailMessage } from "@/server/email/types";
import { startFakeResend, type TFakeResend } from "../fixtures/fake-resend-server";
import { createTestDatabase, type TTestDatabase } from "../helpers/db";

const message = (to: string, subject = "Hello"): TEmailMessage => ({
  to: [to],
  from: "CRM <crm@example.com>",
  subject,
  html: `<p>${subject}</p>`,
  text: subject,
  headers: { "X-Entity-Ref-ID": "abc" },
  tags: [{ name: "campaign", value: "c1" }],
});

describe("Resend provider through the official SDK", () => {
  let fake: TFakeResend;
  let provider: ResendProvider;
  beforeAll(async () => {
    fake = await startFakeResend();
    provider = new ResendProvider(fake.apiKey, fake.url);
  });
  afterAll(async () => fake?.close());

  it("sends one email with its headers and tags", async () => {
    const { id } = await provider.send(message("ana@example.com"));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const last = fake.sent.at(-1);
    expect(last).toMatchObject({ id, to: ["ana@example.com"], subject: "Hello", headers: { "X-Entity-Ref-ID": "abc" } });
    expect(last?.tags).toEqual([{ name: "campaign", value: "c1" }]);
  });

  it("sends a batch once per idempotency key, even when the request is repeated", async () => {
    const before = fake.sent.length;
    const batch = [message("a@example.com"), message("b@example.com"), message("c@example.com")];
    const first = await provider.sendBatch(batch, { idempotencyKey: "campaign-1/batch-0" });
    const again = await provider.sendBatch(batch, { idempotencyKey: "campaign-1/batch-0" });
    expect(first).toHaveLength(3);
    expect(again).toEqual(first);
    expect(fake.sent.length - before).toBe(3);
    expect(fake.requests.at(-1)?.idempotencyKey).toBe("campaign-1/batch-0");
  });

  it("classifies a 429 as rate limited with the retry-after delay", async () => {
    fake.injectFaults({
      status: 429,
      headers: { "retry-after": "7" },
      body: { statusCode: 429, name: "rate_limit_exceeded", message: "Too many requests" },
    });
    const err = await provider.send(message("d@example.com")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmailSendError);
    expect(err).toMatchObject({ kind: "rate_limited", statusCode: 429, retryAfterMs: 7000 });
  });

  it("classifies a 5xx as transient and a validation error as permanent", async () => {
    fake.injectFaults({ status: 503 });
    await expect(provider.send(message("e@example.com"))).rejects.toMatchObject({ kind: "transient", statusCode: 503 });
    await expect(provider.send({ ...message("e@example.com"), subject: "" })).rejects.toMatchObject({ kind: "permanent", statusCode: 422 });
  });

  it("treats an unreachable server as transient, and a wrong key as permanent", async () => {
    const down = new ResendProvider(fake.apiKey, "http://127.0.0.1:9");
    await expect(down.send(message("f@example.com"))).rejects.toMatchObject({ kind: "transient", statusCode: null });
    const wrongKey = new ResendProvider("re_wrong", fake.url);
    await expect(wrongKey.send(message("f@example.com"))).rejects.toMatchObject({ kind: "permanent", statusCode: 401 });
  });

  it("refuses a batch over 100 before calling the provider", async () => {
    const requests = fake.requests.length;
    const many = Array.from({ length: 101 }, (_, i) => message(`u${i}@example.com`));
    await expect(provider.sendBatch(many)).rejects.toMatchObject({ kind: "permanent" });
    expect(fake.requests.length).toBe(requests);
  });
});

describe("local outbox provider", () => {
  let db: TTestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.drop());

  it("keeps every email, newest first, with its parts", async () => {
    const outbox = new LocalOutboxProvider(db.db);
    await outbox.send(message("one@example.com", "First"));
    await outbox.sendBatch([message("two@example.com", "Second"), message("three@example.com", "Third")]);
    const listed = await listOutbox(db.db);
    expect(listed.map((e) => e.subject).sort()).toEqual(["First", "Second", "Third"]);
  });

  it("stores a batch once per idempotency key", async () => {
    const outbox = new LocalOutboxProvider(db.db);
    const batch = [message("x@example.com", "Idem A"), message("y@example.com", "Idem B")];
    const first = await outbox.sendBatch(batch, { idempotencyKey: "k1" });
    const again = await outbox.sendBatch(batch, { idempotencyKey: "k1" });
    expect(again.map((r) => r.id).sort()).toEqual(first.map((r) => r.id).sort());
    const [row] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM crm_email_outbox WHERE subject LIKE 'Idem %'");
    expect(row?.n).toBe(2);
  });
});
