//! `ragcheck fmt`: one canonical layout for rule files.

use std::path::PathBuf;

use super::{BROKEN, Cli, Settings};

pub(crate) fn run(_cli: &Cli, _settings: &Settings, _check: bool, _paths: &[PathBuf]) -> i32 {
    eprintln!("error: `ragcheck fmt` is not available yet in this version of ragcheck");
    BROKEN
}
