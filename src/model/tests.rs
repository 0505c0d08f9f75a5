//! Recognising Express CRs and reading their annotations.

use super::*;
use crate::value::test_value as value;
use crate::yaml::Node;

fn node(src: &str) -> Node<'_> {
    crate::yaml::read_document(src, Default::default())
        .unwrap()
        .unwrap()
}

#[test]
fn identifies_express_kinds_by_group() {
    let g = "express.medallia.com";
    let n = node("apiVersion: express.medallia.com/v2alpha1\nkind: Frontend\n");
    assert_eq!(
        identify(&n, g),
        Ok(Identity::Express(ExpressKind::Frontend))
    );
    let n = node("apiVersion: express.medallia.com/v9\nkind: Gadget\n");
    assert!(
        identify(&n, g)
            .unwrap_err()
            .contains("unknown express.medallia.com kind `Gadget`")
    );
    let n = node("apiVersion: other.io/v1\nkind: Frontend\n");
    assert_eq!(identify(&n, g), Ok(Identity::Other));
    let n = node("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: b}\n");
    assert_eq!(
        identify(&n, g),
        Ok(Identity::ConfigMap("b".into(), "a".into()))
    );
}

#[test]
fn prune_last_is_merged_into_sync_options_as_argo_cd_reads_them() {
    assert_eq!(with_prune_last(None).unwrap().as_deref(), Some(PRUNE_LAST));
    assert_eq!(
        with_prune_last(Some("")).unwrap().as_deref(),
        Some(PRUNE_LAST)
    );
    assert_eq!(
        with_prune_last(Some("ServerSideApply=true"))
            .unwrap()
            .as_deref(),
        Some("ServerSideApply=true,PruneLast=true")
    );
    assert_eq!(
        with_prune_last(Some("Replace=false, ")).unwrap().as_deref(),
        Some("Replace=false,PruneLast=true")
    );
    // Already there (with the spaces GetAnnotationCSVs trims): unchanged.
    assert_eq!(
        with_prune_last(Some("Prune=true, PruneLast=true ")).unwrap(),
        None
    );
    let e = with_prune_last(Some("PruneLast=false")).unwrap_err();
    assert!(e.contains("remove `PruneLast=false`"), "{e}");
}

#[test]
fn annotations_must_be_strings_and_switches_known() {
    let v = value("metadata:\n  annotations:\n    express.medallia.com/up: false\n");
    assert!(
        annotation(&v, ANN_UP)
            .unwrap_err()
            .contains("must be a string, not a boolean")
    );
    let v = value("metadata:\n  annotations:\n    express.medallia.com/up: 'no'\n");
    assert!(
        switch(&v, ANN_UP, "false", "true")
            .unwrap_err()
            .contains("expected")
    );
    let v = value("metadata:\n  annotations:\n    express.medallia.com/mode: provisioning\n");
    assert_eq!(cluster_mode(&v), Ok(Some(Mode::Provisioning)));
}

/// gitops-engine `syncwaves.Wave`: the sync-wave annotation by
/// `strconv.Atoi`, else `helm.sh/hook-weight` the same way (`hook/helm`
/// `Weight`), else nothing (Argo CD's 0).
#[test]
fn a_sync_wave_is_read_as_argo_cd_reads_it() {
    let wave = |ann: &str| sync_wave(&value(&format!("metadata:\n  annotations: {ann}\n")));
    assert_eq!(
        wave("{argocd.argoproj.io/sync-wave: '3', helm.sh/hook-weight: '7'}"),
        Some(3)
    );
    assert_eq!(wave("{argocd.argoproj.io/sync-wave: '+3'}"), Some(3));
    assert_eq!(wave("{argocd.argoproj.io/sync-wave: '-12'}"), Some(-12));
    // Unreadable to Atoi, so the hook weight counts.
    for bad in [
        "' 3'",
        "'3 '",
        "'1_000'",
        "'0x10'",
        "'3.0'",
        "''",
        "'99999999999999999999'",
    ] {
        let ann = format!("{{argocd.argoproj.io/sync-wave: {bad}, helm.sh/hook-weight: '-2'}}");
        assert_eq!(wave(&ann), Some(-2), "{bad}");
    }
    assert_eq!(wave("{helm.sh/hook-weight: x}"), None);
    assert_eq!(wave("{}"), None);
}
