//! ragcheck: validate public-sector RAG performance returns against rules
//! written as text.
//!
//! See `docs/ARCHITECTURE.md` for the stage chain.

pub mod ast;
pub mod diagnostic;
pub mod rag;
pub mod report;
pub mod returns;
pub mod span;
pub mod syntax;
pub mod value;
