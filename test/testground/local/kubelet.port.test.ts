/**
 * The local stack's kubelet port, decided before the serving certificate is asked for: a taken default port
 * (10250 with a real cluster: a kubelet on this machine) gives way to any free port with a note; a taken
 * port the user chose, or an address not of this machine, is a startup error at once (not after the CSR wait).
 */
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planKubeletPort, probeListen } from "../../../testground/local/kubelet.js";

let taken: Server;
let port = 0;
beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", () => resolve()));
  port = (taken.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

describe("probeListen", () => {
  it("says EADDRINUSE for a port something listens on, nothing for a free one", async () => {
    expect(await probeListen("127.0.0.1", port)).toBe("EADDRINUSE");
    expect(await probeListen("127.0.0.1", 0)).toBeUndefined();
  });

  it("says EADDRNOTAVAIL for an address of another machine", async () => {
    expect(await probeListen("192.0.2.1", 10250)).toBe("EADDRNOTAVAIL");
  });
});

describe("planKubeletPort", () => {
  const o = { address: "127.0.0.1", port: 10250 };

  it("keeps a free port, and 0", () => {
    expect(planKubeletPort({ ...o, chosen: false }, undefined)).toEqual({ port: 10250 });
    expect(planKubeletPort({ ...o, port: 0, chosen: true }, "EADDRINUSE")).toEqual({ port: 0 });
  });

  it("a taken default port: any free port, with a note saying why and what the Node advertises", () => {
    const plan = planKubeletPort({ ...o, chosen: false }, "EADDRINUSE");
    expect(plan).toMatchObject({ port: 0 });
    expect("note" in plan && plan.note).toMatch(
      /^port 10250 is in use on 127\.0\.0\.1 \(a kubelet on this machine\?\): the endpoint takes any free port/,
    );
  });

  it("a taken chosen port, or an address not of this machine: an error that says what to do", () => {
    expect(planKubeletPort({ ...o, chosen: true }, "EADDRINUSE")).toEqual({
      error:
        "port 10250 is in use on 127.0.0.1 (kubelet endpoint): stop what listens there, or pass another --kubelet-port",
    });
    expect(planKubeletPort({ ...o, address: "192.0.2.1", chosen: false }, "EADDRNOTAVAIL")).toEqual({
      error:
        "cannot listen on 192.0.2.1:10250 (EADDRNOTAVAIL, kubelet endpoint): --node-address must be an address of this machine",
    });
  });
});
