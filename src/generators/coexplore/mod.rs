//! NASAIC-style co-exploration (arXiv 2002.04116): the networks of several tasks and a
//! heterogeneous accelerator of dataflow-template sub-accelerators, searched together by a
//! REINFORCE controller that penalises designs breaking latency, energy or area specs
//! without training them; the successive baseline (networks for accuracy alone, then the
//! best hardware); and the chosen design as one `.df` program (`docs/coexplore.md`).

pub mod area;
pub mod controller;
pub mod design;
pub mod emit;
pub mod evaluate;
pub mod explore;

#[cfg(test)]
mod tests;

/// Serialises a value by its `Display` form (architectures as `h64 h32`).
fn serialize_display<T: std::fmt::Display, S: serde::Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}
