{{/*
Chart name, truncated to 63 chars (DNS label limit).
*/}}
{{- define "aci-bridge-watcher.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: the release name when it already contains the chart name.
*/}}
{{- define "aci-bridge-watcher.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "aci-bridge-watcher.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Namespace of the namespaced objects: namespaceOverride, else the release namespace.
*/}}
{{- define "aci-bridge-watcher.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels: commonLabels plus the chart's own (which win on a clash, so selectors keep working).
*/}}
{{- define "aci-bridge-watcher.labels" -}}
{{- $own := dict "helm.sh/chart" (include "aci-bridge-watcher.chart" .) "app.kubernetes.io/version" .Chart.AppVersion "app.kubernetes.io/managed-by" .Release.Service }}
{{- $own = merge $own (include "aci-bridge-watcher.selectorLabels" . | fromYaml) }}
{{- toYaml (merge $own (.Values.commonLabels | default dict)) }}
{{- end }}

{{/*
Selector labels (stable across upgrades).
*/}}
{{- define "aci-bridge-watcher.selectorLabels" -}}
app.kubernetes.io/name: {{ include "aci-bridge-watcher.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
ServiceAccount name.
*/}}
{{- define "aci-bridge-watcher.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "aci-bridge-watcher.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Name of the Secret holding the queue credential ("" with workload identity).
*/}}
{{- define "aci-bridge-watcher.secretName" -}}
{{- if .Values.queue.existingSecret }}
{{- .Values.queue.existingSecret }}
{{- else if not .Values.workloadIdentity.enabled }}
{{- include "aci-bridge-watcher.fullname" . }}
{{- end }}
{{- end }}

{{/*
Key of the queue credential in the Secret: `sasUrl` or `connectionString`.
*/}}
{{- define "aci-bridge-watcher.secretKey" -}}
{{- if .Values.queue.existingSecret }}
{{- .Values.queue.existingSecretKey }}
{{- else if .Values.queue.connectionString }}
{{- print "connectionString" }}
{{- else }}
{{- print "sasUrl" }}
{{- end }}
{{- end }}

{{/*
Container image: by digest when image.digest is set, else by tag (default: the chart's appVersion).
*/}}
{{- define "aci-bridge-watcher.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}
