//! `fleet plan`: every tenant's render against the chart change, on a
//! bounded pool, with a progress line on a terminal (tenants done of all,
//! failures so far, time elapsed) and none elsewhere.

use std::io::Write;
use std::time::Instant;

use crate::cli::{FleetPlanArgs, ReleaseNameFrom};
use crate::error::{Error, Result};
use crate::fleet::{self, NameFrom, Settings};
use crate::report::Format;

use super::{Context, Outcome};

pub fn run(args: &FleetPlanArgs, ctx: &mut Context<'_>) -> Result<Outcome> {
    if args.report.output.format == Format::Mermaid {
        return Err(Error::msg(
            "fleet plan writes a table, JSON or markdown (-o table, -o json, -o markdown)",
        ));
    }
    let from = match args.release_name_from {
        ReleaseNameFrom::Dir => NameFrom::Dir,
        ReleaseNameFrom::File => NameFrom::File,
    };
    let tenants = fleet::tenants(&args.values, from)?;
    let settings = settings(args, &tenants)?;
    let jobs = args.jobs.map(usize::from).unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let start = Instant::now();
    let total = tenants.len();
    let show = ctx.progress;
    let progress = move |done: usize, failed: usize| {
        if show {
            progress_line(total, done, failed, start.elapsed().as_secs_f64());
        }
    };
    let plan = fleet::plan(&tenants, &settings, jobs, &progress);
    if show {
        // The progress line, cleared.
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
    let text = match args.report.output.format {
        Format::Json => fleet::json(&plan),
        Format::Markdown => fleet::markdown(&plan),
        Format::Table | Format::Mermaid => fleet::table(&plan, ctx.colour),
    };
    Ok(Outcome {
        stdout: text.into_bytes(),
        warnings: Vec::new(),
        code: plan.exit_code(),
    })
}

/// The settings every tenant shares, checked once: what would fail every
/// tenant alike fails before any runs.
fn settings(args: &FleetPlanArgs, tenants: &[fleet::Tenant]) -> Result<Settings> {
    let chart = |flag: &str, c: &std::path::Path| -> Result<std::path::PathBuf> {
        match c.join("Chart.yaml").is_file() {
            true => c.canonicalize().map_err(|e| {
                Error::io(format!("fleet plan: cannot read {flag} {}", c.display()), e)
            }),
            false => Err(Error::msg(format!(
                "fleet plan: {flag} {} has no Chart.yaml",
                c.display()
            ))),
        }
    };
    let new_chart = chart("--chart", &args.chart)?;
    let old_chart = args
        .old_chart
        .as_deref()
        .map(|c| chart("--old-chart", c))
        .transpose()?;
    if let Some(dir) = &args.live_dir {
        if !dir.is_dir() {
            return Err(Error::msg(format!(
                "fleet plan: --live-dir {} is not a directory",
                dir.display()
            )));
        }
        // Live objects are found by release name, which must then be one
        // tenant's.
        let mut releases: Vec<&str> = tenants.iter().map(|t| t.release.as_str()).collect();
        releases.sort_unstable();
        if let Some(w) = releases.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::msg(format!(
                "fleet plan: two tenants are release `{}`, and --live-dir finds live objects by release name ({}/{}.yaml): plan them apart",
                w[0],
                dir.display(),
                w[0]
            )));
        }
    }
    Ok(Settings {
        chart: new_chart,
        old_chart,
        helm: args.helm.clone().unwrap_or_else(crate::cmp::helm_program),
        live_dir: args.live_dir.clone(),
        helm_timeout: std::time::Duration::from_secs(args.helm_timeout),
        render: args.report.options.to_options(),
    })
}

/// `[#####.....] 12/40 tenants, 1 failed, 3.2 s`, drawn over itself.
fn progress_line(total: usize, done: usize, failed: usize, secs: f64) {
    const WIDTH: usize = 30;
    let filled = (done * WIDTH).checked_div(total).unwrap_or(WIDTH);
    let bar: String = std::iter::repeat_n('#', filled)
        .chain(std::iter::repeat_n('.', WIDTH - filled))
        .collect();
    let _ = write!(
        std::io::stderr(),
        "\r\x1b[2K[{bar}] {done}/{total} tenants, {failed} failed, {secs:.1} s"
    );
}
