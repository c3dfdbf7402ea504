import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Two cores: at most two test files at once, each may start est-sim subprocesses.
    maxWorkers: 2,
    // The JSON report lets .ci/run print a one-line summary ("vitest: N passed, N failed").
    reporters: ["default", ["json", { outputFile: "build/test-results.json" }]],
  },
});
