import { bigint, integer, jsonb, numeric, pgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { env } from "@/lib/env";

/**
 * The main app's tables, declared for typed queries only. The CRM never
 * migrates them: drizzle.config.ts does not read this folder. The schema name
 * comes from SOURCE_SCHEMA (default "app"); docs/source-contract.md says what
 * each column means and how to map a Supabase project onto it.
 */
export const sourceSchema = pgSchema(env().SOURCE_SCHEMA);

export const appUsers = sourceSchema.table("users", {
  id: uuid("id").primaryKey(),
  email: text("email").notNull(),
  name: text("name"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
  lastActiveAt: timestamp("last_active_at", { withTimezone: true }),
});

export const appSessions = sourceSchema.table("sessions", {
  id: bigint("id", { mode: "number" }).primaryKey(),
  userId: uuid("user_id").notNull(),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
  endedAt: timestamp("ended_at", { withTimezone: true }),
});

export const appEvents = sourceSchema.table("events", {
  id: bigint("id", { mode: "number" }).primaryKey(),
  userId: uuid("user_id").notNull(),
  name: text("name").notNull(),
  properties: jsonb("properties").$type<Record<string, unknown>>().notNull(),
  occurredAt: timestamp("occurred_at", { withTimezone: true }).notNull(),
});

export const appTokenUsage = sourceSchema.table("token_usage", {
  id: bigint("id", { mode: "number" }).primaryKey(),
  userId: uuid("user_id").notNull(),
  model: text("model").notNull(),
  feature: text("feature").notNull(),
  inputTokens: integer("input_tokens").notNull(),
  outputTokens: integer("output_tokens").notNull(),
  costUsd: numeric("cost_usd", { precision: 12, scale: 6 }).notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
});

export const appSubscriptions = sourceSchema.table("subscriptions", {
  id: bigint("id", { mode: "number" }).primaryKey(),
  userId: uuid("user_id").notNull(),
  plan: text("plan").notNull(),
  status: text("status").notNull(),
  price: numeric("price", { precision: 10, scale: 2 }).notNull(),
  interval: text("interval").notNull(),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
  canceledAt: timestamp("canceled_at", { withTimezone: true }),
});

export const appPayments = sourceSchema.table("payments", {
  id: bigint("id", { mode: "number" }).primaryKey(),
  userId: uuid("user_id").notNull(),
  subscriptionId: bigint("subscription_id", { mode: "number" }),
  amount: numeric("amount", { precision: 10, scale: 2 }).notNull(),
  currency: text("currency").notNull(),
  status: text("status").notNull(),
  plan: text("plan"),
  paidAt: timestamp("paid_at", { withTimezone: true }).notNull(),
});
