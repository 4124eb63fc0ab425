/** Runs the local stack's CLI in-process (the same `main` as `npm start`) and captures what it prints. */
import { main } from "../../../testground/local/main.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  all: string;
}

export async function runCli(argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  let all = "";
  const code = await main({
    argv,
    env, // not process.env: a developer's KUBECONFIG or Azure settings must not send the test to real backends
    stdout: {
      write: (t: string) => {
        stdout += t;
        all += t;
      },
      isTTY: false,
    },
    stderr: {
      write: (t: string) => {
        stderr += t;
        all += t;
      },
    },
    onInterrupt: () => () => undefined,
  });
  return { code, stdout, stderr, all };
}

/** Pod names as the Deployment controller makes them: `<deploy>-<pod-template-hash>-<5 chars>`. */
export const SAFE = "[bcdfghjklmnpqrstvwxz2456789]";
export const deploymentPod = (name: string) => new RegExp(`${name}-${SAFE}{6,10}-${SAFE}{5}`, "g");
