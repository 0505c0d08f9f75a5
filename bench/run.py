"""Times whole processes on generated inputs and prints a Markdown table.

Workloads: a typical tenant (1 cluster, 1 backend, 12 frontends, 20 ordinary
documents), 50 and 500 tenants, and a scaling series (1, 10, 100, 1,000
clusters). Compared, on the same input: express-waves render; kubectl
kustomize doing only the sync-wave annotation with a JSON patch (up to 50
tenants: it grows quadratically); a PyYAML (libyaml) load+dump, the least a
Python post-renderer costs; cat, the floor; and real Helm's engine rendering
the example chart. Medians of repeated runs; peak RSS from GNU time."""

import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = ROOT / "target/release/express-waves"
FLOOR = ROOT / "target/release/examples/parse-floor"
QUICK = "--quick" in sys.argv
# `--instructions`: issue 13's floor table also in instructions counted by
# callgrind (valgrind), which do not move between runs as wall clock does on
# a shared machine. Slow: about a minute per million documents' lines.
INSTRUCTIONS = "--instructions" in sys.argv
sys.path.insert(0, str(ROOT / "bench"))
import gen  # noqa: E402

PYYAML = """
import sys, yaml
docs = list(yaml.load_all(sys.stdin, Loader=yaml.CSafeLoader))
sys.stdout.write(yaml.dump_all(docs, Dumper=yaml.CSafeDumper))
"""

KUSTOMIZATION = """resources: [input.yaml]
patches:
""" + "".join(
    f"""- target: {{group: express.medallia.com, kind: {k}}}
  patch: |-
    - op: add
      path: /metadata/annotations/argocd.argoproj.io~1sync-wave
      value: "1"
"""
    for k in ("Backend", "Frontend")
)


def run_once(cmd, stdin_path):
    with open(stdin_path, "rb") as f:
        t = time.perf_counter()
        subprocess.run(cmd, stdin=f, stdout=subprocess.DEVNULL, check=True)
        return time.perf_counter() - t


def peak_rss_kb(cmd, stdin_path):
    if not shutil.which("time") and not os.path.exists("/usr/bin/time"):
        return None
    with open(stdin_path, "rb") as f:
        r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdin=f, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, check=True, text=True)
    return int(r.stderr.strip().splitlines()[-1])


def instructions(cmd, stdin_path):
    """Instructions `cmd` executes on `stdin_path` (callgrind's `Ir`)."""
    with open(stdin_path, "rb") as f:
        r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + cmd,
                           stdin=f, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True, text=True)
    return int(r.stderr.split("Collected : ")[1].split()[0])


def median(cmd, stdin_path, runs):
    run_once(cmd, stdin_path)  # warm-up
    return statistics.median(run_once(cmd, stdin_path) for _ in range(runs))


def fmt(s):
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def tenants_file(tmp, tenants):
    """The stream of `tenants` generated tenants, written once into `tmp`."""
    path = tmp / f"t{tenants}.yaml"
    if not path.exists():
        with open(path, "w") as f:
            for i in range(tenants):
                f.write(gen.tenant(i))
    return path


