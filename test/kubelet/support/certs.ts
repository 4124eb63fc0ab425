/**
 * Test-only X.509 material, generated with the `openssl` CLI at test time (Node cannot create
 * certificates): a cluster CA, the kubelet endpoint's serving certificate for 127.0.0.1, and client
 * certificates signed by that CA or by an unrelated one. Nothing here is committed or used in production.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface KeyPair {
  cert: string;
  key: string;
}

export interface TestPki {
  ca: string;
  serving: KeyPair;
  /** CN=kube-apiserver-kubelet-client, O=system:masters (what kubeadm gives the API server). */
  apiServer: KeyPair;
  /** CN=jane, no group: authenticated, but nothing allows her. */
  jane: KeyPair;
  /** Signed by another CA: not a client of this cluster. */
  stranger: KeyPair;
}

function ssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

function caIn(dir: string, name: string): void {
  ssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
  ]);
}

function signed(dir: string, ca: string, name: string, subj: string, ext?: string): KeyPair {
  ssl(dir, [
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    subj,
  ]);
  const extArgs: string[] = [];
  if (ext) {
    writeFileSync(join(dir, `${name}.ext`), ext);
    extArgs.push("-extfile", `${name}.ext`);
  }
  ssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.crt`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    ...extArgs,
  ]);
  return {
    cert: readFileSync(join(dir, `${name}.crt`), "utf8"),
    key: readFileSync(join(dir, `${name}.key`), "utf8"),
  };
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "aci-bridge-pki-"));
  try {
    caIn(dir, "cluster-ca");
    caIn(dir, "other-ca");
    return {
      ca: readFileSync(join(dir, "cluster-ca.crt"), "utf8"),
      serving: signed(
        dir,
        "cluster-ca",
        "serving",
        "/CN=system:node:aci-bridge/O=system:nodes",
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
      ),
      apiServer: signed(
        dir,
        "cluster-ca",
        "apiserver",
        "/CN=kube-apiserver-kubelet-client/O=system:masters",
        "extendedKeyUsage=clientAuth\n",
      ),
      jane: signed(dir, "cluster-ca", "jane", "/CN=jane", "extendedKeyUsage=clientAuth\n"),
      stranger: signed(
        dir,
        "other-ca",
        "stranger",
        "/CN=kube-apiserver-kubelet-client/O=system:masters",
        "extendedKeyUsage=clientAuth\n",
      ),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
