{{/*
The virtual node's kubelet endpoint (kubelet.enabled; docs/kubelet-api.md, "Installing with the chart").
*/}}

{{/* Name of the endpoint's Service and RBAC objects. */}}
{{- define "aci-bridge-watcher.kubeletName" -}}
{{- printf "%s-kubelet" (include "aci-bridge-watcher.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Node name in SubjectAccessReviews and in the CSR's subject (KUBELET_NODE_NAME). */}}
{{- define "aci-bridge-watcher.kubeletNodeName" -}}
{{- .Values.kubelet.nodeName | default (index .Values.nodeNames 0) }}
{{- end }}

{{/* Client id of the Azure identity that reads ACI for the endpoint (AZURE_CLIENT_ID). */}}
{{- define "aci-bridge-watcher.kubeletClientId" -}}
{{- .Values.kubelet.azure.clientId | default .Values.workloadIdentity.clientId }}
{{- end }}

{{/* "true" when the client CA comes from kube-system/extension-apiserver-authentication through the API. */}}
{{- define "aci-bridge-watcher.kubeletClientCaFromApi" -}}
{{- if not (or .Values.kubelet.clientCA.configMap .Values.kubelet.clientCA.secret) }}true{{ end }}
{{- end }}

{{/* Whether the pod uses Azure AD workload identity (the queue, the kubelet endpoint's ACI reads, or both). */}}
{{- define "aci-bridge-watcher.usesWorkloadIdentity" -}}
{{- if or .Values.workloadIdentity.enabled .Values.kubelet.enabled }}true{{ end }}
{{- end }}

{{/*
Refuses kubelet values that would render but leave the endpoint unreachable or every answer a 404/401
(included from _validate.tpl). The schema checks formats; presence is checked here, where the message can say why.
*/}}
{{- define "aci-bridge-watcher.validateKubelet" -}}
{{- with .Values.kubelet }}
{{- if .enabled }}
{{- if not .service.clusterIP }}
{{- fail "kubelet.enabled needs kubelet.service.clusterIP: a free IPv4 address in the cluster's service CIDR. The Functions publish it as the virtual node's InternalIP (their ACI_NODE_IP, Bicep param nodeIp) and the API server calls it for logs/exec/attach/top, so it must be fixed: an address Kubernetes assigns would change whenever the Service is recreated" }}
{{- end }}
{{- if not (or .clusterName .clusterId) }}
{{- fail "kubelet.enabled needs kubelet.clusterName: the Functions' ACI_BRIDGE_CLUSTER_NAME (Bicep param clusterName), or kubelet.clusterId when they were deployed with clusterId (ACI_CLUSTER_ID). The endpoint answers only for container groups tagged with this cluster" }}
{{- end }}
{{- if not .azure.subscriptionId }}
{{- fail "kubelet.enabled needs kubelet.azure.subscriptionId: the subscription of the ACI resource group (AZURE_SUBSCRIPTION_ID)" }}
{{- end }}
{{- if not .azure.resourceGroup }}
{{- fail "kubelet.enabled needs kubelet.azure.resourceGroup: the ACI resource group (Bicep output aciResourceGroupName, ACI_RESOURCE_GROUP)" }}
{{- end }}
{{- if not (include "aci-bridge-watcher.kubeletClientId" $) }}
{{- fail "kubelet.enabled needs an Azure identity for the ACI reads: kubelet.azure.clientId, or workloadIdentity.clientId (Bicep output watcherClientId; deploy with enableKubeletEndpoint=true so it holds the kubelet-endpoint role, docs/adr/0204-kubelet-endpoint-arm-rights.md)" }}
{{- end }}
{{- if and (eq .tls.mode "secret") (not .tls.secretName) }}
{{- fail "kubelet.tls.mode secret needs kubelet.tls.secretName: an existing kubernetes.io/tls Secret in the release namespace whose certificate's SAN is kubelet.service.clusterIP (or set kubelet.tls.mode=csr)" }}
{{- end }}
{{- if and .clientCA.configMap .clientCA.secret }}
{{- fail "set kubelet.clientCA.configMap or kubelet.clientCA.secret, not both" }}
{{- end }}
{{- if eq (int .port) (int $.Values.httpPort) }}
{{- fail (printf "kubelet.port (%v) must differ from httpPort (%v)" .port $.Values.httpPort) }}
{{- end }}
{{- if and .nodeName (not (has .nodeName $.Values.nodeNames)) }}
{{- fail (printf "kubelet.nodeName %q must be one of nodeNames %v: reviews and the serving certificate name that node" .nodeName $.Values.nodeNames) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* The endpoint's env on the watcher container (names: lib/config.ts loadKubeletEndpointConfig). */}}
{{- define "aci-bridge-watcher.kubeletEnv" -}}
{{- $k := .Values.kubelet }}
- name: WATCHER_KUBELET_ENABLED
  value: "true"
- name: KUBELET_PORT
  value: {{ $k.port | quote }}
- name: KUBELET_NODE_NAME
  value: {{ include "aci-bridge-watcher.kubeletNodeName" . | quote }}
# The ownership tags hold ACI_CLUSTER_ID when the Functions have one, else ACI_BRIDGE_CLUSTER_NAME; the endpoint
# compares ACI_BRIDGE_CLUSTER_NAME with the tag, so it gets whichever the Functions tag with.
- name: ACI_BRIDGE_CLUSTER_NAME
  value: {{ $k.clusterId | default $k.clusterName | quote }}
{{- with $k.clusterId }}
- name: ACI_CLUSTER_ID
  value: {{ . | quote }}
{{- end }}
- name: AZURE_SUBSCRIPTION_ID
  value: {{ $k.azure.subscriptionId | quote }}
- name: ACI_RESOURCE_GROUP
  value: {{ $k.azure.resourceGroup | quote }}
- name: AZURE_CLIENT_ID
  value: {{ include "aci-bridge-watcher.kubeletClientId" . | quote }}
{{- if eq $k.tls.mode "csr" }}
- name: WATCHER_KUBELET_TLS_MODE
  value: csr
# The serving certificate's IP SAN: the address the API server dials (the Node's InternalIP).
- name: KUBELET_NODE_ADDRESS
  value: {{ $k.service.clusterIP | quote }}
{{- else }}
- name: WATCHER_KUBELET_TLS_MODE
  value: files
- name: KUBELET_TLS_CERT_FILE
  value: /etc/aci-bridge/kubelet/tls/tls.crt
- name: KUBELET_TLS_KEY_FILE
  value: /etc/aci-bridge/kubelet/tls/tls.key
{{- end }}
{{- if not (include "aci-bridge-watcher.kubeletClientCaFromApi" .) }}
- name: KUBELET_CLIENT_CA_FILE
  value: /etc/aci-bridge/kubelet/client-ca/ca.crt
{{- end }}
{{- end }}

{{- define "aci-bridge-watcher.kubeletVolumeMounts" -}}
{{- if eq .Values.kubelet.tls.mode "secret" }}
- name: kubelet-tls
  mountPath: /etc/aci-bridge/kubelet/tls
  readOnly: true
{{- end }}
{{- if not (include "aci-bridge-watcher.kubeletClientCaFromApi" .) }}
- name: kubelet-client-ca
  mountPath: /etc/aci-bridge/kubelet/client-ca
  readOnly: true
{{- end }}
{{- end }}

{{- define "aci-bridge-watcher.kubeletVolumes" -}}
{{- $k := .Values.kubelet }}
{{- if eq $k.tls.mode "secret" }}
- name: kubelet-tls
  secret:
    secretName: {{ $k.tls.secretName }}
    defaultMode: 288 # 0440: owner root, group fsGroup (the watcher's)
    items:
      - key: tls.crt
        path: tls.crt
      - key: tls.key
        path: tls.key
{{- end }}
{{- if $k.clientCA.configMap }}
- name: kubelet-client-ca
  configMap:
    name: {{ $k.clientCA.configMap }}
    items:
      - key: {{ $k.clientCA.key }}
        path: ca.crt
{{- else if $k.clientCA.secret }}
- name: kubelet-client-ca
  secret:
    secretName: {{ $k.clientCA.secret }}
    defaultMode: 288 # 0440
    items:
      - key: {{ $k.clientCA.key }}
        path: ca.crt
{{- end }}
{{- end }}
