{{/*
The objects' name: fullnameOverride, else the release name when it contains the chart name, else
<release>-paiflow-controller.
*/}}
{{- define "paiflow-controller.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/*
Selector labels. app.kubernetes.io/name is always paiflow-controller: the ServiceMonitor's jobLabel
turns it into job="paiflow-controller", which the alerts and the dashboard select on.
*/}}
{{- define "paiflow-controller.selectorLabels" -}}
app.kubernetes.io/name: paiflow-controller
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of every object: deploy/'s labels plus Helm's. */}}
{{- define "paiflow-controller.labels" -}}
{{ include "paiflow-controller.selectorLabels" . }}
app.kubernetes.io/part-of: paiflow-controller
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "paiflow-controller.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "paiflow-controller.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Exactly what src/kube reads and writes (deploy/rbac/clusterrole.yaml explains each rule). */}}
{{- define "paiflow-controller.rules" -}}
- apiGroups: [paiflow.dev]
  resources: [pipelinerunnodes]
  verbs: [list, watch]
- apiGroups: [paiflow.dev]
  resources: [pipelinerunnodes/status]
  verbs: [patch]
- apiGroups: ['']
  resources: [secrets]
  verbs: [get]
- apiGroups: ['']
  resources: [events]
  verbs: [create, get, patch]
{{- end -}}

{{/*
How the replicas share the work: "sharding" (sharding.enabled: every replica works on its share),
"leader-election" (leaderElection.enabled, or unset without sharding: the Lease holder works) or
"single" (no Lease: one replica at most). The one place the two switches are read together.
*/}}
{{- define "paiflow-controller.mode" -}}
{{- $leaderElection := .Values.leaderElection.enabled -}}
{{- if .Values.sharding.enabled -}}
{{- if and (kindIs "bool" $leaderElection) $leaderElection -}}
{{- fail "sharding.enabled and leaderElection.enabled are both true: sharding replaces leader election (every replica works on its share of the resources). Leave leaderElection.enabled unset (null) or set it to false." -}}
{{- end -}}
sharding
{{- else if or (not (kindIs "bool" $leaderElection)) $leaderElection -}}
leader-election
{{- else -}}
single
{{- end -}}
{{- end -}}
