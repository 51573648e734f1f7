//! ragcheck: validate public-sector RAG performance returns against rules
//! written as text.
//!
//! The pipeline, one module per stage (see `docs/ARCHITECTURE.md`):
//!
//! | stage | module | produces |
//! |---|---|---|
//! | parse rule text | [`syntax`] | [`ast::RuleFile`] |
//! | compile | [`mod@compile`] | [`ir::RuleSet`] |
//! | find files | [`discover`] | [`discover::Discovered`] |
//! | load returns | [`returns`] | [`returns::LoadedFile`] |
//! | parse value text | [`value`] | [`value::ValueText`] |
//! | evaluate | [`eval`], [`checks`] | [`diagnostic::Diagnostic`]s at raw positions |
//! | check | [`engine`] | [`report::FileReport`]s, in input order |
//! | render | [`render`] | text: human, JSON, SARIF, JUnit, GitHub |
//! | rule tests | [`testing`] | pass/fail per `test` block |
//! | format | [`mod@format`] | canonical rule text |
//!
//! The library never prints or exits; the `ragcheck` binary renders
//! reports and picks the exit status.

pub mod ast;
pub mod catalogue;
pub mod checks;
pub mod collection;
pub mod compile;
pub mod diagnostic;
pub mod discover;
pub mod display;
pub mod engine;
pub mod eval;
pub mod field;
pub mod format;
pub mod functions;
pub mod ir;
pub mod layout;
pub mod period;
pub mod rag;
pub mod read;
pub mod render;
pub mod report;
pub mod returns;
pub mod rules_io;
pub mod span;
pub mod suggest;
pub mod syntax;
pub mod testing;
pub mod value;
pub mod waiver;

pub use compile::{Compiled, compile};
pub use eval::Program;
pub use ir::RuleSet;
