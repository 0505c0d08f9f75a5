//! The splice on the layouts that decide it: each case's text, edited in
//! place (or refused), and Go's reading of the result checked against the
//! value patched.

use crate::model::{ANN_REVISION_SOURCE, ANN_SYNC_WAVE, LABEL_REVISION};
use crate::value::{self, Value};
use crate::yaml::{self, Limits};

use super::super::layout::{ANNOTATIONS, DEPENDENCIES, LABELS, Recorder};
use super::super::patch::{Edit, New, apply};
use super::splice;

fn wave(w: &str) -> Edit<'static> {
    Edit::Set {
        place: ANNOTATIONS,
        key: ANN_SYNC_WAVE,
        value: New::Value(Value::Str(w.into())),
    }
}

fn label(l: &str) -> Edit<'static> {
    Edit::Set {
        place: LABELS,
        key: LABEL_REVISION,
        value: New::Value(Value::Str(l.into())),
    }
}

fn no_source() -> Edit<'static> {
    Edit::Remove {
        place: ANNOTATIONS,
        key: ANN_REVISION_SOURCE,
    }
}

fn upgrade(items: &[&str]) -> Edit<'static> {
    Edit::Set {
        place: DEPENDENCIES,
        key: "upgradePrerequisites",
        value: New::Value(Value::Seq(
            items.iter().map(|s| Value::Str(s.to_string())).collect(),
        )),
    }
}

/// The text spliced, after checking that Go reads it as the value patched.
fn spliced(text: &str, edits: Vec<Edit>) -> Option<String> {
    let mut recorder = Recorder::default();
    yaml::read_document_observed(text, Limits::default(), &mut recorder).unwrap();
    let layout = recorder.finish(text)?;
    let mut want = value::test_value(text);
    apply(edits.clone(), &mut want);
    let mut out = Vec::new();
    if !splice(text.as_bytes(), &layout, edits, &mut out) {
        return None;
    }
    let out = String::from_utf8(out).unwrap();
    assert_eq!(value::test_value(&out), want, "{out}");
    Some(out)
}

#[test]
fn a_key_that_is_there_is_written_over_on_its_line() {
    let text = "metadata:\n  name: x # the name\n  annotations:\n    argocd.argoproj.io/sync-wave: \"7\"   # old\n    b: c\nspec: {}\n";
    assert_eq!(
        spliced(text, vec![wave("1")]).unwrap(),
        "metadata:\n  name: x # the name\n  annotations:\n    argocd.argoproj.io/sync-wave: \"1\"\n    b: c\nspec: {}\n"
    );
}

#[test]
fn a_missing_map_goes_after_its_parents_last_line_before_trailing_comments() {
    let text = "metadata:\n  name: x\n  labels:\n    a: b\n  # a trailing comment\nspec:\n  k: [1,\n    2]\n# end\n";
    assert_eq!(
        spliced(text, vec![wave("1"), label("abc"), upgrade(&[])]).unwrap(),
        "metadata:\n  name: x\n  labels:\n    a: b\n    express.medallia.com/deployment-revision: abc\n  annotations:\n    argocd.argoproj.io/sync-wave: \"1\"\n  # a trailing comment\nspec:\n  k: [1,\n    2]\n  deploymentDependencies:\n    upgradePrerequisites: []\n# end\n"
    );
}

#[test]
fn a_null_or_empty_flow_map_is_written_over_whole() {
    for annotations in ["annotations:", "annotations: {}", "annotations: # none"] {
        let text = format!("metadata:\n  {annotations}\n  name: x\n");
        assert_eq!(
            spliced(&text, vec![wave("2")]).unwrap(),
            "metadata:\n  annotations:\n    argocd.argoproj.io/sync-wave: \"2\"\n  name: x\n"
        );
    }
}

#[test]
fn a_removed_key_takes_its_lines_with_it() {
    let text =
        "metadata:\n  annotations:\n    express.medallia.com/revision-source: chart\n    a: b\n";
    assert_eq!(
        spliced(text, vec![no_source()]).unwrap(),
        "metadata:\n  annotations:\n    a: b\n"
    );
}

#[test]
fn a_text_without_a_final_line_break_gets_one_before_the_new_lines() {
    assert_eq!(
        spliced("metadata:\n  name: x", vec![wave("1")]).unwrap(),
        "metadata:\n  name: x\n  annotations:\n    argocd.argoproj.io/sync-wave: \"1\"\n"
    );
}

#[test]
fn a_list_render_sets_is_written_over_with_its_lines() {
    let text = "spec:\n  deploymentDependencies:\n    upgradePrerequisites:\n    - a   # old\n    - b\n    provisioningPrerequisites: []\n";
    assert_eq!(
        spliced(text, vec![upgrade(&["node"])]).unwrap(),
        "spec:\n  deploymentDependencies:\n    upgradePrerequisites:\n      - node\n    provisioningPrerequisites: []\n"
    );
}

#[test]
fn an_explicit_first_key_leaves_its_mapping_alone() {
    // The mapping's keys stand at the `?`, not at the key after it: new
    // entries at the key's column would land inside `clusterConfig`.
    let text = "spec:\n  ?\n    expressVersion\n  : e1\n  clusterConfig:\n    clusterName: acme\n";
    assert_eq!(spliced(text, vec![upgrade(&[])]), None);
    let text = "metadata:\n  annotations:\n    ?\n      express.medallia.com/revision-source\n    : chart\n    z: y\n";
    assert_eq!(spliced(text, vec![no_source()]), None);
}

#[test]
fn what_the_layout_cannot_vouch_for_is_written_anew() {
    let cases = [
        // Anchors and aliases: an edit could change what an alias means.
        "metadata: &m\n  name: x\n",
        "metadata:\n  name: &l x\n  labels: *l\n",
        // A place in flow style with content.
        "metadata:\n  name: x\n  annotations: {a: b}\n",
        "metadata: {name: x}\n",
        // A block scalar's end is where the next token starts.
        "metadata:\n  name: x\n  note: |\n    text\n\nspec: {}\n",
        // An explicit key whose value indicator is on the next line.
        "metadata:\n  name: x\n  ? k\n  :\n",
        // An empty block sequence item.
        "metadata:\n  name: x\n  l:\n  -\n",
        // A tag on a place.
        "metadata: !!map\n  name: x\n",
        // A key render sets, there but ending in a block scalar: not to be
        // added again.
        "metadata:\n  annotations:\n    argocd.argoproj.io/sync-wave: |\n      7\n  name: x\n",
        // Explicit keys with the `?` on the line before (a helper's
        // adversarial run): the `?` line would stay behind.
        "metadata:\n  name: x\n  ?\n    annotations\n  : {}\n",
        "metadata:\n  name: x\n  annotations:\n    ?\n      a\n    : b\n",
        "metadata:\n  name: x\n  annotations:\n    ?\n      argocd.argoproj.io/sync-wave\n    : \"3\"\n",
        // A carriage return.
        "metadata:\r\n  name: x\r\n",
        // A byte order mark: the parser's columns would not be the text's.
        "\u{FEFF}metadata:\n  name: x\n",
    ];
    for text in cases {
        assert_eq!(spliced(text, vec![wave("1")]), None, "{text}");
    }
}
