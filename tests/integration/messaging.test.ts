import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as readRoute } from "@/app/api/v1/users/[userId]/messages/[messageId]/read/route";
import { GET as listMessagesRoute } from "@/app/api/v1/users/[userId]/messages/route";
import { POST as replyRoute } from "@/app/api/v1/users/[userId]/replies/route";
import { resetEnvCache } from "@/lib/env";
import { provideDatabase } from "@/server/db";
import { unsubscribe, unsubscribeToken, verifyUnsubscribeToken } from "@/server/services/messaging/unsubscribe";
import { compileTemplate, personalize, userVariables } from "@/server/services/templates/render-template";
import { parseTemplate } from "@/shared/templates/parse-template";
import { startFakeResend, type TFakeResend } from "../fixtures/fake-resend-server";
import { callerFor, createAdmins } from "../helpers/admins";
import { testCtx, testEngine } from "../helpers/ctx";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";
import { insertSourceRows, uuid } from "../helpers/source-rows";

const BODY = `# Hi {{user.firstName | "there"}}

Your **{{user.plan}}** plan is ready. [Open your visions](https://vibrationfit.com/visions).

- Weekly check-in
- New *guided* audio

[Unsubscribe]({{unsubscribeUrl}})`;

describe("the template language", () => {
  it("reports unknown variables, bad links and unfinished variables with their place", () => {
    const { problems } = parseTemplate(
      "Hello {{user.nickname}}",
      "Line one\n\n[x](javascript:alert(1)) and {{user.email\n[y]({{user.email}})",
    );
    expect(problems.map((p) => `${p.where}:${p.line}: ${p.message}`)).toEqual([
      expect.stringMatching(/^subject:1: Unknown variable \{\{user\.nickname\}\}/),
      expect.stringMatching(/^body:3: Link “javascript:alert\(1” is not an https/),
      expect.stringMatching(/^body:3: An unfinished variable/),
      expect.stringMatching(/^body:3: Only \{\{unsubscribeUrl\}\} can be a link target/),
    ]);
  });

  it("renders Markdown once and personalises with escaping, fallbacks and the unsubscribe link", async () => {
    const { template, problems } = parseTemplate('Welcome, {{user.firstName | "friend"}}!', BODY);
    expect(problems).toEqual([]);
    expect(template.variables.sort()).toEqual(["unsubscribeUrl", "user.firstName", "user.plan"]);
    const compiled = await compileTemplate(template, { reason: "Because.", postalAddress: "1 Main St, Austin" });
    const evil = personalize(
      compiled,
      userVariables(
        { email: "x@example.com", name: '<script>alert("x")</script> Doe', plan: "pro" },
        "https://crm.example.com/unsubscribe?token=a&b",
      ),
    );
    expect(evil.html).not.toContain("<script>alert");
    expect(evil.html).toMatch(/Hi (<!-- -->)?&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
    expect(evil.html).toContain('href="https://crm.example.com/unsubscribe?token=a&amp;b"');
    expect(evil.html).toContain("<strong>pro</strong>");
    expect(evil.html).toContain('href="https://vibrationfit.com/visions"');
    expect(evil.html).toContain("<li");
    expect(evil.html).toContain("1 Main St, Austin");
    expect(evil.subject).toBe('Welcome, <script>alert("x")</script>!');
    expect(evil.text).toContain("Weekly check-in");
    const anonymous = personalize(compiled, userVariables({ email: "y@example.com", name: null, plan: "free" }, "https://u"));
    expect(anonymous.subject).toBe("Welcome, friend!");
    expect(anonymous.html).toMatch(/Hi (<!-- -->)?there/);
    // Markdown in a value stays text.
    const tricky = personalize(
      compiled,
      userVariables({ email: "z@example.com", name: "[click](https://evil.example) **x**", plan: "pro" }, "https://u"),
    );
    expect(tricky.html).not.toContain('href="https://evil.example"');
    expect(tricky.html).toContain("[click](https://evil.example)");
  });

  it("signs unsubscribe links so they cannot be forged", () => {
    const token = unsubscribeToken(uuid(1), "Ana@Example.com");
    expect(verifyUnsubscribeToken(token)).toEqual({ userId: uuid(1), email: "ana@example.com" });
    const [payload] = token.split(".");
    const forged = `${Buffer.from(JSON.stringify([uuid(2), "bob@example.com"])).toString("base64url")}.${token.split(".")[1]}`;
    expect(verifyUnsubscribeToken(forged)).toBeNull();
    expect(verifyUnsubscribeToken(`${payload}.x`)).toBeNull();
  });

  it("keeps unsubscribe links from emails already sent working after AUTH_SECRET is rotated (AUTH_SECRET_PREVIOUS)", () => {
    const saved = process.env.AUTH_SECRET;
    try {
      process.env.AUTH_SECRET = "old-secret-old-secret-old-secret-0001";
      resetEnvCache();
      const token = unsubscribeToken(uuid(3), "cy@example.com");
      process.env.AUTH_SECRET = "new-secret-new-secret-new-secret-0002";
      resetEnvCache();
      expect(verifyUnsubscribeToken(token)).toBeNull();
      process.env.AUTH_SECRET_PREVIOUS = "old-secret-old-secret-old-secret-0001";
      resetEnvCache();
      expect(verifyUnsubscribeToken(token)).toEqual({ userId: uuid(3), email: "cy@example.com" });
      expect(verifyUnsubscribeToken(unsubscribeToken(uuid(3), "cy@example.com"))).toEqual({ userId: uuid(3), email: "cy@example.com" });
    } finally {
      if (saved === undefined) delete process.env.AUTH_SECRET;
      else process.env.AUTH_SECRET = saved;
      delete process.env.AUTH_SECRET_PREVIOUS;
      resetEnvCache();
    }
  });
});

describe.each(engines())("messaging on %s", (engine) => {
  let db: TTestDatabase;
  let admins: Awaited<ReturnType<typeof createAdmins>>;
  const admin = () => callerFor(db.db, admins.admin);
  const outbox = () =>
    db.query<{ to: string[]; subject: string; html: string; text: string }>(
      'SELECT "to", subject, html, text FROM crm_email_outbox ORDER BY created_at',
    );

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    provideDatabase(db);
    admins = await createAdmins(db.db, `msg-${engine}`);
    await insertSourceRows(db, {
      users: [
        { id: uuid(1), email: "ana@example.com", name: "Ana Lima", created_at: "2026-01-01T00:00:00Z", last_active_at: null },
        { id: uuid(2), email: "evil@example.com", name: "<script>x</script>", created_at: "2026-01-02T00:00:00Z", last_active_at: null },
      ],
      subscriptions: [
        {
          user_id: uuid(1),
          plan: "pro",
          status: "active",
          price: 20,
          interval: "month",
          started_at: "2026-01-01T00:00:00Z",
          canceled_at: null,
        },
      ],
    });
  });
  afterAll(async () => db?.drop());

  it("creates, versions, previews and sends a template through the local outbox", async () => {
    await expect(admin().messaging.templates.create({ name: "Bad", subject: "Hi {{user.nick}}", body: "x" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("Subject: Unknown variable {{user.nick}}"),
    });
    const t = await admin().messaging.templates.create({ name: "Welcome", subject: 'Welcome, {{user.firstName | "friend"}}', body: BODY });
    expect(t.currentVersion).toBe(1);
    const v2 = await admin().messaging.templates.update({
      id: t.id,
      subject: "Welcome back, {{user.firstName}}",
      body: BODY,
      baseVersion: 1,
    });
    expect(v2.currentVersion).toBe(2);
    await expect(admin().messaging.templates.update({ id: t.id, subject: "Stale", body: BODY, baseVersion: 1 })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    const got = await admin().messaging.templates.get({ id: t.id });
    expect(got.versions.map((v) => [v.version, v.subject])).toEqual([
      [2, "Welcome back, {{user.firstName}}"],
      [1, 'Welcome, {{user.firstName | "friend"}}'],
    ]);

    const preview = await callerFor(db.db, admins.viewer).messaging.templates.preview({ templateId: t.id, userId: uuid(1) });
    expect(preview).toMatchObject({ subject: "Welcome back, Ana", version: 2, problems: [] });
    expect(preview.html).toContain("<strong>pro</strong>");
    const old = await admin().messaging.templates.preview({ templateId: t.id, version: 1 });
    expect(old.subject).toBe("Welcome, Alex");
    const draft = await admin().messaging.templates.preview({ draft: { subject: "x", body: "{{nope}}" } });
    expect(draft.problems).toEqual([expect.stringContaining("Unknown variable {{nope}}")]);

    // A small campaign of its own: queued in the request, delivered by the job engine (nothing sent before it runs).
    const before = (await outbox()).length;
    const result = await admin().messaging.templates.send({ templateId: t.id, userIds: [uuid(1), uuid(2), uuid(404)] });
    expect(result).toMatchObject({ version: 2, unknown: [uuid(404)], queued: 2, campaignId: expect.any(String) });
    expect((await outbox()).length).toBe(before);
    await testEngine(db.db).drain();
    const emails = await outbox();
    const evil = emails.find((e) => e.to[0] === "evil@example.com");
    expect(evil?.html).toContain("&lt;script&gt;x&lt;/script&gt;");
    expect(evil?.html).not.toContain("<script>x");
    expect(emails.find((e) => e.to[0] === "ana@example.com")?.subject).toBe("Welcome back, Ana");
    const campaign = await admin().messaging.campaigns.get({ id: result.campaignId ?? "" });
    expect(campaign).toMatchObject({
      type: "email",
      status: "sent",
      templateId: t.id,
      templateVersion: 2,
      totalRecipients: 2,
      sentCount: 2,
    });
    expect(campaign.name).toBe("“Welcome” to 2 chosen users");
    expect((await admin().messaging.campaigns.funnel({ id: campaign.id })).sent).toBe(2);
    expect((await admin().users.emailHistory({ userId: uuid(1) })).map((e) => [e.source, e.refId, e.status])).toContainEqual([
      "campaign",
      campaign.id,
      "sent",
    ]);
    // The test send is queued (nothing sent in the request) and delivered by the job engine.
    const queued = (await outbox()).length;
    expect(await admin().messaging.templates.sendTest({ templateId: t.id })).toEqual({ to: admins.admin.email, queued: true });
    expect((await outbox()).length).toBe(queued);
    await testEngine(db.db).drain();
    await expect(admin().messaging.templates.sendTest({ draft: { subject: "x", body: "{{nope}}" } })).rejects.toThrow(/Unknown variable/);
    expect((await outbox()).at(-1)).toMatchObject({ to: [admins.admin.email], subject: "[Test] Welcome back, Alex" });
    await expect(callerFor(db.db, admins.viewer).messaging.templates.send({ templateId: t.id, userIds: [uuid(1)] })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("skips suppressed addresses in a template send, says how many and why, and gives every email one-click unsubscribe", async () => {
    const t = await admin().messaging.templates.create({ name: "Suppression check", subject: "News for {{user.firstName}}", body: BODY });
    await admin().messaging.suppressions.add({ email: "EVIL@example.com" });
    const before = (await outbox()).length;
    const result = await admin().messaging.templates.send({ templateId: t.id, userIds: [uuid(1), uuid(2)] });
    expect(result.queued).toBe(1);
    expect(result.suppressed).toEqual([{ userId: uuid(2), reason: "manual" }]);
    await testEngine(db.db).drain();
    const fresh = (await outbox()).slice(before);
    expect(fresh.map((e) => e.to[0])).toEqual(["ana@example.com"]);
    const [headers] = await db.query<{ headers: Record<string, string> }>(
      "SELECT headers FROM crm_email_outbox WHERE subject = 'News for Ana' ORDER BY created_at DESC LIMIT 1",
    );
    expect(headers?.headers["List-Unsubscribe"]).toMatch(/^<http:\/\/localhost:3000\/api\/unsubscribe\?token=[^>]+>$/);
    expect(headers?.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    const [audit] = await db.query<{ after: { suppressed: number } }>(
      "SELECT after FROM crm_audit_log WHERE action = 'template.sent' AND target_id = $1",
      [t.id],
    );
    expect(audit?.after.suppressed).toBe(1);
    await admin().messaging.suppressions.remove({ email: "evil@example.com" });
  });

  it("sends through Resend (a local server speaking its API, through the SDK) and records failures per message", async () => {
    const fake: TFakeResend = await startFakeResend();
    process.env.RESEND_API_KEY = fake.apiKey;
    process.env.RESEND_BASE_URL = fake.url;
    resetEnvCache();
    try {
      const [email] = await admin().messaging.directMessages.send({
        userId: uuid(1),
        subject: "Your intensive",
        content: "Hi Ana,\n\nGreat progress!",
        channels: ["email"],
      });
      expect(email).toMatchObject({ channel: "email", status: "sent", direction: "outbound" });
      const sent = fake.sent.at(-1);
      expect(sent).toMatchObject({ to: ["ana@example.com"], subject: "Your intensive" });
      expect(sent?.tags).toEqual([{ name: "message_id", value: email?.id }]);
      expect(fake.requests.at(-1)?.idempotencyKey).toBe(`message-${email?.id}`);
      const [row] = await db.query<{ provider_message_id: string }>("SELECT provider_message_id FROM crm_messages WHERE id = $1", [
        email?.id,
      ]);
      expect(row?.provider_message_id).toBe(sent?.id);

      fake.injectFaults({ status: 422, body: { statusCode: 422, name: "validation_error", message: "Invalid `to` field" } });
      const [failed] = await admin().messaging.directMessages.send({
        userId: uuid(1),
        subject: "Again",
        content: "Hello",
        channels: ["email"],
      });
      expect(failed).toMatchObject({ status: "failed", error: expect.stringContaining("Invalid `to` field") });
    } finally {
      delete process.env.RESEND_API_KEY;
      delete process.env.RESEND_BASE_URL;
      resetEnvCache();
      await fake.close();
    }
  });

  it("runs a whole conversation: admin message, the user's reply through the API, read receipts both ways", async () => {
    const { key } = await callerFor(db.db, admins.owner).messaging.apiKeys.create({ name: "main app" });
    const auth = { authorization: `Bearer ${key}` };
    const [inApp] = await admin().messaging.directMessages.send({
      userId: uuid(1),
      content: "How is the intensive going?",
      channels: ["in_app"],
    });
    expect(inApp).toMatchObject({ channel: "in_app", status: "sent" });

    const inbox = await listMessagesRoute(new Request(`http://crm/api/v1/users/${uuid(1)}/messages`, { headers: auth }), {
      params: Promise.resolve({ userId: uuid(1) }),
    });
    expect(inbox.status).toBe(200);
    const listed = (await inbox.json()) as { data: { id: string; content: string }[] };
    expect(listed.data[0]).toMatchObject({ id: inApp?.id, content: "How is the intensive going?" });
    expect(listed.data.some((m) => m.content === "Great progress!")).toBe(false); // email-only messages are not in the app's inbox

    const read = await readRoute(new Request("http://crm/x", { method: "POST", headers: auth }), {
      params: Promise.resolve({ userId: uuid(1), messageId: inApp?.id ?? "" }),
    });
    expect(read.status).toBe(200);
    const reply = await replyRoute(
      new Request("http://crm/x", {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ content: "Loving it, thanks!" }),
      }),
      { params: Promise.resolve({ userId: uuid(1) }) },
    );
    expect(reply.status).toBe(201);
    const replyId = ((await reply.json()) as { data: { id: string } }).data.id;

    const thread = await callerFor(db.db, admins.viewer).messaging.directMessages.conversation({ userId: uuid(1) });
    const inThread = thread.filter((m) => m.channel === "in_app");
    expect(inThread.map((m) => [m.direction, m.content, m.status])).toEqual([
      ["outbound", "How is the intensive going?", "read"],
      ["inbound", "Loving it, thanks!", "delivered"],
    ]);
    expect(inThread[0]?.readAt).toBeInstanceOf(Date);
    expect(await admin().messaging.directMessages.unreadCount()).toBe(1);
    const convs = await admin().messaging.directMessages.conversations({ unreadOnly: true });
    expect(convs).toEqual([
      expect.objectContaining({ userId: uuid(1), unread: 1, lastContent: "Loving it, thanks!", lastDirection: "inbound" }),
    ]);
    await admin().messaging.directMessages.markAsRead({ messageId: replyId });
    expect(await admin().messaging.directMessages.unreadCount()).toBe(0);
    expect(await admin().messaging.directMessages.conversations({ unreadOnly: true })).toEqual([]);
    expect((await admin().messaging.directMessages.conversations({ search: "LIMA" })).map((c) => c.userId)).toEqual([uuid(1)]);
    // The profile shows the same thread.
    expect((await admin().users.get({ userId: uuid(1) })).messages.map((m) => m.content)).toContain("How is the intensive going?");
  });

  it("refuses bad API calls with the right status and writes nothing", async () => {
    const owner = callerFor(db.db, admins.owner);
    const { key, id } = await owner.messaging.apiKeys.create({ name: "to revoke" });
    const listedKeys = await owner.messaging.apiKeys.list();
    expect(JSON.stringify(listedKeys)).not.toContain(key);
    expect(listedKeys.find((k) => k.id === id)?.prefix).toBe(key.slice(0, 12));
    const [{ hash }] = (await db.query<{ hash: string }>("SELECT hash FROM crm_api_keys WHERE id = $1", [id])) as [{ hash: string }];
    expect(hash).not.toContain(key);
    await expect(callerFor(db.db, admins.admin).messaging.apiKeys.create({ name: "x" })).rejects.toMatchObject({ code: "FORBIDDEN" });

    const count = async () => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM crm_messages"))[0]?.n;
    const before = await count();
    const post = (headers: Record<string, string>, body: string, userId = uuid(1)) =>
      replyRoute(new Request("http://crm/x", { method: "POST", headers: { "content-type": "application/json", ...headers }, body }), {
        params: Promise.resolve({ userId }),
      });
    const good = { authorization: `Bearer ${key}` };
    const errorOf = async (r: Response) => ((await r.json()) as { error: { message: string; fields?: Record<string, string[]> } }).error;

    expect((await post({}, '{"content":"x"}')).status).toBe(401);
    expect((await post({ authorization: "Bearer vfcrm_thisisnotakeyatallxxxxxx" }, '{"content":"x"}')).status).toBe(401);
    const emptyBody = await post(good, '{"content":""}');
    expect(emptyBody.status).toBe(400);
    expect((await errorOf(emptyBody)).fields).toEqual({ content: ["content is empty"] });
    const extra = await post(good, '{"content":"x","admin":true}');
    expect(extra.status).toBe(400);
    expect((await post(good, "not json")).status).toBe(400);
    const unknownUser = await post(good, '{"content":"x"}', uuid(404));
    expect(unknownUser.status).toBe(404);
    expect((await post(good, '{"content":"x"}', "not-an-id")).status).toBe(400);
    const wrongMessage = await readRoute(new Request("http://crm/x", { method: "POST", headers: good }), {
      params: Promise.resolve({ userId: uuid(2), messageId: uuid(999) }),
    });
    expect(wrongMessage.status).toBe(404);

    await owner.messaging.apiKeys.revoke({ id });
    const revoked = await post(good, '{"content":"x"}');
    expect(revoked.status).toBe(401);
    expect(await errorOf(revoked)).toEqual({ message: "Missing, unknown or revoked API key: send Authorization: Bearer <key>" });
    expect(await count()).toBe(before);
    const [{ last_used_at }] = (await db.query<{ last_used_at: Date | null }>("SELECT last_used_at FROM crm_api_keys WHERE id = $1", [
      id,
    ])) as [{ last_used_at: Date | null }];
    expect(last_used_at).toBeNull();
  });

  it("records an unsubscribe once, from a signed link only", async () => {
    const token = unsubscribeToken(uuid(1), "ana@example.com");
    expect(await unsubscribe({ ctx: testCtx(db.db), input: { token } })).toEqual({ email: "ana@example.com", already: false });
    expect(await unsubscribe({ ctx: testCtx(db.db), input: { token } })).toEqual({ email: "ana@example.com", already: true });
    await expect(unsubscribe({ ctx: testCtx(db.db), input: { token: "garbage.token" } })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await db.query("SELECT email, reason FROM crm_suppressions")).toEqual([{ email: "ana@example.com", reason: "unsubscribed" }]);
  });
});
