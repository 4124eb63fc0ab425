import { describe, expect, it } from "vitest";
import { parseQuantity } from "../../lib/translate/index.js";
import { aciCpu, aciMemoryGb } from "../../lib/translate/quantity.js";

describe("quantities", () => {
  it.each([
    ["500m", 0.5],
    ["1.5", 1.5],
    ["2Gi", 2 * 2 ** 30],
    ["1G", 1e9],
    ["512Mi", 512 * 2 ** 20],
    ["1e3", 1000],
    ["10k", 10000],
    ["100n", 1e-7],
    [2, 2],
  ] as const)("%s → %d", (input, value) => {
    expect(parseQuantity(input)).toBeCloseTo(value, 12);
  });
  it.each(["", "abc", "1Gb", "--1"])("rejects %j", (input) => expect(parseQuantity(input)).toBeUndefined());
  it("rounds up to ACI's granularity", () => {
    expect(aciCpu(0.001)).toBe(0.01);
    expect(aciCpu(0.333)).toBe(0.34);
    expect(aciCpu(0.5)).toBe(0.5);
    expect(aciMemoryGb(512 * 2 ** 20)).toBe(0.6);
    expect(aciMemoryGb(1e9)).toBe(1);
    expect(aciMemoryGb(2 * 2 ** 30)).toBe(2.2);
  });
});
