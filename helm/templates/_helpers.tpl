{{/*
Names. Objects are named after the components, not the release: the CSIDriver name is fixed
cluster-wide, so the chart is installed once per cluster.
*/}}
{{- define "ssi.driverName" -}}secrets-store.csi.deckhouse.io{{- end -}}
{{- define "ssi.webhookName" -}}secrets-store-webhook{{- end -}}
{{- define "ssi.webhookTlsSecret" -}}secrets-store-webhook-tls{{- end -}}
{{- define "ssi.webhookPath" -}}/mutate-pods{{- end -}}
{{- define "ssi.configDir" -}}/etc/secrets-store/config{{- end -}}

{{/* Labels every object carries; "component" is the part of the system. */}}
{{- define "ssi.labels" -}}
app.kubernetes.io/name: secrets-store-integration
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/component: {{ .component }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
module: secrets-store-integration
{{- end -}}

{{/* The selector of a component's pods (must not change between upgrades). */}}
{{- define "ssi.selector" -}}
app.kubernetes.io/name: secrets-store-integration
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* <registry>/<name>:<tag> of one of our images ("csiDriver", "webhook", ...). */}}
{{- define "ssi.image" -}}
{{- $name := index .root.Values.image.names .image -}}
{{- printf "%s/%s:%s" .root.Values.image.registry $name (.root.Values.image.tag | default .root.Chart.AppVersion) -}}
{{- end -}}

{{- define "ssi.injectorImage" -}}
{{- .Values.webhook.injector.image | default (include "ssi.image" (dict "root" . "image" "injector")) -}}
{{- end -}}

{{/*
The store connection every service gets, resolved from the module settings: a Deckhouse
ModuleConfig's settings (.Values.secretsStoreIntegration) win over the chart's top-level values.
DiscoverLocalStronghold means the local Stronghold's address, its CA and auth path
kubernetes_local (unless connection.authPath is set). Output: YAML {mode, url, caCert, authPath,
namespace}.
*/}}
{{- define "ssi.connection" -}}
{{- $module := .Values.secretsStoreIntegration | default dict -}}
{{- $mode := $module.connectionConfiguration | default .Values.connectionConfiguration -}}
{{- $conn := merge (deepCopy ($module.connection | default dict)) (deepCopy (.Values.connection | default dict)) -}}
{{- $out := dict "mode" $mode "namespace" ($conn.namespace | default "") -}}
{{- if eq $mode "DiscoverLocalStronghold" -}}
  {{- if $conn.url -}}
    {{- fail "connection.url is set, but connectionConfiguration is DiscoverLocalStronghold: set connectionConfiguration: Manual to use another store" -}}
  {{- end -}}
  {{- $ca := "" -}}
  {{- $internal := $module.internal | default dict -}}
  {{- if $internal.localStrongholdCaCert -}}
    {{- $ca = $internal.localStrongholdCaCert -}}
  {{- else if .Values.localStronghold.caCert -}}
    {{- $ca = .Values.localStronghold.caCert -}}
  {{- else -}}
    {{- $s := .Values.localStronghold.caSecret -}}
    {{- $secret := lookup "v1" "Secret" $s.namespace $s.name -}}
    {{- if and $secret $secret.data (hasKey $secret.data $s.key) -}}
      {{- $ca = index $secret.data $s.key | b64dec -}}
    {{- end -}}
  {{- end -}}
  {{- $_ := set $out "url" .Values.localStronghold.url -}}
  {{- $_ := set $out "caCert" $ca -}}
  {{- $_ := set $out "authPath" ($conn.authPath | default .Values.localStronghold.authPath) -}}
{{- else if eq $mode "Manual" -}}
  {{- if not $conn.url -}}
    {{- fail "connectionConfiguration is Manual, but connection.url is empty: set the store address (https://...)" -}}
  {{- end -}}
  {{- $_ := set $out "url" $conn.url -}}
  {{- $_ := set $out "caCert" ($conn.caCert | default "") -}}
  {{- $_ := set $out "authPath" ($conn.authPath | default "kubernetes") -}}
{{- else -}}
  {{- fail (printf "connectionConfiguration must be DiscoverLocalStronghold or Manual, not %q" $mode) -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* The connection block of a service's application.yaml (prefix secrets-store.connection or the webhook's). */}}
{{- define "ssi.connectionProperties" -}}
{{- $c := include "ssi.connection" . | fromYaml -}}
url: {{ $c.url | quote }}
auth-path: {{ $c.authPath | quote }}
namespace: {{ $c.namespace | quote }}
ca-cert: {{ $c.caCert | quote }}
{{- end -}}

