//! `argocd health`, `argocd config`, `argocd crd`: what Argo CD needs
//! installed;
//! `argocd check`: Argo CD's objects, from files and/or kubectl, checked
//! against the guarantee.

use crate::cli::{ArgocdCommand, CheckArgs};
use crate::error::{Error, Result};

use super::{Context, Outcome};

pub fn run(command: &ArgocdCommand, ctx: &mut Context<'_>) -> Result<Outcome> {
    match command {
        ArgocdCommand::Health { kind, group } => Ok(Outcome::ok(
            crate::argocd::health_lua(&group.name, kind.map(|k| k.checked())).into_bytes(),
        )),
        ArgocdCommand::Config { namespace, group } => Ok(Outcome::ok(
            crate::argocd::config(&group.name, namespace).into_bytes(),
        )),
        ArgocdCommand::Crd => Ok(Outcome::ok(crate::gate::CRD.as_bytes().to_vec())),
        ArgocdCommand::Check(args) => check(ctx, args),
    }
}

/// `argocd check`.
pub fn check(ctx: &mut Context<'_>, args: &CheckArgs) -> Result<Outcome> {
    let mut objects = Vec::new();
    let mut unrelated = None;
    for f in &args.files {
        objects.extend(crate::live::read_file(f, &mut *ctx.stdin)?);
    }
    if args.kubectl.read {
        let k = crate::live::Kubectl::from_env(
            args.kubectl.context.clone(),
            Some(args.argocd_namespace.clone()),
        );
        objects.extend(k.get(&k.get_args(&["configmap", "argocd-cm"], &[]))?);
        // Where Argo CD's manifests keep the controller's sync timeout.
        objects.extend(k.get_if_found(&["configmap", "argocd-cmd-params-cm"])?);
        objects.extend(k.get(&k.get_args(
            &["statefulsets.apps,deployments.apps"],
            &["--selector=app.kubernetes.io/name=argocd-application-controller".into()],
        ))?);
        if args.apps.is_empty() {
            let all = k.get(&k.get_args(
                &["applications.argoproj.io,applicationsets.argoproj.io"],
                &[],
            ))?;
            let before = all.len();
            // Those that name the plugin, and those that sync Express CRs
            // without it (the case that breaks the guarantee most).
            let (ours, others): (Vec<_>, Vec<_>) = all.into_iter().partition(|o| {
                crate::argocd_check::names_plugin(o, &args.plugin)
                    || crate::argocd_check::manages_group(o, &args.group.name)
            });
            if ours.is_empty() {
                return Err(Error::msg(format!(
                    "argocd check: none of the {before} Applications and ApplicationSets in namespace {} names the plugin {} or syncs {} resources (check one with --app NAME)",
                    args.argocd_namespace, args.plugin, args.group.name
                )));
            }
            if !others.is_empty() {
                unrelated = Some(format!(
                    "{} Applications/ApplicationSets in namespace {} that neither name the plugin nor list {} resources in their status",
                    others.len(),
                    args.argocd_namespace,
                    args.group.name
                ));
            }
            objects.extend(ours);
        } else {
            let mut what = vec!["applications.argoproj.io"];
            what.extend(args.apps.iter().map(String::as_str));
            objects.extend(k.get(&k.get_args(&what, &[]))?);
        }
    }
    if args.files.is_empty() && !args.kubectl.read {
        return Err(Error::msg(
            "argocd check needs Argo CD's objects: files (`-`: stdin) or --kubectl",
        ));
    }
    let settings = crate::argocd_check::Settings {
        group: args.group.name.clone(),
        plugin: args.plugin.clone(),
    };
    let mut report = crate::argocd_check::check(&objects, &settings)?;
    report.not_checked.extend(unrelated);
    let text = if args.output.format.is_json("argocd check")? {
        crate::argocd_check::json(&report)
    } else {
        crate::argocd_check::text(&report)
    };
    Ok(Outcome::found(text.into_bytes(), report.breaks()))
}
