//! Criterion benchmarks of the core, in-process: `render` on a typical
//! tenant and on 50 tenants (inputs from bench/gen.py's shape, built here).
//! Whole-process comparisons are in bench/run.sh.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use express_waves::render::{Options, Source, run};
use std::hint::black_box;

fn tenant(i: usize) -> String {
    let mut s = format!(
        "---\napiVersion: express.medallia.com/v2alpha1\nkind: Cluster\nmetadata:\n  name: t{i}\n  namespace: ns{i}\nspec:\n  clusterConfig:\n    clusterName: t{i}\n"
    );
    for (kind, key) in std::iter::once(("Backend", "be".to_string()))
        .chain((1..=12).map(|n| ("Frontend", format!("fe{n}"))))
    {
        s.push_str(&format!(
            "---\n# Source: express/templates/nodes.yaml\napiVersion: express.medallia.com/v2alpha1\nkind: {kind}\nmetadata:\n  name: t{i}-{key}\n  namespace: ns{i}\n  labels:\n    app.kubernetes.io/name: express\nspec:\n  clusterConfig:\n    clusterName: t{i}\n    tenantID: {i}\n  expressVersion: \"express-e689.151\"\n  configChangeset: \"867fc47c2326a5b00893b3b0f3d2d7c66b634579\"\n  serviceName: {key}.express\n  jvmOptions: [\"-Xmx12g\", \"-XX:+UseG1GC\"]\n"
        ));
    }
    for j in 0..20 {
        s.push_str(&format!(
            "---\n# Source: express/templates/cm-{j}.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: t{i}-cm-{j}\n  namespace: ns{i}\ndata:\n  a: \"on\"\n  b: \"0123\"\n"
        ));
    }
    s
}

fn bench(c: &mut Criterion) {
    let opts = Options::default();
    for tenants in [1usize, 50] {
        let text: String = (0..tenants).map(tenant).collect();
        let sources = vec![Source {
            name: "bench".into(),
            bytes: text.into_bytes(),
        }];
        let mut g = c.benchmark_group("render");
        g.throughput(Throughput::Bytes(sources[0].bytes.len() as u64));
        g.bench_function(format!("{tenants} tenants"), |b| {
            b.iter(|| {
                run(black_box(&sources), &opts)
                    .and_then(|r| r.to_bytes())
                    .expect("renders")
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
