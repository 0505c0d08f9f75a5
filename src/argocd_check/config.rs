//! `argocd-cm`: the health checks Argo CD will run for the Express kinds
//! (read as Argo CD assembles them), what would keep it from loading them,
//! and exclusions that hide the kinds.

use crate::error::{Error, Result};
use crate::health;
use crate::value::Value;

use super::{Finding, KINDS, Report, Settings, Severity, place};

/// Go's `strconv.ParseBool`.
fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// `*` and `?` globbing, as Argo CD matches override keys and resource
/// exclusions (`util/glob`).
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// A resource override as Argo CD assembles it from `argocd-cm`: the
/// `resource.customizations` block, then the split keys over it
/// (`util/settings/settings.go`, `GetResourceOverrides`,
/// `appendResourceOverridesFromSplitKeys`).
#[derive(Clone, Debug, Default)]
struct Override {
    health: Option<String>,
    open_libs: bool,
}

/// Overrides by `group/Kind` key (wildcards kept), in the order read.
type Overrides = Vec<(String, Override)>;

/// The overrides, and the keys Argo CD could not load (which fail every
/// sync).
fn overrides(data: Option<&Value>) -> Result<(Overrides, Vec<String>)> {
    let mut out: Overrides = Vec::new();
    let mut bad = Vec::new();
    let get = |key: &str| data.and_then(|d| d.get(key)).and_then(Value::as_str);
    let entry = |out: &mut Overrides, key: &str| -> usize {
        match out.iter().position(|(k, _)| k == key) {
            Some(i) => i,
            None => {
                out.push((key.to_string(), Override::default()));
                out.len() - 1
            }
        }
    };
    if let Some(text) = get("resource.customizations")
        && let Value::Map(block) = parse_block(text)?
    {
        for (key, o) in &block {
            let i = entry(&mut out, key);
            out[i].1.health = o
                .get("health.lua")
                .and_then(Value::as_str)
                .map(str::to_string);
            out[i].1.open_libs = matches!(o.get("health.lua.useOpenLibs"), Some(Value::Bool(true)));
        }
    }
    if let Some(Value::Map(d)) = data {
        for (k, v) in d {
            let parts: Vec<&str> = k.splitn(4, '.').collect();
            let [_, "customizations", kind @ ("health" | "useOpenLibs"), gk] = parts[..] else {
                continue;
            };
            if parts[0] != "resource" {
                continue;
            }
            let key = match gk.rsplit_once('_') {
                Some((g, k)) => format!("{g}/{k}"),
                None => gk.to_string(),
            };
            let v = v.as_str().unwrap_or("");
            let i = entry(&mut out, &key);
            if kind == "health" {
                out[i].1.health = Some(v.to_string());
            } else {
                match parse_bool(v) {
                    Some(b) => out[i].1.open_libs = b,
                    None => bad.push(format!("{k}: `{v}` is not a boolean")),
                }
            }
        }
    }
    Ok((out, bad))
}

/// The health script Argo CD runs for `group/kind` (`util/lua/lua.go`,
/// `GetHealthScript`: the exact key, else a wildcard key that matches), and
/// whether other wildcard keys match with a different script (Argo CD then
/// picks one at random: it ranges over a map).
fn script_for<'a>(overrides: &'a Overrides, key: &str) -> (Option<&'a Override>, bool) {
    if let Some((_, o)) = overrides
        .iter()
        .find(|(k, o)| k == key && o.health.as_deref().is_some_and(|h| !h.is_empty()))
    {
        return (Some(o), false);
    }
    let matching: Vec<&Override> = overrides
        .iter()
        .filter(|(k, o)| {
            k.contains(['*', '?'])
                && glob(k, key)
                && o.health.as_deref().is_some_and(|h| !h.is_empty())
        })
        .map(|(_, o)| o)
        .collect();
    let ambiguous = matching.windows(2).any(|w| w[0].health != w[1].health);
    (matching.first().copied(), ambiguous)
}

/// A script as Argo CD runs it: line endings and surrounding blank space
/// do not change what Lua does.
fn same_script(a: &str, b: &str) -> bool {
    a.replace("\r\n", "\n").trim() == b.replace("\r\n", "\n").trim()
}