{{- define "ssi.imagePullSecrets" -}}
{{- with .Values.image.pullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Pod-level settings shared by every pod. */}}
{{- define "ssi.podCommon" -}}
{{- include "ssi.imagePullSecrets" . }}
{{- if .Values.hostNetwork }}
hostNetwork: true
dnsPolicy: ClusterFirstWithHostNet
{{- end }}
{{- end -}}

{{/*
Env every Java service gets: its pod identity from the downward API (the services read POD_NAME,
POD_NAMESPACE and NODE_NAME through their application.yaml) and the extra JVM options.
*/}}
{{- define "ssi.javaEnv" -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: NODE_NAME
  valueFrom:
    fieldRef:
      fieldPath: spec.nodeName
{{- if .Values.jvmOptions }}
- name: JDK_JAVA_OPTIONS
  value: {{ .Values.jvmOptions | quote }}
{{- end }}
{{- end -}}

{{/* The argument that makes a service read the application.yaml the chart renders. */}}
{{- define "ssi.configArgs" -}}
- --spring.config.additional-location=file:{{ include "ssi.configDir" . }}/
{{- end -}}

{{/* Volume + mount of a component's rendered configuration and a writable /tmp. */}}
{{- define "ssi.configVolumes" -}}
- name: config
  configMap:
    name: {{ .name }}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end -}}
{{- define "ssi.configMounts" -}}
- name: config
  mountPath: {{ include "ssi.configDir" . }}
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/* HTTP probes on Spring Boot's liveness/readiness groups. */}}
{{- define "ssi.probes" -}}
startupProbe:
  httpGet:
    path: /actuator/health/liveness
    port: http
  periodSeconds: 2
  failureThreshold: 90
livenessProbe:
  httpGet:
    path: /actuator/health/liveness
    port: http
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /actuator/health/readiness
    port: http
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 3
{{- end -}}

{{/* The checksum annotation that restarts pods when their rendered configuration changes. */}}
{{- define "ssi.configChecksum" -}}
checksum/config: {{ .config | sha256sum }}
{{- end -}}

{{/* Spread a Deployment's replicas over nodes when it can (preferred: a one-node cluster still runs them). */}}
{{- define "ssi.affinity" -}}
{{- if .affinity -}}
{{ toYaml .affinity }}
{{- else -}}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "ssi.selector" (dict "component" .component) | nindent 12 }}
{{- end -}}
{{- end -}}

{{/* The Secret mode's rules: in a Role per opted-in namespace, or the ClusterRole for "*". */}}
{{- define "ssi.controller.secretSyncRules" -}}
# The Secrets of type Secret imports (the informer of managed Secrets watches only these namespaces).
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create", "update"]
# A 10-minute token of the import's service account (dedicated audience) to log in to the store as it.
- apiGroups: [""]
  resources: ["serviceaccounts/token"]
  verbs: ["create"]
# Admission only: the Secret's owner reference sets blockOwnerDeletion, which the
# OwnerReferencesPermissionEnforcement plugin checks on the owner.
- apiGroups: ["deckhouse.io"]
  resources: ["secretsstoreimports/finalizers"]
  verbs: ["update"]
{{- end -}}

{{/* The webhook's Secret rights: a Role per webhook.secretNamespaces entry, or the ClusterRole for "*". */}}
{{- define "ssi.webhook.secretRules" -}}
# Secrets a pod's env names are scanned for references; image pull secrets for registry lookups.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
# The pod's service account names further image pull secrets.
- apiGroups: [""]
  resources: ["serviceaccounts"]
  verbs: ["get"]
{{- end -}}
