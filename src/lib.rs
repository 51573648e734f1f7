//! ragcheck: validate public-sector RAG performance returns against rules
//! written as text.
//!
//! See `docs/ARCHITECTURE.md` for the stage chain.

pub mod diagnostic;
pub mod rag;
pub mod render;
pub mod report;
pub mod returns;
pub mod span;
pub mod value;