/// The health checks in `argocd-cm`, for every Express kind, and what
/// would keep Argo CD from loading them or from seeing the nodes at all.
/// `gates`: whether an Application read asks for approval gates; the
/// Gate's check is required then, else only recommended.
pub(super) fn check(
    cm: &Value,
    settings: &Settings,
    gates: bool,
    report: &mut Report,
) -> Result<()> {
    let data = cm.get("data");
    let place = place(cm);
    let (overrides, bad) = overrides(data)?;
    let install = "express-waves argocd config > health.yaml && kubectl -n argocd patch configmap argocd-cm --type merge --patch-file health.yaml";
    for b in bad {
        report.findings.push(Finding {
            severity: Severity::Breaks,
            place: place.clone(),
            check: "argocd-cm-unloadable",
            problem: b,
            why: "Argo CD cannot load its resource overrides, and every sync fails (\"Failed to load resource overrides\")".into(),
            fix: "set it to true or false".into(),
        });
    }
    // The Express kinds', then the approval Gate's: without it a gate is
    // passed the moment it is applied.
    let checks = KINDS
        .iter()
        .map(|&k| (settings.group.as_str(), k.name(), health::lua(k)))
        .chain([(crate::gate::GROUP, crate::gate::KIND, crate::gate::LUA)]);
    for (group, kind, want) in checks {
        let key = format!("{group}/{kind}");
        let (found, ambiguous) = script_for(&overrides, &key);
        let (why, severity) = stakes(kind, gates);
        match found {
            None => report.findings.push(Finding {
                severity,
                place: place.clone(),
                check: "health-check-missing",
                problem: format!("no health check for {key} (resource.customizations.health.{group}_{kind})"),
                why: why.into(),
                fix: install.into(),
            }),
            Some(o) if !same_script(o.health.as_deref().unwrap_or(""), want) || ambiguous => {
                report.findings.push(Finding {
                    severity,
                    place: place.clone(),
                    check: "health-check-stale",
                    problem: if ambiguous {
                        format!("several wildcard health checks match {key}, with different scripts")
                    } else {
                        format!(
                            "the health check for {key} is not the one this express-waves {} prints",
                            env!("CARGO_PKG_VERSION")
                        )
                    },
                    why: "a check from another version (or edited by hand) may not wait for what this version renders".into(),
                    fix: install.into(),
                })
            }
            Some(o) if o.open_libs => report.findings.push(Finding {
                severity: Severity::Warning,
                place: place.clone(),
                check: "use-open-libs",
                problem: format!("the health check for {key} runs with useOpenLibs"),
                why: "the checks need only Argo CD's sandbox (base and table); opening every library gives them os and io for nothing".into(),
                fix: format!("remove resource.customizations.useOpenLibs.{group}_{kind} from argocd-cm"),
            }),
            Some(_) => {}
        }
    }
    check_exclusions(data, settings, gates, &place, report)?;
    Ok(())
}

/// Why a missing or stale check of `kind` matters, and how much: the
/// Gate's breaks the guarantee only where gates are asked for (`gates`);
/// elsewhere it is missing for the day they are. A resource without a
/// health check is done once applied: gitops-engine
/// `pkg/sync/sync_context.go`, `Sync` ("some objects (e.g. secret) do not
/// have health, and they automatically success").
fn stakes(kind: &str, gates: bool) -> (&'static str, Severity) {
    match (kind == crate::gate::KIND, gates) {
        (true, true) => (
            "Argo CD counts a resource without a health check as done the moment it is applied: a rollout does not stop at its approval gates (gate-after)",
            Severity::Breaks,
        ),
        (true, false) => (
            "no Application read asks for approval gates (gate-after), but one that does would pass them without approval: Argo CD counts a resource without a health check as done the moment it is applied (and this check cannot see a --gate-after in the plugin's own command in plugin.yaml, nor Gates already in the source's manifests)",
            Severity::Warning,
        ),
        (false, _) => (
            "Argo CD counts a resource without a health check as done the moment it is applied: the waves do not wait for this kind",
            Severity::Breaks,
        ),
    }
}

