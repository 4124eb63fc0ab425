/** Log events of the Functions side (podEvents, reconcile) and their adapters. */
import type { EventSpec } from "./types.js";

const nothing = "nothing";

export const BRIDGE_EVENTS = {
  "message.invalid": {
    level: "error",
    fields: ["error", "dequeueCount", "preview"],
    meaning:
      "A pod-events message did not parse or validate as a v1 message; it was moved to pod-events-poison.",
    action: "Inspect pod-events-poison; a sender other than the watcher may be writing to the queue.",
  },
  "message.retry": {
    level: "warn",
    fields: ["pod", "reason", "dequeueCount", "error"],
    meaning:
      "Handling a message failed with an error that is not a transient bridge error (or the delayed copy could not be sent); the host will retry it (poison after maxDequeueCount).",
    action:
      "Nothing if occasional. If sustained, check ARM/Kubernetes reachability (arm.unhealthy, node.ready.changed).",
  },
  "pod.gone": {
    level: "info",
    fields: ["pod"],
    meaning: "The pod no longer exists and has no container group: nothing to do.",
    action: nothing,
  },
  "pod.ignored": {
    level: "info",
    fields: ["pod", "node"],
    meaning: "The pod is not bound to a virtual node this deployment serves.",
    action: "Nothing, unless the node name should be in ACI_NODE_NAMES.",
  },
  "pod.status.updated": {
    level: "info",
    fields: ["pod", "phase", "from", "containerGroupState"],
    meaning: "The pod's status was patched from its container group.",
    action: nothing,
  },
  "pod.failed": {
    level: "warn",
    fields: ["pod", "reason", "message", "source"],
    meaning:
      "The pod was marked Failed: by the bridge (source=bridge: invalid spec, name conflict, lost group) or because its containers failed in ACI (source=aci).",
    action:
      "Read the pod's Events (kubectl describe pod); fix the manifest for UnsupportedPodSpec/InvalidPodSpec/MissingReference.",
  },
  "pod.write.conflict": {
    level: "info",
    fields: ["pod", "uid", "action"],
    meaning:
      "A status write found the pod changed since it was read (another instance wrote first, or the pod was deleted and re-created with the same name); the pod was read again and the decision made once more.",
    action: "Nothing if occasional: several instances looking at one pod at once cause it.",
  },
  "pod.finalized": {
    level: "info",
    fields: ["pod", "uid"],
    meaning:
      "A terminating pod's container group is gone; the pod object was deleted (grace 0, uid precondition).",
    action: nothing,
  },
  "cg.created": {
    level: "info",
    fields: ["pod", "uid", "containerGroup", "region"],
    meaning: "ARM accepted the PUT of the pod's container group.",
    action: nothing,
  },
  "cg.create.failed": {
    level: "error",
    fields: ["pod", "uid", "reason", "field", "error"],
    meaning:
      "The pod cannot run on ACI (invalid or unsupported spec, missing reference, ARM rejected the body); the pod was marked Failed.",
    action: "Fix the pod spec named in `field`; see docs/translation.md for what is supported.",
  },
  "cg.create.retry": {
    level: "warn",
    fields: ["pod", "uid", "error"],
    meaning: "Creating the container group failed with a transient error; the message is retried.",
    action: "Nothing if occasional; if sustained, check arm.unhealthy and ARM service health.",
  },
  "cg.create.claim.lost": {
    level: "info",
    fields: ["pod", "uid", "containerGroup"],
    meaning:
      "Another instance changed the pod first (usually: claimed its create); this one sent no PUT and looks again.",
    action: nothing,
  },
  "pod.waiting.reference": {
    level: "info",
    fields: ["pod", "reason", "message", "retrySeconds"],
    meaning:
      "The pod waits for a Secret or ConfigMap it needs (Pending, CreateContainerConfigError or FailedMount, like the kubelet); looked at again after a back-off.",
    action: "Create the named Secret/ConfigMap (or mark the reference optional).",
  },
  "message.retry.deferred": {
    level: "warn",
    fields: ["pod", "reason", "attempt", "retrySeconds", "error", "coalesced"],
    meaning:
      "Handling a message failed with a transient error (ARM/Kubernetes 5xx, timeout, conflict); a delayed copy was sent and this one completed, so outages never spend the poison budget. `coalesced: true`: no copy was sent, because this instance already re-sent a further-along one for the pod (one retry chain per pod, ADR 0007).",
    action:
      "Nothing if occasional. If sustained, check ARM/Kubernetes reachability (arm.unhealthy, node.ready.changed).",
  },
  "cg.create.deferred": {
    level: "info",
    fields: ["pod", "deferSeconds"],
    meaning:
      "A create was postponed because ARM throttled this instance recently; the message comes back after the delay.",
    action: "Nothing; sustained deferrals mean the create quota (100 per 5 min per region) is the limit.",
  },
  "cg.deleted": {
    level: "info",
    fields: ["pod", "uid", "containerGroup", "why", "done"],
    meaning:
      "The bridge deleted a container group (pod terminating, pod gone, or replaced by a new pod with the same name).",
    action: nothing,
  },
  "cg.orphan.deleted": {
    level: "info",
    fields: ["pod", "uid", "containerGroup"],
    meaning: "Repair deleted a tagged container group whose pod no longer exists (e.g. a force-deleted pod).",
    action: "Nothing; frequent orphans mean messages are being lost (check the watcher).",
  },
  "cg.foreign.skipped": {
    level: "info",
    fields: ["pod", "containerGroup"],
    meaning: "A group with the pod's name exists but is not tagged for this cluster/node; it was left alone.",
    action: nothing,
  },
  "cg.foreign.conflict": {
    level: "warn",
    fields: ["pod", "containerGroup"],
    meaning:
      "A container group not managed by aci-bridge occupies the pod's group name; the pod was marked Failed.",
    action: "Rename or remove the foreign group, or move aci-bridge to its own resource group.",
  },
  "cg.name.clash": {
    level: "warn",
    fields: ["pod", "containerGroup", "owner"],
    meaning:
      "Two pods map to the same container group name (namespace/name with hyphens); the later one was marked Failed.",
    action: "Rename one of the pods.",
  },
  "arm.throttled": {
    level: "warn",
    fields: ["pod", "retryAfterMs", "deferSeconds", "error"],
    meaning:
      "ARM or ACI answered 429 (or quota reached); the message was re-enqueued after Retry-After instead of retried hot.",
    action: "If sustained: lower the pod create rate, or ask for a higher ACI quota for the region.",
  },
  "arm.unhealthy": {
    level: "warn",
    fields: ["reason", "error"],
    meaning: "The timer's ARM probe failed; the virtual node is reported Ready=False with this reason.",
    action:
      "ArmUnauthorized: check the managed identity and its role on the resource group. ArmUnreachable: check Azure status and networking.",
  },
  "event.record.failed": {
    level: "warn",
    fields: ["pod", "reason", "error"],
    meaning: "A Kubernetes Event could not be recorded (best effort).",
    action: "Nothing if occasional; check the bridge's Kubernetes credentials if sustained.",
  },
  "image.entrypoint.unresolved": {
    level: "warn",
    fields: ["pod", "image", "error"],
    meaning: "The image's ENTRYPOINT could not be read from its registry (needed for args without command).",
    action: "Give the container an explicit command, or check the image name and pull secret.",
  },
  "image.config.unresolved": {
    level: "warn",
    fields: ["pod", "image", "error"],
    meaning:
      "The image's config (WORKDIR, shell) could not be read from its registry: a container's workingDir falls back to the node's ACI_WORKING_DIR policy.",
    action: "Check the image name and pull secret, or set workingDir to the image's WORKDIR.",
  },
  "node.registered": {
    level: "info",
    fields: ["node", "region"],
    meaning: "The virtual Node object did not exist and was created.",
    action: nothing,
  },
  "node.labels.restricted": {
    level: "warn",
    fields: ["node", "dropped"],
    meaning:
      "The API server (NodeRestriction, node credentials) refused labels a kubelet may not set on itself; the node was registered without them.",
    action:
      "Nothing, or add the dropped labels (e.g. kubernetes.io/role) with an admin `kubectl label node`.",
  },
  "node.ready.changed": {
    level: "warn",
    fields: ["node", "ready", "reason", "message"],
    meaning:
      "The virtual node's Ready condition changed (True, or False with ArmUnreachable/ArmUnauthorized).",
    action: "On False: see arm.unhealthy; pods cannot be created until ARM is reachable again.",
  },
  "node.heartbeat.failed": {
    level: "error",
    fields: ["node", "error", "status", "message"],
    meaning:
      "Registering the Node or renewing its Lease or status failed; `message` is the API server's reason (its Status message). The reconcile invocation fails too. After ~40 s without renewal Kubernetes marks the node NotReady and later evicts pods.",
    action:
      "Read `message`: 400 means the bridge sent something the API server rejects (a bug: report it); 401/403 the kubeconfig (KUBECONFIG_CONTENT) expired or lacks the node's rights; no status: API server unreachable. docs/runbook.md#heartbeat-loss--node-notready",
  },
  "node.heartbeat.late": {
    level: "warn",
    fields: ["node", "gapSeconds", "previousRenewTime", "holder"],
    meaning:
      "The node Lease was renewed more than 20 s after its previous renewal (the Lease lasts 40 s; renewals are due every ~10 s). The timer was not running, was blocked, or the API server was unreachable for a while.",
    action:
      "See docs/runbook.md#late-heartbeat. Repeated lines mean the node is close to NotReady and pod eviction.",
  },
  "repair.completed": {
    level: "info",
    fields: [
      "pods",
      "groups",
      "ownedGroups",
      "enqueuedMissing",
      "enqueuedStale",
      "enqueuedTerminating",
      "enqueuedRotation",
      "enqueuedRestore",
      "orphansDeleted",
      "orphansRefused",
      "truncated",
      "skipped",
      "durationMs",
    ],
    meaning:
      "The timer's repair pass listed pods and groups and enqueued/deleted what was out of line. `enqueuedRestore`: status checks re-started after an outage. `truncated`: the time budget ran out; the next repair continues after the last pod handled (`skipped` actions left).",
    action:
      "Nothing; steadily non-zero enqueuedMissing means messages are being lost; truncated on every repair means the repair interval is too short for the pod count.",
  },
  "repair.chains.restore": {
    level: "warn",
    fields: ["why"],
    meaning:
      "The timer saw an outage (failed or late heartbeat, ARM unhealthy, failed repair): the next repair sends a spread-out `status` check for every non-final pod, so follow-up chains lost during the outage start again.",
    action: "Nothing; it costs one ARM read per non-final pod, spread over a few minutes.",
  },
  "repair.orphans.refused": {
    level: "error",
    fields: ["reason", "cluster", "kubeSystemUid", "hint"],
    meaning:
      "Repair did not delete orphan container groups: no cluster identity could be established (ACI_CLUSTER_ID and ACI_BRIDGE_CLUSTER_NAME unset and the kube-system namespace not readable with these credentials, or ACI_BRIDGE_CLUSTER_NAME pinned to `default`: another default install sharing the resource group would look like us), or ACI_CLUSTER_ID does not match this cluster's kube-system namespace uid.",
    action:
      "Set ACI_CLUSTER_ID to `kubectl get namespace kube-system -o jsonpath='{.metadata.uid}'` (docs/deploy.md#cluster-identity); on an existing install drain the virtual node first.",
  },
  "repair.failed": {
    level: "error",
    fields: ["error"],
    meaning: "The repair pass failed (listing pods or groups); it runs again next period.",
    action: "Check ARM and Kubernetes reachability.",
  },
  "config.invalid": {
    level: "error",
    fields: ["error"],
    meaning: "An app setting is missing or malformed; the function cannot run.",
    action: "Fix the named app setting (see README Configuration).",
  },
} as const satisfies Record<string, EventSpec>;
