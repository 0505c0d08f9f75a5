//! The fleet plan written out: a table, JSON (the [`FleetPlan`] as it is),
//! or markdown to paste into the chart change's pull request. Each lists
//! every tenant with its counts, the fields that change across the fleet,
//! the warnings, and every tenant that failed with its error.

use crate::report::{self, Colour, Table};

use super::{FleetPlan, TenantPlan};

/// The counts of a tenant, in the columns' order.
fn counts(t: &TenantPlan) -> [usize; 5] {
    [
        t.restart.len(),
        t.start.len(),
        t.stop.len(),
        t.new.len(),
        t.removed.len(),
    ]
}

const COLUMNS: [&str; 5] = ["RESTART", "START", "STOP", "NEW", "REMOVED"];

/// One line of totals.
fn total_line(p: &FleetPlan) -> String {
    let t = &p.totals;
    format!(
        "{}, {} failed: {} restart, {} start, {} stop, {} new, {} removed",
        report::count(t.tenants, "tenant", "tenants"),
        t.failed,
        t.restart,
        t.start,
        t.stop,
        t.new,
        t.removed
    )
}

/// "/spec/x changes on 412 nodes in 37 tenants", the pointer as `code`
/// in markdown.
fn field_line(f: &super::Field, md: bool) -> String {
    let tick = if md { "`" } else { "" };
    format!(
        "{tick}{}{tick} changes on {} in {}",
        f.pointer,
        report::count(f.nodes, "node", "nodes"),
        report::count(f.tenants, "tenant", "tenants")
    )
}

/// The table format.
pub fn table(p: &FleetPlan, colour: bool) -> String {
    let mut header = vec!["TENANT"];
    header.extend(COLUMNS);
    let mut t = Table::new(&header);
    for tp in &p.tenants {
        let mut row = vec![(tp.tenant.clone(), Colour::None)];
        match &tp.error {
            Some(_) => {
                row.push(("failed".into(), Colour::Red));
                row.extend(COLUMNS[1..].iter().map(|_| ("-".to_string(), Colour::Dim)));
            }
            None => row.extend(counts(tp).into_iter().enumerate().map(|(i, n)| {
                let c = if n > 0 && i == 0 {
                    Colour::Yellow
                } else {
                    Colour::None
                };
                (n.to_string(), c)
            })),
        }
        t.row(row);
    }
    let mut out = String::new();
    t.write(colour, &mut out);
    out.push_str(&format!("TOTAL {}\n", total_line(p)));
    sections(p, &mut out, false);
    out
}

/// The changed fields, warnings and failures, one line each, under
/// headings (in markdown: bold headings, a list, each error in a fenced
/// block, whatever it holds).
fn sections(p: &FleetPlan, out: &mut String, md: bool) {
    let bullet = if md { "- " } else { "" };
    let heading = |h: &str| match md {
        true => format!("\n**{h}**\n\n"),
        false => format!("\n{}\n", h.to_uppercase()),
    };
    if !p.fields.is_empty() {
        out.push_str(&heading("Changed fields"));
        for f in &p.fields {
            out.push_str(&format!("{bullet}{}\n", field_line(f, md)));
        }
    }
    let warnings: Vec<String> = p
        .tenants
        .iter()
        .flat_map(|t| t.warnings.iter().map(move |w| format!("{}: {w}", t.tenant)))
        .collect();
    if !warnings.is_empty() {
        out.push_str(&heading("Warnings"));
        for w in warnings {
            out.push_str(&format!("{bullet}{w}\n"));
        }
    }
    let failed: Vec<&TenantPlan> = p.tenants.iter().filter(|t| t.error.is_some()).collect();
    if !failed.is_empty() {
        out.push_str(&heading("Failed"));
        for t in failed {
            let e = t.error.as_deref().unwrap_or_default();
            match md {
                true => {
                    let fence = "`".repeat(3.max(longest_run(e, '`') + 1));
                    let body = e.replace('\n', "\n  ");
                    out.push_str(&format!(
                        "- {} ({}):\n\n  {fence}\n  {body}\n  {fence}\n",
                        t.tenant, t.values
                    ));
                }
                false => out.push_str(&format!("{} ({}): {e}\n", t.tenant, t.values)),
            }
        }
    }
}

/// The longest run of `c` in `s`.
fn longest_run(s: &str, c: char) -> usize {
    s.split(|x| x != c).map(str::len).max().unwrap_or(0)
}

/// JSON: the plan as it is.
pub fn json(p: &FleetPlan) -> String {
    report::json(p)
}

/// Markdown, for a pull request: a table of the tenants that change or
/// failed (every tenant when none does), the changed fields, warnings and
/// failures.
pub fn markdown(p: &FleetPlan) -> String {
    let mut out = format!("**Fleet plan**: {}\n\n", total_line(p));
    out.push_str("| tenant | restart | start | stop | new | removed |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|\n");
    let changing = |t: &&TenantPlan| t.error.is_some() || counts(t).iter().any(|&n| n > 0);
    let shown: Vec<&TenantPlan> = match p.tenants.iter().filter(changing).count() {
        0 => p.tenants.iter().collect(),
        _ => p.tenants.iter().filter(changing).collect(),
    };
    for t in &shown {
        match &t.error {
            Some(_) => out.push_str(&format!("| {} | failed | | | | |\n", t.tenant)),
            None => {
                let [r, s, st, n, rm] = counts(t);
                out.push_str(&format!(
                    "| {} | {r} | {s} | {st} | {n} | {rm} |\n",
                    t.tenant
                ));
            }
        }
    }
    if shown.len() < p.tenants.len() {
        out.push_str(&format!(
            "\n{} not shown: nothing changes.\n",
            report::count(p.tenants.len() - shown.len(), "tenant", "tenants")
        ));
    }
    sections(p, &mut out, true);
    out
}
