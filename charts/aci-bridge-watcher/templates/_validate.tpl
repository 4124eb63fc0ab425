{{/*
Combinations that render valid objects but break at run time; deployment.yaml includes this so
`helm install`/`template` fail with a clear message instead (the schema checks single values).
*/}}
{{- define "aci-bridge-watcher.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail "replicaCount > 1 needs leaderElection.enabled (else every replica sends every event)" }}
{{- end }}
{{- with .Values.leaderElection }}
{{- if .enabled }}
{{- if ge (float64 .renewDeadlineSeconds) (float64 .leaseDurationSeconds) }}
{{- fail (printf "leaderElection.renewDeadlineSeconds (%v) must be less than leaderElection.leaseDurationSeconds (%v): a leader would hold the Lease after it expired and two replicas would send" .renewDeadlineSeconds .leaseDurationSeconds) }}
{{- end }}
{{- if ge (float64 .renewPeriodSeconds) (float64 .renewDeadlineSeconds) }}
{{- fail (printf "leaderElection.renewPeriodSeconds (%v) must be less than leaderElection.renewDeadlineSeconds (%v): the leader would step down before its first renewal (the watcher exits with watcher.config.invalid)" .renewPeriodSeconds .renewDeadlineSeconds) }}
{{- end }}
{{- end }}
{{- end }}
{{- if le (float64 .Values.terminationGracePeriodSeconds) (float64 .Values.watcher.shutdownGraceSeconds) }}
{{- fail (printf "terminationGracePeriodSeconds (%v) must be greater than watcher.shutdownGraceSeconds (%v): the kubelet would kill the watcher before it flushed its backlog and released the Lease" .Values.terminationGracePeriodSeconds .Values.watcher.shutdownGraceSeconds) }}
{{- end }}
{{- if and .Values.queue.connectionString .Values.queue.sasUrl }}
{{- fail "set queue.connectionString or queue.sasUrl, not both (the watcher would silently use the connection string)" }}
{{- end }}
{{- $pod := .Values.podSecurityContext | default dict }}
{{- $ctr := .Values.securityContext | default dict }}
{{- $nonRoot := or $pod.runAsNonRoot $ctr.runAsNonRoot }}
{{- $user := $pod.runAsUser }}
{{- if hasKey $ctr "runAsUser" }}{{ $user = $ctr.runAsUser }}{{ end }}
{{- if and $nonRoot (not (kindIs "invalid" $user)) (eq (float64 $user) 0.0) }}
{{- fail "runAsUser 0 (root) contradicts runAsNonRoot: true; the kubelet would refuse to start the container (CreateContainerConfigError). Use a non-zero UID (the image's user `node` is 1000)" }}
{{- end }}
{{- $caps := $ctr.capabilities | default dict }}
{{- $added := without ($caps.add | default list) "NET_BIND_SERVICE" }}
{{- if $added }}
{{- fail (printf "securityContext.capabilities.add %v: the restricted Pod Security Standard allows adding only NET_BIND_SERVICE, so a namespace enforcing it would reject the watcher's pods" $added) }}
{{- end }}
{{- if not (has "ALL" ($caps.drop | default list)) }}
{{- fail "securityContext.capabilities.drop must contain ALL (restricted Pod Security Standard)" }}
{{- end }}
{{- include "aci-bridge-watcher.validateKubelet" . }}
{{- end }}
