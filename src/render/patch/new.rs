//! What an edit sets a key to ([`New`]): a value, or a prerequisite list
//! written straight from the documents it names, as `emit` writes its
//! value but without building it (a large stream writes two lists for
//! every node).

use crate::emit;
use crate::model::ExpressKind;
use crate::order::List;
use crate::value::Value;

/// What an edit sets a key to: a value, or what is written straight from
/// the documents it names without building one (a large stream writes a
/// prerequisite list for every node).
#[derive(Clone)]
pub(in crate::render) enum New<'d> {
    Value(Value),
    /// A mapping the document lacks, with its entries.
    Map(Vec<(&'static str, New<'d>)>),
    /// A prerequisite list of `List`.
    Prerequisites(List, Vec<Prerequisite<'d>>),
}

impl New<'_> {
    pub(in crate::render) fn into_value(self) -> Value {
        match self {
            New::Value(v) => v,
            New::Map(entries) => Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.into_value()))
                    .collect(),
            ),
            New::Prerequisites(list, entries) => {
                Value::Seq(entries.iter().map(|p| p.to_value(list)).collect())
            }
        }
    }

    /// Writes the entry `key:` with this value, its key at column
    /// `indent`: what [`emit::entry`] writes for [`New::into_value`].
    pub(in crate::render) fn write_entry(&self, key: &str, indent: usize, out: &mut String) {
        // `key:` on a line of its own, the nested entries under it.
        let head = |out: &mut String| {
            emit::pad(indent, out);
            emit::write_key(key, indent, out);
            out.push('\n');
        };
        match self {
            New::Value(v) => emit::entry(key, v, indent, out),
            New::Map(entries) if !entries.is_empty() => {
                head(out);
                for (k, v) in entries {
                    v.write_entry(k, indent + 2, out);
                }
            }
            New::Prerequisites(list, entries) if !entries.is_empty() => {
                head(out);
                for p in entries {
                    p.write_item(*list, indent + 2, out);
                }
            }
            // Empty: `{}` or `[]`, as `emit` writes it.
            empty => emit::entry(key, &empty.clone().into_value(), indent, out),
        }
    }
}

/// A prerequisite entry, as it will be written: the chart's entry (its
/// mapping's entries) refreshed, or one in the shape the chart renders.
#[derive(Clone, Copy)]
pub(in crate::render) struct Prerequisite<'d> {
    pub(super) chart: Option<&'d [(String, Value)]>,
    pub(super) node: &'d str,
    pub(super) version: &'d str,
    pub(super) label: &'d str,
    pub(super) kind: ExpressKind,
}

