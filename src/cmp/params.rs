//! The plugin's parameters: what `plugin.yaml` and `cmp parameters`
//! announce, and `ARGOCD_APP_PARAMETERS` parsed and checked.

use crate::error::{Error, Result};
use crate::order::Mode;
use crate::value::{self, Value};

/// The parameters, checked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parameters {
    /// `None`: not set, so the directory's `values*.yaml` (the announced
    /// default, which Argo CD does not send).
    pub values_files: Option<Vec<String>>,
    pub chart: Option<String>,
    pub release_name: Option<String>,
    pub mode: Option<Mode>,
    pub wave_start: Option<i64>,
    pub dependencies: Option<bool>,
    /// `Some(true)`: clusters one after another.
    pub clusters_in_sequence: Option<bool>,
    /// Approval gates after these node keys.
    pub gate_after: Option<Vec<String>>,
}

/// The parameters `plugin.yaml` announces statically: (name, title,
/// tooltip). `plugin.yaml` lists the same; a test keeps them equal.
pub const STATIC: [(&str, &str, &str); 7] = [
    (
        "chart",
        "Helm chart",
        "Path of the chart in the repository, relative to the application's directory (e.g. ../../../charts/express); default: the application's directory if it has a Chart.yaml.",
    ),
    (
        "release-name",
        "Helm release name",
        "Release name for helm template; default: the Application's name.",
    ),
    (
        "mode",
        "Rollout mode",
        "upgrade (fe1, fe2, be, fe3 …) or provisioning (be, fe1, fe2 …); default: the Cluster CR's annotation, else upgrade.",
    ),
    (
        "wave-start",
        "First node's sync wave",
        "Sync wave of the first node (default 1); the Cluster CR gets one less.",
    ),
    (
        "dependencies",
        "Inject dependencies",
        "enabled (default) or disabled: disabled injects no deploymentDependencies; waves are still assigned.",
    ),
    (
        "clusters",
        "Several clusters",
        "parallel (default: side by side) or in-sequence (one cluster after another) when the render holds several clusters.",
    ),
    (
        "gate-after",
        "Approval gates",
        "Node keys (fe1, be) after which every cluster's rollout waits for `express-waves approve NS/CLUSTER`; default: none. A list.",
    ),
];

/// The one parameter announced dynamically (`cmp parameters`), because its
/// default depends on the directory. Argo CD concatenates dynamic and static
/// announcements without removing duplicates (`cmpserver/plugin/plugin.go`,
/// `getParametersAnnouncement`), so each parameter is announced once.
pub const DYNAMIC: (&str, &str, &str) = (
    "values-files",
    "Helm values files",
    "Values files, relative to the application's directory and inside the repository, applied in order (helm -f); default: the values*.yaml files here.",
);

/// Parses `ARGOCD_APP_PARAMETERS`.
pub fn parse_parameters(json_text: &str) -> Result<Parameters> {
    let Some(v) = value::read(json_text, Default::default()).map_err(|e| bad(e.message))? else {
        return Ok(Parameters::default());
    };
    let Value::Seq(items) = v else {
        return Err(bad("must be a JSON list".into()));
    };
    let mut p = Parameters::default();
    for item in &items {
        let name = item
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("a parameter has no name".into()))?;
        match name {
            "values-files" => p.values_files = strings(item, name)?,
            "gate-after" => p.gate_after = node_keys(item, name)?,
            "chart" => p.chart = string(item, name)?,
            "release-name" => p.release_name = string(item, name)?,
            "mode" => {
                p.mode = one_of(
                    item,
                    name,
                    &[
                        ("upgrade", Mode::Upgrade),
                        ("provisioning", Mode::Provisioning),
                    ],
                    "upgrade or provisioning",
                )?
            }
            "wave-start" => {
                p.wave_start = match string(item, name)? {
                    None => None,
                    Some(s) => Some(
                        s.parse()
                            .map_err(|_| bad(format!("wave-start `{s}` is not an integer")))?,
                    ),
                }
            }
            "dependencies" => {
                p.dependencies = one_of(
                    item,
                    name,
                    &[
                        ("enabled", true),
                        ("true", true),
                        ("disabled", false),
                        ("false", false),
                    ],
                    "enabled or disabled",
                )?
            }
            "clusters" => {
                p.clusters_in_sequence = one_of(
                    item,
                    name,
                    &[("parallel", false), ("in-sequence", true)],
                    "parallel or in-sequence",
                )?
            }
            other => {
                let known: Vec<&str> = std::iter::once(DYNAMIC.0)
                    .chain(STATIC.iter().map(|a| a.0))
                    .collect();
                return Err(bad(format!(
                    "unknown parameter `{other}` (known: {})",
                    known.join(", ")
                )));
            }
        }
    }
    Ok(p)
}

