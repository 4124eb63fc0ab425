/**
 * The local stack's kubelet endpoint when nobody approves its CSR (a cluster without an approver): after the
 * bounded wait it serves a self-signed certificate for the node address, says so, and switches to the issued
 * certificate — without a restart — once the still-pending CSR is approved. Against the API fake (no
 * auto-approver) and the ACI simulator, over HTTPS.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import * as tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeConfigConnection } from "../../../lib/kube/http/connection.js";
import { memoryLogger } from "../../../lib/log.js";
import { startLocalKubelet, type LocalKubelet } from "../../../testground/local/kubelet.js";
import { startAciSimulator, type AciSimulator } from "../../../testground/sim/aci/index.js";
import { startKubeFake, type KubeFake } from "../../../testground/sim/kube/index.js";

let kube: KubeFake;
let sim: AciSimulator;
let kubelet: LocalKubelet | undefined;

beforeAll(async () => {
  kube = await startKubeFake();
  sim = await startAciSimulator({ throttling: false });
});
afterAll(async () => {
  await kubelet?.close();
  await kube.close();
  await sim.close();
});

function presentedIssuer(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      const der = s.getPeerX509Certificate()?.raw;
      s.end();
      resolve(der ? new x509.X509Certificate(der).issuer : "");
    });
    s.on("error", reject);
  });
}

describe("local kubelet endpoint without a CSR approver", () => {
  it("serves self-signed after the wait, then the issued certificate once approved", async () => {
    const lines: string[] = [];
    kubelet = await startLocalKubelet({
      address: "127.0.0.1",
      port: 0,
      nodeName: "vn-local",
      clusterName: "local",
      kube: kubeConfigConnection(kube.kubeConfig({ user: "admin" })),
      aci: {
        subscriptionId: sim.subscriptionId,
        resourceGroup: "rg",
        armEndpoint: sim.endpoint,
        armInsecure: true,
      },
      metricsEndpoint: sim.endpoint,
      csrTimeoutMs: 300,
      progress: (l) => lines.push(l),
      logger: memoryLogger(),
    });
    const csr = /CSR (\S+) to be approved/.exec(lines[0] ?? "")?.[1] ?? "";
    expect(csr).not.toBe("");
    expect(kubelet.certificate()).toBe("self-signed");
    expect(lines.join("\n")).toContain(
      "serving a self-signed certificate for 127.0.0.1 instead (the API server does not verify kubelet serving certificates unless --kubelet-certificate-authority is set); the CSR stays pending and is used once approved",
    );
    expect(await presentedIssuer(kubelet.port)).toBe("CN=system:node:vn-local, O=system:nodes");

    kube.approveCsr(csr);
    await expect.poll(() => kubelet!.certificate(), { timeout: 15_000, interval: 100 }).toBe("csr");
    expect(lines.at(-1)).toBe(
      `kubelet serving certificate: CSR ${csr} approved; now serving the issued certificate`,
    );
    expect(await presentedIssuer(kubelet.port)).toBe("CN=kube-fake-ca");
  }, 30_000);
});
