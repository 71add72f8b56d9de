{{/* The chart's name, or nameOverride. */}}
{{- define "vk.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The prefix of every object's name: the release name, with the chart's name added
unless the release name already contains it. */}}
{{- define "vk.fullname" -}}
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

{{- define "vk.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "vk.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: {{ include "vk.name" . }}
{{- end }}

{{/* Selector labels of one component (web, worker, migrations, test). */}}
{{- define "vk.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vk.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "vk.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "vk.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "vk.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* The Secret holding SECRET_KEY and DATABASE_URL that the web and worker pods read. */}}
{{- define "vk.secretName" -}}
{{- .Values.secret.existingSecret | default (include "vk.fullname" .) }}
{{- end }}

{{/* The Secret the migrations hook reads: the existing one, or the hook's own copy. */}}
{{- define "vk.hookSecretName" -}}
{{- .Values.secret.existingSecret | default (printf "%s-migrations" (include "vk.fullname" .)) }}
{{- end }}

{{/* SECRET_KEY when the chart makes the Secret: the value given, else the one already in
the release's Secret (so upgrades keep sessions valid), else a new random one. */}}
{{- define "vk.secretKey" -}}
{{- if .Values.secret.secretKey }}
{{- .Values.secret.secretKey }}
{{- else }}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "vk.fullname" .) }}
{{- $data := ($existing | default dict).data | default dict }}
{{- if hasKey $data "SECRET_KEY" }}
{{- index $data "SECRET_KEY" | b64dec }}
{{- else }}
{{- randAlphaNum 50 }}
{{- end }}
{{- end }}
{{- end }}

{{/* The Host header of the probes and the test: the first allowed host. */}}
{{- define "vk.probeHost" -}}
{{- $host := first .Values.django.allowedHosts | trimPrefix "." }}
{{- if eq $host "*" }}localhost{{ else }}{{ $host }}{{ end }}
{{- end }}

{{/* Settings every container of the app gets; `secret` names the Secret to read. */}}
{{- define "vk.env" -}}
- name: DEBUG
  value: "false"
- name: ALLOWED_HOSTS
  value: {{ join "," .root.Values.django.allowedHosts | quote }}
{{- with .root.Values.django.csrfTrustedOrigins }}
- name: CSRF_TRUSTED_ORIGINS
  value: {{ join "," . | quote }}
{{- end }}
- name: SECURE_PROXY_SSL_HEADER
  value: {{ .root.Values.django.behindTlsProxy | toString | quote }}
- name: TRUSTED_PROXY_COUNT
  value: {{ .root.Values.django.trustedProxyCount | toString | quote }}
{{- with .root.Values.django.kubeApiPublicUrl }}
- name: KUBE_API_PUBLIC_URL
  value: {{ . | quote }}
{{- end }}
- name: DATABASE_CONN_MAX_AGE
  value: {{ .root.Values.django.connMaxAge | toString | quote }}
- name: LOG_LEVEL
  value: {{ .root.Values.django.logLevel | quote }}
- name: TASKS_BACKEND
  value: {{ ternary "database" "immediate" .root.Values.worker.enabled | quote }}
- name: SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ ternary .root.Values.secret.secretKeyKey "SECRET_KEY" (ne .root.Values.secret.existingSecret "") }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ ternary .root.Values.secret.databaseUrlKey "DATABASE_URL" (ne .root.Values.secret.existingSecret "") }}
{{- range $name, $value := .root.Values.django.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end }}

{{/* Pod-level fields shared by every pod of the chart. A pre-install hook runs before
the chart's ServiceAccount exists, so its pods use the namespace's default one. */}}
{{- define "vk.podSpec" -}}
{{- if and .hook .root.Values.serviceAccount.create }}
serviceAccountName: default
{{- else }}
serviceAccountName: {{ include "vk.serviceAccountName" .root }}
{{- end }}
{{- with .root.Values }}
automountServiceAccountToken: {{ .serviceAccount.automountToken }}
securityContext:
  {{- toYaml .podSecurityContext | nindent 2 }}
{{- with .imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
{{- end }}
