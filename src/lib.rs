//! dfc: a compiler for `.df`, a dataflow language for deep-learning accelerators.
//!
//! Modules in reading order, following the data:
//! `source` (files and spans) → `syntax` (tokens, AST, printer) → `ir` (resolved, checked
//! model) → `backends` (cost model) → `cli` (the only module that does I/O).
//! `diagnostics` is shared by every stage; `interop` imports MAESTRO's and SCALE-Sim's input
//! files into the IR.

pub mod backends;
pub mod cli;
pub mod diagnostics;
pub mod interop;
pub mod ir;
pub mod noc;
pub mod rewrite;
pub mod search;
pub mod source;
pub mod syntax;
pub mod testing;
pub mod tooling;
pub mod util;
