"""Renders examples/chart with real Helm's engine (helm-python-sdk) for each
tenant in examples/tenants/, printed the way `helm template` prints it, into
examples/rendered/<tenant>.yaml.

    python3 examples/render_chart.py           # write examples/rendered/
    python3 examples/render_chart.py --check   # exit 1 if a file differs

Needs `pip install helm-python-sdk pyyaml` (Helm v4's engine as a library:
no cluster, no helm binary)."""

import pathlib
import sys

import yaml
from helm_python.chart import Chart

HERE = pathlib.Path(__file__).resolve().parent
RELEASE = "express"


def helm_template(chart, values, namespace, release=RELEASE):
    """The stream `helm template` writes: each manifest after `---` and a
    `# Source:` comment, templates in path order."""
    rendered = chart.render(values, name=release, namespace=namespace)
    out = []
    for path in sorted(rendered):
        if path.endswith("NOTES.txt") or "/_" in path:
            continue
        for manifest in rendered[path].split("\n---"):
            body = manifest.strip("\n")
            body = body[4:] if body.startswith("---\n") else body
            lines = [l for l in body.split("\n")]
            if not any(l.strip() and not l.lstrip().startswith("#") for l in lines):
                continue
            out.append(f"---\n# Source: {path}\n{body}\n")
    return "".join(out)


def main():
    check = "--check" in sys.argv[1:]
    chart = Chart.load(HERE / "chart")
    differ = []
    for tenant in sorted((HERE / "tenants").glob("*.yaml")):
        values = yaml.safe_load(tenant.read_text()) or {}
        namespace = values.get("namespace", "default")
        text = helm_template(chart, values, namespace)
        target = HERE / "rendered" / tenant.name
        if check:
            if not target.exists() or target.read_text() != text:
                differ.append(str(target))
        else:
            target.write_text(text)
    if differ:
        print("out of date (run python3 examples/render_chart.py):", *differ, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
