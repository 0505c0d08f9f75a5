"""A stand-in for `helm template RELEASE CHART [--namespace=NS] [--values=F]...`
that renders with real Helm's engine (helm-python-sdk), printing what
`helm template` prints. Used by the CMP test because no helm binary can be
installed here; flags it does not model (--kube-version, --api-versions,
--include-crds: the example chart has no crds/) are accepted and ignored."""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "examples"))

import yaml  # noqa: E402
from helm_python.chart import Chart  # noqa: E402

from render_chart import helm_template  # noqa: E402


def main(argv):
    if not argv or argv[0] != "template":
        print("stand-in helm: only `template` is modelled", file=sys.stderr)
        return 1
    positional, namespace, values = [], "default", {}
    for arg in argv[1:]:
        if arg.startswith("--namespace="):
            namespace = arg.split("=", 1)[1]
        elif arg.startswith("--values="):
            values.update(yaml.safe_load(open(arg.split("=", 1)[1])) or {})
        elif arg.startswith("--kube-version=") or arg.startswith("--api-versions=") or arg == "--include-crds":
            pass
        elif arg.startswith("-"):
            print(f"stand-in helm: unknown flag {arg}", file=sys.stderr)
            return 1
        else:
            positional.append(arg)
    release, chart = positional
    sys.stdout.write(helm_template(Chart.load(chart), values, namespace, release))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
