//! `ragcheck test`: run the `test` blocks of rule files.

use std::path::PathBuf;

use super::{BROKEN, Cli, Settings};

pub(crate) fn run(_cli: &Cli, _settings: &Settings, _paths: &[PathBuf]) -> i32 {
    eprintln!("error: `ragcheck test` is not available yet in this version of ragcheck");
    BROKEN
}