/// A field of a prerequisite entry: a text render sets, or the chart's.
enum Field<'d> {
    Text(&'d str),
    Value(&'d Value),
}

impl<'d> Prerequisite<'d> {
    /// The entry's fields in order. The chart's entry gets the node's
    /// version and kind, and its revision where it has one or `list` is
    /// the upgrade list: each replaced where it stands, else appended, in
    /// that order (as [`Value::set`] does).
    fn fields(&self, list: List, mut f: impl FnMut(&'d str, Field<'d>)) {
        let (version, label, kind) = (self.version, self.label, self.kind.name());
        let Some(entry) = self.chart else {
            f("conditionStatus", Field::Text("True"));
            f("expressNode", Field::Text(self.node));
            f("expressVersion", Field::Text(version));
            if list == List::Upgrade {
                f("deploymentRevision", Field::Text(label));
            }
            f("kind", Field::Text(kind));
            f("podConditionType", Field::Text("Ready"));
            return;
        };
        let mut has = [false; 3];
        for (k, v) in entry {
            let field = match k.as_str() {
                "expressVersion" => (0, Field::Text(version)),
                "deploymentRevision" => (1, Field::Text(label)),
                "kind" => (2, Field::Text(kind)),
                _ => (3, Field::Value(v)),
            };
            if let Some(h) = has.get_mut(field.0) {
                *h = true;
            }
            f(k, field.1);
        }
        if !has[0] {
            f("expressVersion", Field::Text(version));
        }
        if !has[1] && list == List::Upgrade {
            f("deploymentRevision", Field::Text(label));
        }
        if !has[2] {
            f("kind", Field::Text(kind));
        }
    }

    fn to_value(self, list: List) -> Value {
        let mut entry = Vec::new();
        self.fields(list, |k, field| {
            let v = match field {
                Field::Text(t) => Value::Str(t.to_string()),
                Field::Value(v) => v.clone(),
            };
            entry.push((k.to_string(), v));
        });
        Value::Map(entry)
    }

    /// Writes the entry as an item of a block sequence at column
    /// `indent`, as [`emit`] writes [`Prerequisite::to_value`].
    fn write_item(&self, list: List, indent: usize, out: &mut String) {
        let mut first = true;
        self.fields(list, |k, field| {
            if first {
                emit::pad(indent, out);
                out.push_str("- ");
                first = false;
            } else {
                emit::pad(indent + 2, out);
            }
            match field {
                Field::Text(t) => emit::str_entry(k, t, indent + 2, out),
                Field::Value(v) => emit::write_entry(k, v, indent + 2, out),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text written straight from a prerequisite list is the text
    /// `emit` writes for its value, whatever the chart's entry holds.
    #[test]
    fn a_prerequisite_list_is_written_as_its_value_is() {
        let charts = [
            "expressNode: a-fe1\nkind: Frontend\n",
            "podConditionType: Ready\nexpressNode: a-be\ndeploymentRevision: old\nextra: {x: [1, 2], y: \"multi\\nline\\n\"}\n",
            "expressNode: a-fe2\nexpressVersion: v0\nkind: Backend\nconditionStatus: \"True\"\nnote: |\n  kept\n",
            "expressNode: a-fe3\nempty: {}\nlist: []\n",
        ];
        let values: Vec<Value> = charts.iter().map(|c| crate::value::test_value(c)).collect();
        let entries = |v: &Value| match v {
            Value::Map(m) => m.clone(),
            _ => unreachable!(),
        };
        let owned: Vec<Vec<(String, Value)>> = values.iter().map(entries).collect();
        for list in List::BOTH {
            for version in ["v1", "yes", "", "012"] {
                let mut items: Vec<Prerequisite<'_>> = owned
                    .iter()
                    .map(|m| Prerequisite {
                        chart: Some(m.as_slice()),
                        node: "ignored",
                        version,
                        label: "0123abcd",
                        kind: ExpressKind::Backend,
                    })
                    .collect();
                items.push(Prerequisite {
                    chart: None,
                    node: "a-be",
                    version,
                    label: "e5",
                    kind: ExpressKind::Frontend,
                });
                // The chart's entry refreshed as `Value::set` would.
                for (p, chart) in items.iter().zip(&values) {
                    let mut want = chart.clone();
                    want.set("expressVersion", Value::Str(version.into()));
                    if list == List::Upgrade || want.get("deploymentRevision").is_some() {
                        want.set("deploymentRevision", Value::Str("0123abcd".into()));
                    }
                    want.set("kind", Value::Str("Backend".into()));
                    assert_eq!(p.to_value(list), want);
                }
                let shape = format!(
                    "conditionStatus: \"True\"\nexpressNode: a-be\nexpressVersion: \"{version}\"\n{}kind: Frontend\npodConditionType: Ready\n",
                    if list == List::Upgrade {
                        "deploymentRevision: e5\n"
                    } else {
                        ""
                    }
                );
                assert_eq!(items[4].to_value(list), crate::value::test_value(&shape));
                for new in [
                    New::Prerequisites(list, items.clone()),
                    New::Prerequisites(list, Vec::new()),
                    New::Map(vec![(
                        "upgradePrerequisites",
                        New::Prerequisites(list, items),
                    )]),
                ] {
                    let (mut got, mut want) = (String::new(), String::new());
                    new.write_entry("deploymentDependencies", 2, &mut got);
                    emit::entry("deploymentDependencies", &new.into_value(), 2, &mut want);
                    assert_eq!(got, want);
                }
            }
        }
    }
}
