{{- define "express.kind" -}}
{{- if hasPrefix "be" . }}Backend{{ else }}Frontend{{ end -}}
{{- end -}}

{{- define "express.labels" -}}
app.kubernetes.io/name: express
app.kubernetes.io/instance: {{ .Release.Name }}
express.medallia.com/source-deployer: argocd
{{- end -}}
