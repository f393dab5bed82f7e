//! Tests of the systolic back end. Data: `tests/data/scalesim/` (SCALE-Sim 3.0.0's own report
//! files for the public reference set, and extra cases generated the same way).

mod functional;
mod invariants;
mod parity;

use std::path::PathBuf;

/// `tests/data/scalesim/`, found relative to this source file so that the module's tests run
/// from any crate that includes it.
pub(super) fn data_dir() -> PathBuf {
    // `file!()` is relative to the crate root, or absolute when the module is included by path.
    let file = std::path::Path::new(file!());
    let here = if file.is_absolute() {
        file.to_path_buf()
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(file)
    };
    let mut dir = here.parent().map(PathBuf::from).unwrap_or_default();
    for _ in 0..3 {
        dir.pop();
    }
    dir.join("tests/data/scalesim")
}

pub(crate) fn read(rel: &str) -> String {
    let p = data_dir().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Minimal CSV reader for the test data (no quoting is used in it).
pub(super) fn csv_rows(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(|s| s.trim().to_string()))
                .collect()
        })
        .collect()
}
