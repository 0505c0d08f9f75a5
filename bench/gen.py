"""Generates benchmark inputs: N tenants, each like `helm template` prints a
typical Express tenant (1 Cluster, 1 Backend, 12 Frontends, ~20 ordinary
documents: Services, ConfigMaps, a Deployment, a Secret...).

    python3 bench/gen.py TENANTS OUT.yaml"""

import sys

# The tenant's identity, the first lines of every Express spec.
SPEC = """spec:
  clusterConfig:
    clusterName: {t}
    tenantID: {i}
    tenantName: {t}
"""

NODE = """---
# Source: express/templates/nodes.yaml
apiVersion: express.medallia.com/v2alpha1
kind: {kind}
metadata:
  name: {t}-{key}
  namespace: tenant-{i}-prod
  annotations:
    link.argocd.argoproj.io/external-link: https://{t}-{key}.den.internal.example/.cmdCenter
  labels:
    app.kubernetes.io/name: express
    app.kubernetes.io/instance: {t}
    express.medallia.com/source-deployer: argocd
{spec}  expressVersion: "express-e689.151"
  configChangeset: "867fc47c2326a5b00893b3b0f3d2d7c66b634579"
  serviceName: {key}.express
  replicas: 1
  resources:
    requests: {{cpu: "2", memory: 8Gi}}
    limits: {{cpu: "4", memory: 16Gi}}
  jvmOptions: ["-Xmx12g", "-XX:+UseG1GC", "-Dexpress.tenant={t}"]
"""

CLUSTER = """---
# Source: express/templates/cluster.yaml
apiVersion: express.medallia.com/v2alpha1
kind: Cluster
metadata:
  name: {t}
  namespace: tenant-{i}-prod
{spec}  dc: den
"""

ORDINARY = """---
# Source: express/templates/{kind_l}-{j}.yaml
apiVersion: v1
kind: {kind}
metadata:
  name: {t}-{kind_l}-{j}
  namespace: tenant-{i}-prod
  labels:
    app.kubernetes.io/name: express
    app.kubernetes.io/instance: {t}
data:
  setting.a: "on"
  setting.b: "0123"
  settings.json: |
    {{"tenant": "{t}", "id": {i}, "features": ["a", "b", "c"], "limits": {{"rps": 1000}}}}
"""


def tenant(i):
    t = f"tenant{i}"
    spec = SPEC.format(t=t, i=i)
    out = [
        CLUSTER.format(t=t, i=i, spec=spec),
        NODE.format(kind="Backend", key="be", t=t, i=i, spec=spec),
    ]
    for n in range(1, 13):
        out.append(NODE.format(kind="Frontend", key=f"fe{n}", t=t, i=i, spec=spec))
    for j in range(20):
        kind = ["ConfigMap", "Service", "ConfigMap", "Secret"][j % 4]
        out.append(ORDINARY.format(kind=kind, kind_l=kind.lower(), j=j, t=t, i=i))
    return "".join(out)


def main():
    n, path = int(sys.argv[1]), sys.argv[2]
    with open(path, "w") as f:
        for i in range(n):
            f.write(tenant(i))


if __name__ == "__main__":
    main()
