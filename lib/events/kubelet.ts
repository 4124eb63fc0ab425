/** Log events of the virtual node's kubelet endpoint (lib/kubelet), served by the watcher process. */
import type { EventSpec } from "./types.js";

export const KUBELET_EVENTS = {
  "kubelet.listening": {
    level: "info",
    fields: ["port", "node", "clientCa"],
    meaning:
      "The kubelet endpoint (logs, exec, attach, stats) is serving HTTPS; `clientCa` says whether client certificates are accepted.",
    action: "nothing",
  },
  "kubelet.clientca.unavailable": {
    level: "warn",
    fields: ["error"],
    meaning:
      "No client CA: KUBELET_CLIENT_CA_FILE is unset and the ConfigMap kube-system/extension-apiserver-authentication (key client-ca-file) could not be read. Bearer tokens still work; the API server's client certificate (kubectl logs/exec/attach) is refused with 401.",
    action:
      "Grant `get` on that ConfigMap (docs/kubelet-api.md#rbac) or mount the CA and set KUBELET_CLIENT_CA_FILE.",
  },
  "kubelet.cert.pending": {
    level: "info",
    fields: ["node", "csr"],
    meaning:
      "A kubernetes.io/kubelet-serving CertificateSigningRequest was created for the endpoint's serving certificate and waits for approval (WATCHER_KUBELET_TLS_MODE=csr, and at each rotation).",
    action: "Approve it (`kubectl certificate approve <csr>`) unless an approver controller does.",
  },
  "kubelet.cert.issued": {
    level: "info",
    fields: ["node", "csr", "notAfter"],
    meaning: "The kubelet-serving CSR was signed; the endpoint serves that certificate.",
    action: "nothing",
  },
  "kubelet.cert.refused": {
    level: "warn",
    fields: ["node", "csr", "reason", "error"],
    meaning:
      "The kubelet-serving CSR was denied, failed or deleted (`reason`), or the CSR API call failed (`error`); a new CSR is made after a minute.",
    action:
      "Read `error`; check the watcher's create/get on certificatesigningrequests and the approver's policy (docs/kubelet-api.md#serving-certificate).",
  },
  "kubelet.cert.rotated": {
    level: "info",
    fields: ["node", "source", "csr", "notAfter", "previousNotAfter"],
    meaning:
      "The serving certificate was replaced (80 % of its validity had passed, or an approved CSR replaced a self-signed fallback); new connections get it, without a restart.",
    action: "nothing",
  },
  "kubelet.cert.rotate.failed": {
    level: "warn",
    fields: ["node", "error", "notAfter"],
    meaning:
      "Getting the next serving certificate failed; the current one keeps serving until `notAfter` and the rotation is retried.",
    action: "Read `error`; approve the pending CSR or fix the CSR permissions before `notAfter`.",
  },
  "kubelet.request.denied": {
    level: "warn",
    fields: ["method", "path", "status"],
    meaning:
      "A request to the kubelet endpoint was refused: 401 (no valid client certificate or token) or 403 (SubjectAccessReview denied).",
    action:
      "Expected for stray callers. If `kubectl logs`/`exec` fail for everyone, check the client CA the chart mounts and that the API server's kubelet-client user may use nodes/proxy.",
  },
  "kubelet.request.failed": {
    level: "warn",
    fields: ["method", "path", "status", "error"],
    meaning:
      "A kubelet request failed with a 5xx: ARM or the API server (TokenReview/SubjectAccessReview) failed.",
    action:
      "Read `error`; repeated failures point at the watcher's ARM identity or its RBAC (docs/kubelet-api.md).",
  },
  "kubelet.logs.follow.started": {
    level: "info",
    fields: ["pod", "container"],
    meaning: "`kubectl logs -f` began following a container (polling ACI's log API).",
    action: "nothing",
  },
  "kubelet.logs.follow.ended": {
    level: "info",
    fields: ["pod", "container", "reason", "ms"],
    meaning:
      "A followed log ended: `stopped`/`restarted` (the container instance ended), `gone` (group deleted), `client` (the user left), `limitBytes`, or `error`.",
    action: "nothing",
  },
  "kubelet.logs.follow.failed": {
    level: "warn",
    fields: ["pod", "container", "error"],
    meaning: "Polling ACI's log API failed while following; the stream was ended.",
    action: "Read `error` (ARM throttling or authorization); the user can re-run `kubectl logs -f`.",
  },
  "kubelet.stream.started": {
    level: "info",
    fields: ["pod", "container", "kind", "user"],
    meaning: "An exec or attach session was authorized and is being connected to ACI.",
    action: "nothing",
  },
  "kubelet.stream.ended": {
    level: "info",
    fields: ["pod", "container", "kind", "protocol", "exitCode", "ms"],
    meaning:
      "An exec or attach session ended; `protocol` is the client's transport and version (`SPDY/3.1 v4.channel.k8s.io`, `WebSocket v5.channel.k8s.io`); `exitCode` is absent when ACI did not report one.",
    action: "nothing",
  },
  "kubelet.stream.failed": {
    level: "warn",
    fields: ["pod", "container", "kind", "error"],
    meaning: "An exec or attach session could not be started or broke (ARM call or ACI websocket failed).",
    action: "Read `error`; check the watcher identity's exec/attach rights (docs/kubelet-api.md).",
  },
  "kubelet.stats.refresh.failed": {
    level: "warn",
    fields: ["error"],
    meaning:
      "Refreshing pod metrics (ARM list of groups, Azure Monitor metrics batch) failed; scrapes get the last data with scrape_error 1.",
    action:
      "Read `error`; check the watcher identity's containerGroups/read and Microsoft.Insights/metrics/read (docs/kubelet-api.md).",
  },
} as const satisfies Record<string, EventSpec>;
