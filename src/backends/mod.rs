//! Back ends: what a mapped program costs. `cost` is the analytic model with MAESTRO's
//! semantics (bit-exact in `Model::Maestro`, quirks fixed in `Model::Default`); `evaluate`
//! lowers an IR mapping to its per-layer problems, evaluates each distinct one once, in
//! parallel, and gathers a report in layer order.

pub mod cost;
pub mod evaluate;
pub mod hda;
pub mod report;
pub mod schedule;
pub mod simulate;
pub mod systolic;
