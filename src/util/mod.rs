//! Small shared utilities with no knowledge of the language: the seeded generator and the
//! stable hash every module uses.

pub mod hash;
pub mod rng;

pub use hash::stable_hash;
pub use rng::Rng;