/// `resource.exclusions` / `resource.inclusions` that hide the Express
/// kinds from Argo CD (`util/settings/settings.go`,
/// `FilteredResource`): it then never applies nor waits for them, and the
/// sync goes green.
fn check_exclusions(
    data: Option<&Value>,
    settings: &Settings,
    gates: bool,
    place: &str,
    report: &mut Report,
) -> Result<()> {
    let get = |key: &str| data.and_then(|d| d.get(key)).and_then(Value::as_str);
    let matches = |rule: &Value, group: &str, kind: &str| {
        let any = |field: &str, text: &str| match rule.get(field) {
            Some(Value::Seq(pats)) if !pats.is_empty() => {
                pats.iter().filter_map(Value::as_str).any(|p| glob(p, text))
            }
            _ => true,
        };
        any("apiGroups", group) && any("kinds", kind)
    };
    let rules = |key: &str| -> Result<Vec<Value>> {
        Ok(match get(key) {
            Some(text) => match parse_block(text)? {
                Value::Seq(r) => r,
                _ => Vec::new(),
            },
            None => Vec::new(),
        })
    };
    let exclusions = rules("resource.exclusions")?;
    let inclusions = rules("resource.inclusions")?;
    let kinds = KINDS
        .iter()
        .map(|k| (settings.group.as_str(), k.name()))
        .chain([(crate::gate::GROUP, crate::gate::KIND)]);
    for (group, kind) in kinds {
        let excluded = exclusions.iter().any(|r| matches(r, group, kind))
            || (!inclusions.is_empty() && !inclusions.iter().any(|r| matches(r, group, kind)));
        if excluded {
            // Hiding the Gate matters where gates are asked for.
            let severity = stakes(kind, gates).1;
            report.findings.push(Finding {
                severity,
                place: place.to_string(),
                check: "resource-excluded",
                problem: format!(
                    "resource.exclusions/resource.inclusions hide {group}/{kind} from Argo CD"
                ),
                why: "Argo CD neither applies nor waits for an excluded kind, and the sync still goes green".into(),
                fix: format!("exclude no {group} kind"),
            });
        }
    }
    Ok(())
}

/// The `resource.customizations` block, read like any other YAML.
fn parse_block(text: &str) -> Result<Value> {
    crate::value::read(text, Default::default())
        .map(|v| v.unwrap_or(Value::Map(Vec::new())))
        .map_err(|e| Error::msg(format!("argocd-cm resource.customizations: {}", e.message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_argo_cd_keys_do() {
        assert!(glob(
            "express.medallia.com/*",
            "express.medallia.com/Backend"
        ));
        assert!(glob("*.medallia.com/*end", "express.medallia.com/Frontend"));
        assert!(glob(
            "express.medallia.com/?ackend",
            "express.medallia.com/Backend"
        ));
        assert!(!glob("apps/*", "express.medallia.com/Backend"));
        assert!(!glob(
            "express.medallia.com/Backend",
            "express.medallia.com/Frontend"
        ));
    }

    fn cm(data: &str) -> Value {
        let text = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: argocd-cm}}\ndata:\n{data}"
        );
        crate::value::read(&text, Default::default())
            .unwrap()
            .unwrap()
    }

    fn settings() -> Settings {
        Settings {
            group: "express.medallia.com".into(),
            plugin: "express-waves".into(),
        }
    }

    #[test]
    fn excluded_or_not_included_express_kinds_break_the_guarantee() {
        for data in [
            "  resource.exclusions: |\n    - apiGroups: [\"*.medallia.com\"]\n      kinds: [\"*\"]\n",
            "  resource.inclusions: |\n    - apiGroups: [apps]\n      kinds: [Deployment]\n",
        ] {
            let mut r = Report::default();
            check(&cm(data), &settings(), false, &mut r).unwrap();
            let excluded = r
                .findings
                .iter()
                .filter(|f| f.check == "resource-excluded")
                .count();
            // The three Express kinds and the approval Gate.
            assert_eq!(excluded, 4, "{data}");
        }
        let mut r = Report::default();
        check(
            &cm("  resource.exclusions: |\n    - apiGroups: [apps]\n      kinds: [\"*\"]\n"),
            &settings(),
            false,
            &mut r,
        )
        .unwrap();
        assert!(r.findings.iter().all(|f| f.check != "resource-excluded"));
    }
}
