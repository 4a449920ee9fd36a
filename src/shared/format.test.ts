import { describe, expect, it } from "vitest";
import { formatChange } from "./format";

describe("formatChange", () => {
  it("signs a change and names its direction", () => {
    expect(formatChange(1.23, " pts")).toEqual({ text: "+1.2 pts", tone: "up" });
    expect(formatChange(-0.44, "%")).toEqual({ text: "-0.4%", tone: "down" });
    expect(formatChange(0.05, "%")).toEqual({ text: "+0.1%", tone: "up" });
  });
  it("shows a change that rounds to nothing as 0.0, never -0.0", () => {
    expect(formatChange(-0.0001, " pts")).toEqual({ text: "0.0 pts", tone: "flat" });
    expect(formatChange(0.049, "%")).toEqual({ text: "0.0%", tone: "flat" });
    expect(formatChange(0, "%")).toEqual({ text: "0.0%", tone: "flat" });
  });
});
