//! express-waves: orders Express node CRs into Argo CD sync waves, injects
//! their default dependencies and deployment revisions.
//!
//! The post-renderer's pipeline is [`render::run`]: read every document
//! ([`stream`], [`yaml`], [`value`]), group the Express CRs by cluster, decide
//! each cluster's order, dependencies and waves ([`order`], [`revision`]),
//! then write the stream with the changes: spliced into each Express
//! document's own text where its layout allows, else the document written
//! anew ([`emit`]). Every decision is made before the first byte is
//! written.
//!
//! The library does no printing and never exits the process: `main.rs` does
//! that; [`commands`] runs each subcommand.

pub mod allocator;
pub mod argocd;
pub mod argocd_check;
pub mod cli;
pub mod cmp;
pub mod commands;
pub mod compare;
pub mod diff;
pub mod emit;
pub mod error;
pub mod fleet;
pub mod gate;
pub mod health;
pub mod input;
pub mod inspect;
pub mod json;
pub mod live;
pub mod model;
pub mod order;
pub mod plan;
pub mod process;
pub mod render;
pub mod report;
pub mod revision;
pub mod status;
pub mod stored;
pub mod stream;
pub mod value;
pub mod verify;
pub mod yaml;

pub use error::{Error, Result};
