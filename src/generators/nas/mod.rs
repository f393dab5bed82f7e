//! Conditional architecture search (in the manner of "Conditional Neural Architecture Search"
//! with a GAN): measured (architecture, resource costs, test metric) data over a search space,
//! a generator conditioned on resource budgets, and random search at an equal number of
//! trained networks as the baseline. Every generated network is trained and measured, and its
//! costs come from the cost model on the user's hardware.

pub mod cache;
pub mod gan;
pub mod platform;
pub mod search;
pub mod space;
pub mod task;

/// Serialises a value by its `Display` form (architectures as `c8k3 h64`).
fn serialize_display<T: std::fmt::Display, S: serde::Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

#[cfg(test)]
mod tests;
