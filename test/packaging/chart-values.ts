/** The values file of the chart tests that turns every switch away from its default. */
export const overrides = {
  watchNamespaces: ['team-a', 'team-b'],
  credentials: { existingSecret: 'paiflow-credentials', defaultNamespaces: ['team-a'] },
  serviceAccount: { annotations: { 'pod-identity.alibabacloud.com/role-name': 'paiflow' } },
  controller: {
    region: 'cn-hangzhou',
    defaultPollInterval: '1m',
    qps: 5,
    burst: 10,
    endpointAllowList: ['*.aliyuncs.com', 'paiflow.example.com:8443'],
    logLevel: 'debug',
  },
  networkPolicy: {
    metricsFrom: [
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
      },
    ],
    egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }, { ports: [{ port: 443, protocol: 'TCP' }] }],
  },
  leaderElection: { leaseDuration: '30s', renewDeadline: '20s', retryPeriod: '4s' },
  extraArgs: ['--paiflow-timeout=20s'],
  extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=384' }],
  proxy: { httpsProxy: 'http://proxy.corp.example:3128', noProxy: '.internal' },
  paiflowCaBundle: { configMap: 'corp-ca' },
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ops', effect: 'NoSchedule' }],
  serviceMonitor: { enabled: true, additionalLabels: { release: 'kube-prometheus-stack' } },
  prometheusRule: { enabled: true, additionalLabels: { release: 'kube-prometheus-stack' } },
  dashboard: { enabled: true, annotations: { grafana_folder: 'PAI' } },
};
