//! The one integration-test binary (one binary keeps link time down on small machines).
//! Each module covers one area; `tests/README.md` says how to add cases and accept snapshots.

mod cli;
mod coexplore;
mod common;
mod cost_model;
mod diagnostics_output;
mod editors;
mod export;
mod fmt;
mod maestro_import;
mod mutations;
mod nas;
mod neat;
mod noc;
mod onnx;
mod parity;
mod plots;
mod programs;
mod quantize;
mod reports;
mod rl;
mod schedule;
mod sweep;
mod systolic;
mod systolic_sparse;
mod test_cmd;
mod tidy;
mod tree_sitter;
mod ui;
