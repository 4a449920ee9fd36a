import { describe, expect, it } from "vitest";
import { jsonResponse } from "./json";

describe("jsonResponse", () => {
  it("marks an answer under 1 KB no-transform (Next.js then sends it uncompressed), keeping its status and headers", async () => {
    const res = jsonResponse({ ok: true }, { status: 202, headers: { "cache-control": "no-store", "retry-after": "5" } });
    expect(res.status).toBe(202);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("cache-control")).toBe("no-store, no-transform");
    expect(res.headers.get("retry-after")).toBe("5");
    expect(await res.json()).toEqual({ ok: true });
    expect(jsonResponse({ a: 1 }).headers.get("cache-control")).toBe("no-transform");
  });

  it("leaves an answer of 1 KB or more to be compressed", async () => {
    const big = { text: "x".repeat(1024) };
    const res = jsonResponse(big, { headers: { "cache-control": "no-store" } });
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual(big);
    // Counted in bytes, not characters: 400 three-byte characters are over the threshold.
    expect(jsonResponse({ t: "€".repeat(400) }).headers.get("cache-control")).toBeNull();
  });

  it("refuses what JSON cannot carry, as Response.json does", () => {
    expect(() => jsonResponse(undefined)).toThrow(TypeError);
  });
});
