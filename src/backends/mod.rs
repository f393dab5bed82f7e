//! Back ends: what a mapped program costs. `cost` is the analytic model with MAESTRO's
//! semantics (bit-exact in `Model::Maestro`, quirks fixed in `Model::Default`); `evaluate`
//! lowers an IR mapping to its per-layer problems, evaluates each distinct one once, in
//! parallel, and gathers a report in layer order (rendered by `evaluate::render`). `schedule`
//! feeds the HDA scheduler (`hda`) from the IR and gathers its report; `simulate` feeds the
//! systolic simulator and renders its report.

pub mod cost;
pub mod evaluate;
pub mod hda;
pub mod schedule;
pub mod simulate;
pub mod systolic;