fn bad(m: String) -> Error {
    Error::msg(format!("ARGOCD_APP_PARAMETERS: {m}"))
}

/// A string parameter; `None` for a field cleared in the UI (`""`).
fn string(item: &Value, name: &str) -> Result<Option<String>> {
    item.get("string")
        .and_then(Value::as_str)
        .map(|v| (!v.is_empty()).then(|| v.to_string()))
        .ok_or_else(|| bad(format!("parameter {name} needs a string value")))
}

/// A string parameter that must be one of `choices`; `expected` says
/// which in the error.
fn one_of<T: Copy>(
    item: &Value,
    name: &str,
    choices: &[(&str, T)],
    expected: &str,
) -> Result<Option<T>> {
    let Some(v) = string(item, name)? else {
        return Ok(None);
    };
    match choices.iter().find(|(c, _)| *c == v) {
        Some((_, t)) => Ok(Some(*t)),
        None => Err(bad(format!("{name} `{v}`: expected {expected}"))),
    }
}

/// An array of node keys (`gate-after`), each checked as `--gate-after`
/// checks it.
fn node_keys(item: &Value, name: &str) -> Result<Option<Vec<String>>> {
    strings(item, name)?
        .map(|keys| {
            keys.iter()
                .map(|k| crate::cli::parse_key(k).map_err(|m| bad(format!("{name}: {m}"))))
                .collect()
        })
        .transpose()
}

/// An array parameter (`values-files`, `gate-after`); entries cleared in
/// the UI are dropped, and an empty list means unset, like a cleared
/// string.
fn strings(item: &Value, name: &str) -> Result<Option<Vec<String>>> {
    let Some(Value::Seq(files)) = item.get("array") else {
        return Err(bad(format!("parameter {name} needs an array value")));
    };
    let mut list = Vec::new();
    for f in files {
        let f = f
            .as_str()
            .ok_or_else(|| bad(format!("{name} holds a non-string")))?;
        if !f.is_empty() {
            list.push(f.to_string());
        }
    }
    Ok((!list.is_empty()).then_some(list))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_parse_and_unknown_ones_are_refused() {
        let p = parse_parameters(
            r#"[{"name":"values-files","array":["a.yaml","b.yaml"]},{"name":"mode","string":"provisioning"},{"name":"wave-start","string":"5"},{"name":"dependencies","string":"disabled"},{"name":"release-name","string":"acme"}]"#,
        )
        .unwrap();
        assert_eq!(p.values_files, Some(vec!["a.yaml".into(), "b.yaml".into()]));
        assert_eq!(p.mode, Some(Mode::Provisioning));
        assert_eq!(p.wave_start, Some(5));
        assert_eq!(p.dependencies, Some(false));
        let e = parse_parameters(r#"[{"name":"value-files","array":[]}]"#).unwrap_err();
        assert!(
            e.to_string().contains("unknown parameter `value-files`"),
            "{e}"
        );
        let e = parse_parameters(r#"[{"name":"wave-start","string":"1; rm -rf /"}]"#).unwrap_err();
        assert!(e.to_string().contains("not an integer"), "{e}");
    }

    #[test]
    fn a_field_cleared_in_the_ui_is_unset() {
        let p = parse_parameters(
            r#"[{"name":"mode","string":""},{"name":"wave-start","string":""},{"name":"release-name","string":""},{"name":"chart","string":""},{"name":"dependencies","string":""},{"name":"values-files","array":["",""]}]"#,
        )
        .unwrap();
        assert_eq!(p, Parameters::default());
    }
}
