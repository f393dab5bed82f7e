//! Robustness: thousands of mutated copies of the examples and standard library (bytes
//! deleted, duplicated and swapped; tokens dropped) never panic the front end, and every one
//! that fails reports at least one coded diagnostic with a location, in every format.

use std::panic::{catch_unwind, AssertUnwindSafe};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::common;

#[derive(Debug, Clone)]
enum Mutation {
    DeleteBytes(Index, usize),
    DuplicateBytes(Index, usize),
    SwapBytes(Index, Index),
    DropToken(Index),
    InsertByte(Index, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 1usize..12).prop_map(|(i, n)| Mutation::DeleteBytes(i, n)),
        (any::<Index>(), 1usize..12).prop_map(|(i, n)| Mutation::DuplicateBytes(i, n)),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapBytes(a, b)),
        any::<Index>().prop_map(Mutation::DropToken),
        (
            any::<Index>(),
            prop::sample::select(b"{}();:,=*/+-<'\"#9Kx \n".to_vec())
        )
            .prop_map(|(i, b)| Mutation::InsertByte(i, b)),
    ]
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for m in mutations {
        if bytes.is_empty() {
            break;
        }
        match m {
            Mutation::DeleteBytes(i, n) => {
                let at = i.index(bytes.len());
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
            Mutation::DuplicateBytes(i, n) => {
                let at = i.index(bytes.len());
                let end = (at + n).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            Mutation::SwapBytes(a, b) => {
                let (a, b) = (a.index(bytes.len()), b.index(bytes.len()));
                bytes.swap(a, b);
            }
            Mutation::DropToken(i) => {
                let s = String::from_utf8_lossy(&bytes).into_owned();
                let tokens = dfc::syntax::lexer::lex(dfc::source::FileId(0), &s).tokens;
                if !tokens.is_empty() {
                    let (start, _, end) = tokens[i.index(tokens.len())];
                    let mut t = s.into_bytes();
                    t.drain(start..end);
                    bytes = t;
                }
            }
            Mutation::InsertByte(i, b) => {
                let at = i.index(bytes.len() + 1);
                bytes.insert(at, *b);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `path:line:col: error[E....]:` with numbers where they belong.
fn is_located_error_line(line: &str, name: &str) -> bool {
    let Some(rest) = line.strip_prefix(&format!("{name}:")) else {
        return false;
    };
    let mut parts = rest.splitn(3, ':');
    let (Some(l), Some(c), Some(msg)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    l.parse::<usize>().is_ok()
        && c.parse::<usize>().is_ok()
        && msg.starts_with(" error[E")
        && msg.as_bytes().get(12) == Some(&b']')
}

#[test]
fn mutated_programs_never_panic_and_always_explain_themselves() {
    let mut inputs: Vec<(String, String)> = Vec::new();
    for dir in ["examples", "stdlib"] {
        for path in common::files(dir, "df") {
            let text = std::fs::read_to_string(&path).expect("readable");
            inputs.push((common::relative(&path), text));
        }
    }
    assert!(!inputs.is_empty());
    let config = Config {
        cases: 4000,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let strategy = (any::<Index>(), prop::collection::vec(mutation(), 1..4));
    let failing = std::cell::Cell::new(0usize);
    let result = runner.run(&strategy, |(which, mutations)| {
        let (name, text) = &inputs[which.index(inputs.len())];
        let mutated = apply(text, &mutations);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let (sources, _, diags) = dfc::ir::lower::lower_text(name, &mutated);
            let short = dfc::diagnostics::render::short(&diags, &sources);
            let json = dfc::diagnostics::render::json(&diags, &sources);
            let human = dfc::diagnostics::render::human(&diags, &sources, false);
            (dfc::diagnostics::has_errors(&diags), short, json, human)
        }));
        let Ok((has_errors, short, json, human)) = outcome else {
            return Err(TestCaseError::fail(format!("panic on:\n{mutated}")));
        };
        let parsed: serde_json::Value = serde_json::from_str(&json)
            .map_err(|e| TestCaseError::fail(format!("invalid JSON ({e}) for:\n{mutated}")))?;
        if has_errors {
            failing.set(failing.get() + 1);
            prop_assert!(
                short.lines().any(|l| is_located_error_line(l, name)),
                "no located error line in:\n{short}\nfor:\n{mutated}"
            );
            let items = parsed.as_array().map_or(0, Vec::len);
            prop_assert!(items > 0, "empty JSON for a failing input");
            prop_assert!(human.contains("Error"), "human output names no error");
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let failing = failing.get();
    assert!(
        failing > 1000,
        "mutations should mostly break programs, {failing} did"
    );
}
