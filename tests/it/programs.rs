//! Every example and standard-library file compiles without diagnostics, and the stdlib
//! networks lower to the true MAC counts their headers state.

use crate::common;

fn assert_clean(dir: &str) -> usize {
    let files = common::files(dir, "df");
    for path in &files {
        let (sources, program, diags) = common::compile(path);
        assert!(
            diags.is_empty(),
            "{} has diagnostics:\n{}",
            path.display(),
            dfc::diagnostics::render::short(&diags, &sources)
        );
        assert!(program.is_some());
    }
    files.len()
}

#[test]
fn examples_check_clean() {
    assert_eq!(assert_clean("examples"), 11, "examples");
}

#[test]
fn stdlib_checks_clean() {
    assert_eq!(assert_clean("stdlib"), 22, "stdlib files");
}

/// Each network file's header states `Total: N MACs`; the lowered layers must agree.
#[test]
fn stdlib_networks_have_the_stated_mac_counts() {
    let files = common::files("stdlib/networks", "df");
    assert_eq!(files.len(), 9, "the nine standard networks");
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        let stated: u64 = text
            .lines()
            .take_while(|l| l.starts_with("//"))
            .find_map(|l| {
                let rest = &l[l.find("Total: ")? + "Total: ".len()..];
                let number: String = rest
                    .split_whitespace()
                    .next()?
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect();
                number.parse().ok()
            })
            .unwrap_or_else(|| panic!("{} states no `Total: N MACs`", path.display()));
        let (_, program, _) = common::compile(&path);
        let program = program.expect("stdlib compiles");
        let total: u64 = program
            .networks
            .iter()
            .flat_map(|n| &n.layers)
            .map(|l| l.macs())
            .sum();
        assert_eq!(total, stated, "{}: MACs", path.display());
    }
}

/// Every ```df block of the language reference compiles without diagnostics.
#[test]
fn language_reference_examples_compile() {
    let text = std::fs::read_to_string(common::root().join("grammar/README.md")).expect("readable");
    let mut blocks = 0;
    for (i, block) in text.split("```df\n").skip(1).enumerate() {
        let code = block.split("```").next().unwrap_or_default();
        let (sources, program, diags) =
            dfc::ir::lower::lower_text(&format!("README block {i}"), code);
        assert!(
            diags.is_empty() && program.is_some(),
            "grammar/README.md block {i}:\n{code}\n{}",
            dfc::diagnostics::render::short(&diags, &sources)
        );
        blocks += 1;
    }
    assert!(blocks >= 6);
}
