/**
 * Entry of `startAzuriteProcess` (testground/sim/azurite.ts): Azurite's queue service in a process of its own, as a
 * Storage account is a service of its own. Tells the parent its port, stops on "stop" or when the parent
 * goes away.
 */
import { startAzurite } from "./azurite.js";

async function main(): Promise<void> {
  const azurite = await startAzurite(Number(process.argv[2] ?? 0));
  const stop = () => void azurite.close().finally(() => process.exit(0));
  process.on("message", (m) => {
    if (m === "stop") stop();
  });
  process.on("disconnect", stop);
  process.send?.({ port: azurite.port });
}

main().catch((error: unknown) => {
  process.send?.({ error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
