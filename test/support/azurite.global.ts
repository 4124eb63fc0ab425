/**
 * vitest global setup: one Azurite queue service for the whole run, on a random port.
 * Suites read its connection string from `inject("azuriteConnectionString")`.
 */
import type { TestProject } from "vitest/node";
import { startAzurite, type RunningAzurite } from "../../testground/sim/azurite.js";

let azurite: RunningAzurite | undefined;

export async function setup(project: TestProject): Promise<void> {
  azurite = await startAzurite(0);
  project.provide("azuriteConnectionString", azurite.connectionString);
}

export async function teardown(): Promise<void> {
  await azurite?.close();
}

declare module "vitest" {
  export interface ProvidedContext {
    azuriteConnectionString: string;
  }
}
