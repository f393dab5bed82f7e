//! dfc: a compiler for `.df`, a dataflow language for deep-learning accelerators.
//!
//! Modules in reading order, following the data:
//! `source` (files and spans) → `syntax` (tokens, AST, printer) → `ir` (resolved, checked
//! model) → `backends` (cost model) → `cli` (the only module that does I/O).
//! `diagnostics` is shared by every stage; `interop` imports MAESTRO's and SCALE-Sim's input
//! files and ONNX models into the IR; `plots` draws reports as SVG. Beside the compiler:
//! `environments` (control tasks with Gymnasium's dynamics), `neat` (NEAT neuro-evolution
//! and the EvE/ADAM hardware model) and `noc` (on-chip network traffic, analytic models per
//! topology, a cycle-level mesh simulator) and `rl` (learning to route on that simulator);
//! `sweep` evaluates design-space sweeps (`sweep` items) point by point, in shards if asked.

pub mod backends;
pub mod cli;
pub mod diagnostics;
pub mod environments;
pub mod generators;
pub mod interop;
pub mod ir;
pub mod neat;
pub mod nn;
pub mod noc;
pub mod plots;
pub mod rewrite;
pub mod rl;
pub mod search;
pub mod source;
pub mod sweep;
pub mod syntax;
pub mod testing;
pub mod tooling;
pub mod util;
