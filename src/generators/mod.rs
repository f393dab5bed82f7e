//! Generators that emit `.df` programs. `quantize` is AQGAN-style hardware-aware
//! quantization: measured (per-layer bit widths → accuracy) pairs, a conditional GAN that
//! proposes bit widths for a target accuracy, the cost model as the hardware oracle, and the
//! baselines it is measured against (uniform, random, a REINFORCE agent in HAQ's manner).

pub mod baselines;
pub mod bench;
pub mod coexplore;
pub mod gan;
pub mod hardware;
pub mod nas;
pub mod pairs_file;
pub mod quantize;
pub mod space;
pub mod study;

#[cfg(test)]
mod tests;
