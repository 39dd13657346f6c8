{{/*
The release's object names: the release name when it already says vigil (`helm install vigil`
gives the same names as deploy/), else RELEASE-vigil.
*/}}
{{- define "vigil.fullname" -}}
{{- if contains "vigil" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-vigil" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/*
The pods' selector: the labels of deploy/. app.kubernetes.io/name is always vigil: the
ServiceMonitor's jobLabel makes it job="vigil", which the alerts and the dashboard select.
*/}}
{{- define "vigil.selectorLabels" -}}
app.kubernetes.io/name: vigil
app.kubernetes.io/component: node-agent
{{- end -}}

{{- define "vigil.labels" -}}
app.kubernetes.io/name: vigil
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The directory of a socket path, which the agent mounts. */}}
{{- define "vigil.socketDir" -}}
{{- dir . -}}
{{- end -}}

{{/*
The agent's config.yaml: the user's .Values.config, then what must agree with the pod (mounts,
port, sockets, rule files, outputs), which the chart sets last so that a value cannot contradict it.
*/}}
{{- define "vigil.config" -}}
{{- $wired := dict
  "clusterName" .Values.clusterName
  "ingest" (dict "socket" "/run/vigil/vigil.sock")
  "metrics" (dict "address" (printf "0.0.0.0:%d" (int .Values.metricsPort)))
  "state" (dict "procRoot" "/host/proc" "cgroupRoot" "/host/sys/fs/cgroup" "stateDir" "/var/lib/vigil")
  "runtime" (dict
      "sources" .Values.runtime.sources
      "containerdSocket" .Values.runtime.containerd.socket
      "crioSocket" .Values.runtime.crio.socket)
-}}
{{- $rulePaths := list -}}
{{- range $name, $_ := .Values.customRules -}}
{{- $rulePaths = append $rulePaths (printf "/etc/vigil/rules/%s" $name) -}}
{{- end -}}
{{- $rules := dict "paths" $rulePaths -}}
{{- if .Values.baselineSeeds -}}
{{- $seeds := list -}}
{{- range $name, $_ := .Values.baselineSeeds -}}
{{- $seeds = append $seeds (printf "/etc/vigil/baselines/%s" $name) -}}
{{- end -}}
{{- $_ := set $rules "baselineSeeds" $seeds -}}
{{- end -}}
{{- $_ := set $wired "rules" $rules -}}
{{- $outputs := list -}}
{{- with .Values.outputs -}}
{{- if .stdout.enabled -}}
{{- $outputs = append $outputs (dict "type" "stdout") -}}
{{- end -}}
{{- if .syslog.enabled -}}
{{- $o := dict "type" "syslog" "url" .syslog.url "format" .syslog.format -}}
{{- if .syslog.caFileKey -}}{{- $_ := set $o "caFile" (printf "/etc/vigil-secrets/%s" .syslog.caFileKey) -}}{{- end -}}
{{- $outputs = append $outputs $o -}}
{{- end -}}
{{- if .webhook.enabled -}}
{{- $o := dict "type" "http" -}}
{{- if .webhook.urlFileKey -}}{{- $_ := set $o "urlFile" (printf "/etc/vigil-secrets/%s" .webhook.urlFileKey) -}}
{{- else -}}{{- $_ := set $o "url" .webhook.url -}}{{- end -}}
{{- if .webhook.caFileKey -}}{{- $_ := set $o "caFile" (printf "/etc/vigil-secrets/%s" .webhook.caFileKey) -}}{{- end -}}
{{- $outputs = append $outputs $o -}}
{{- end -}}
{{- if .kafka.enabled -}}
{{- $o := dict "type" "kafka" "url" .kafka.url -}}
{{- if .kafka.properties -}}{{- $_ := set $o "properties" .kafka.properties -}}{{- end -}}
{{- if .kafka.caFileKey -}}{{- $_ := set $o "caFile" (printf "/etc/vigil-secrets/%s" .kafka.caFileKey) -}}{{- end -}}
{{- $outputs = append $outputs $o -}}
{{- end -}}
{{- end -}}
{{- $_ := set $wired "outputs" $outputs -}}
{{- toYaml (mustMergeOverwrite (deepCopy .Values.config) $wired) -}}
{{- end -}}

{{/* Whether the agent mounts outputs.secret (a *FileKey names one of its keys). */}}
{{- define "vigil.needsSecret" -}}
{{- with .Values.outputs -}}
{{- if or (and .syslog.enabled .syslog.caFileKey) (and .webhook.enabled (or .webhook.caFileKey .webhook.urlFileKey)) (and .kafka.enabled (or .kafka.caFileKey .kafka.jaasFileKey)) -}}true{{- end -}}
{{- end -}}
{{- end -}}
