// Tests never read a developer's .env: each case sets what it needs.
(process.env as Record<string, string>).NODE_ENV = "test";
process.env.SOURCE_SCHEMA ??= "app";
delete process.env.DATABASE_URL;
delete process.env.RESEND_API_KEY;
delete process.env.INNGEST_DEV;
delete process.env.INNGEST_EVENT_KEY;
delete process.env.INNGEST_SIGNING_KEY;
delete process.env.VAPID_PUBLIC_KEY;
delete process.env.VAPID_PRIVATE_KEY;
delete process.env.VAPID_SUBJECT;
delete process.env.PUSH_SERVICE_HOSTS;
