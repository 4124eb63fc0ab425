/**
 * Native sidecars (`initContainers[].restartPolicy: Always`) on ACI. The translator runs them as ACI
 * containers beside the main ones (ACI has no restartable init containers), so the group keeps running while
 * a sidecar runs. For a pod that completes (restartPolicy Never or OnFailure) Kubernetes ends the pod when its
 * main containers have finished and then stops the sidecars; here that decision is a pure function of the
 * group's instance view, for the status translator (phase from the main containers) and for the reconciler
 * (stop the group). docs/translation.md "Native sidecars".
 */
import type { ContainerGroup } from "@azure/arm-containerinstance";
import type { V1Container, V1Pod } from "@kubernetes/client-node";

/** A native sidecar: an init container with `restartPolicy: Always` (Kubernetes 1.33 GA). */
export function isSidecar(c: V1Container): boolean {
  return c.restartPolicy === "Always";
}

export function sidecarNames(pod: V1Pod): Set<string> {
  return new Set((pod.spec?.initContainers ?? []).filter(isSidecar).map((c) => c.name));
}

/** Where the pod's main containers stand, read from the group's instance view. */
export interface MainContainersOutcome {
  /** Every main container has finished for good (it will not be restarted under the pod's restartPolicy). */
  finished: boolean;
  /** The pod's phase once finished: Succeeded when every main container exited 0, else Failed. */
  phase?: "Succeeded" | "Failed";
}

/**
 * Whether the main containers of a completing pod have finished. restartPolicy Never: every main container
 * terminated (Failed if any exit code ≠ 0). OnFailure: every main container terminated with exit code 0 (a
 * failed one is restarted by ACI, so the pod is not finished). Always: never finished.
 */
export function mainContainersOutcome(cg: ContainerGroup, pod: V1Pod): MainContainersOutcome {
  const policy = pod.spec?.restartPolicy ?? "Always";
  const main = pod.spec?.containers ?? [];
  if (policy === "Always" || main.length === 0) return { finished: false };
  const exitCodes: number[] = [];
  for (const c of main) {
    const state = cg.containers?.find((x) => x.name === c.name)?.instanceView?.currentState;
    if (state?.state?.toLowerCase() !== "terminated") return { finished: false };
    exitCodes.push(state.exitCode ?? 0);
  }
  const failed = exitCodes.some((code) => code !== 0);
  if (failed && policy === "OnFailure") return { finished: false };
  return { finished: true, phase: failed ? "Failed" : "Succeeded" };
}

/**
 * For the reconciler: true when the pod has native sidecars, its main containers have finished
 * (`mainContainersOutcome`), and the group is still running (its sidecars keep it alive). The action is to
 * stop the group (ARM `POST …/containerGroups/{name}/stop`), keeping it for logs; the pod's status already
 * reports the final phase from the main containers, and stays so once the group is Stopped.
 * Pure and idempotent: false again once the group is no longer running.
 */
export function shouldStopForCompletedSidecarPod(cg: ContainerGroup, pod: V1Pod): boolean {
  if (sidecarNames(pod).size === 0) return false;
  if ((cg.provisioningState ?? "").toLowerCase() !== "succeeded") return false;
  if (cg.instanceView?.state?.toLowerCase() !== "running") return false;
  return mainContainersOutcome(cg, pod).finished;
}
