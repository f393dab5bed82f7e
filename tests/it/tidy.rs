//! Tidy checks on the source tree: every module says what it owns.

use crate::common;

#[test]
fn every_source_file_starts_with_a_module_doc() {
    let files = common::files("src", "rs");
    assert!(files.len() > 40);
    let missing: Vec<String> = files
        .iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            !text.starts_with("//!")
        })
        .map(|p| common::relative(p))
        .collect();
    assert!(
        missing.is_empty(),
        "files without a `//!` module doc: {missing:?}"
    );
}