def main():
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="ew-bench-"))
    rows = []
    scaling = []
    for tenants in [1, 10, 50, 100, 500, 1000]:
        path = tenants_file(tmp, tenants)
        size = path.stat().st_size
        docs = path.read_text().count("\n---\n") + 1
        runs = 3 if QUICK else (30 if tenants <= 10 else 11 if tenants <= 100 else 5)
        ew = median([str(BIN), "render"], path, runs)
        rss = peak_rss_kb([str(BIN), "render"], path)
        scaling.append((tenants, docs, size, ew, rss))
        if tenants not in (1, 50, 500):
            continue
        row = {"workload": f"{tenants} tenant{'s' if tenants > 1 else ''} ({docs} docs, {size / 1e6:.2f} MB)",
               "express-waves": ew, "rss": rss}
        row["cat"] = median(["cat"], path, runs)
        row["pyyaml"] = median([sys.executable, "-c", PYYAML], path, max(3, runs // 3))
        if tenants <= 50 and shutil.which("kubectl"):
            kdir = tmp / f"k{tenants}"
            kdir.mkdir()
            shutil.copy(path, kdir / "input.yaml")
            (kdir / "kustomization.yaml").write_text(KUSTOMIZATION)
            row["kustomize"] = median(["kubectl", "kustomize", str(kdir)], path, max(3, runs // 3))
        rows.append(row)

    print("| workload | express-waves | peak RSS | cat | PyYAML load+dump | kubectl kustomize (wave patch only) |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        k = fmt(r["kustomize"]) + f" ({r['kustomize'] / r['express-waves']:.0f}x)" if "kustomize" in r else "not run"
        rss = f"{r['rss'] / 1024:.1f} MB" if r["rss"] else "?"
        print(f"| {r['workload']} | {fmt(r['express-waves'])} | {rss} | {fmt(r['cat'])} | {fmt(r['pyyaml'])} | {k} |")
    print()
    print("| clusters | documents | MB | express-waves | µs per document | MB/s | peak RSS | RSS / (3 x input + 16 MB) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for tenants, docs, size, ew, rss in scaling:
        budget = 3 * size / 1024 + 16 * 1024
        ratio = f"{rss / budget:.2f}" if rss else "?"
        print(f"| {tenants} | {docs} | {size / 1e6:.2f} | {fmt(ew)} | {ew / docs * 1e6:.1f} | {size / 1e6 / ew:.1f} | "
              f"{(rss or 0) / 1024:.1f} MB | {ratio} |")
    # Issue 13's measure: render against the parse-only floor (saphyr's
    # event parser over the same stream, bench/parse_floor.rs), as a ratio
    # of medians taken in this run; peak RSS against 1.5 x input + 16 MB.
    counted = INSTRUCTIONS and shutil.which("valgrind")
    print()
    print("| tenants | MB | express-waves | parse-only floor | ratio | peak RSS | RSS / (1.5 x input + 16 MB) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    counts = []
    for tenants in [1, 50, 500, 2000]:
        path = tenants_file(tmp, tenants)
        size = path.stat().st_size
        runs = 3 if QUICK else (15 if tenants <= 50 else 5)
        ew = median([str(BIN), "render"], path, runs)
        floor = median([str(FLOOR)], path, runs)
        rss = peak_rss_kb([str(BIN), "render"], path) or 0
        budget = 1.5 * size / 1024 + 16 * 1024
        print(f"| {tenants} | {size / 1e6:.2f} | {fmt(ew)} | {fmt(floor)} | {ew / floor:.2f} | "
              f"{rss / 1024:.1f} MB | {rss / budget:.2f} |")
        if counted:
            counts.append((tenants, instructions([str(BIN), "render"], path), instructions([str(FLOOR)], path)))
    if counts:
        print()
        print("| tenants | express-waves instructions | floor instructions | ratio |")
        print("|---:|---:|---:|---:|")
        for tenants, ew, floor in counts:
            print(f"| {tenants} | {ew / 1e6:,.1f} M | {floor / 1e6:,.1f} M | {ew / floor:.2f} |")
    # Anchors and aliases: time and memory must grow linearly (a map finds
    # an anchor; the nodes anchors keep count against the alias budget,
    # raised here so that nothing is refused).
    print()
    print("| anchors + aliases | MB | express-waves | µs per anchor | peak RSS |")
    print("|---:|---:|---:|---:|---:|")
    for n in [10_000, 50_000, 100_000]:
        path = tmp / f"a{n}.yaml"
        with open(path, "w") as f:
            f.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: anchors\ndata:\n")
            for i in range(n):
                f.write(f"  k{i}: &a{i} v{i}\n")
            for i in range(n):
                f.write(f"  r{i}: *a{i}\n")
        size = path.stat().st_size
        cmd = [str(BIN), "render", "--max-alias-nodes", str(10 * n)]
        t = median(cmd, path, 3 if QUICK else 5)
        rss = peak_rss_kb(cmd, path)
        print(f"| {n} + {n} | {size / 1e6:.2f} | {fmt(t)} | {t / n * 1e6:.2f} | {(rss or 0) / 1024:.1f} MB |")
    # Real Helm's engine on the example chart, for scale.
    t = time.perf_counter()
    n = 3 if QUICK else 10
    for _ in range(n):
        subprocess.run([sys.executable, str(ROOT / "examples/render_chart.py"), "--check"], check=True,
                       stdout=subprocess.DEVNULL)
    print()
    print(f"Real Helm's engine (helm-python-sdk) rendering examples/chart for {len(list((ROOT / 'examples/tenants').glob('*.yaml')))} tenants, "
          f"process included: {fmt((time.perf_counter() - t) / n)} per run.")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
