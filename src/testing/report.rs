//! Reports of a `dfc test` run: the outcome of each test (expectations and snapshot
//! comparison) and its renderings for people, as JSON and as JUnit XML. Pure functions to
//! strings; the CLI runs the tests, compares snapshots and prints.

use super::{number, Check};

/// The outcome of one test, snapshot comparison included.
#[derive(serde::Serialize)]
pub struct Outcome {
    pub file: String,
    pub test: String,
    pub passed: bool,
    pub checks: Vec<Check>,
    /// `matched`, `written`, `accepted`, `missing`, `changed`, or absent without snapshots.
    pub snapshot: Option<&'static str>,
    pub snapshot_file: Option<String>,
    #[serde(skip)]
    pub diff: Option<String>,
    /// Errors that kept the test from running (rendered diagnostics).
    pub errors: Vec<String>,
}

/// Every outcome as one JSON array.
pub fn json(outcomes: &[Outcome]) -> String {
    let mut s = serde_json::to_string_pretty(outcomes).unwrap_or_default();
    s.push('\n');
    s
}

/// For people: one line per test, then the failures in detail and a count.
pub fn human(outcomes: &[Outcome], passed: usize, failed: usize) -> String {
    let mut s = String::new();
    for o in outcomes {
        let status = if o.passed { "ok" } else { "FAILED" };
        let snap = match o.snapshot {
            Some(state @ ("written" | "accepted")) => format!(" (snapshot {state})"),
            _ => String::new(),
        };
        s.push_str(&format!("test {}::{} ... {status}{snap}\n", o.file, o.test));
    }
    for o in outcomes.iter().filter(|o| !o.passed) {
        s.push_str(&format!("\n---- {}::{} ----\n", o.file, o.test));
        for c in o.checks.iter().filter(|c| !c.passed) {
            match (c.actual, &c.note) {
                (Some(a), _) => s.push_str(&format!(
                    "expectation failed: {}\n    actual: {}{}\n",
                    c.expectation,
                    number(a),
                    c.unit
                )),
                (None, note) => s.push_str(&format!(
                    "expectation not measured: {} ({})\n",
                    c.expectation,
                    note.as_deref().unwrap_or("no value")
                )),
            }
        }
        match o.snapshot {
            Some("missing") => s.push_str(&format!(
                "snapshot missing: {} (run `dfc test --accept` to write it)\n",
                o.snapshot_file.as_deref().unwrap_or("")
            )),
            Some("changed") => {
                s.push_str(&format!(
                    "snapshot changed: {} (run `dfc test --accept` if the change is intended)\n",
                    o.snapshot_file.as_deref().unwrap_or("")
                ));
                s.push_str(o.diff.as_deref().unwrap_or(""));
            }
            _ => {}
        }
        for e in &o.errors {
            s.push_str(e);
        }
    }
    s.push_str(&format!("\n{passed} passed, {failed} failed\n"));
    s
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML, for CI dashboards.
pub fn junit(outcomes: &[Outcome]) -> String {
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"dfc\" tests=\"{}\" failures=\"{failed}\">\n  <testsuite name=\"dfc test\" tests=\"{}\" failures=\"{failed}\">\n",
        outcomes.len(),
        outcomes.len()
    );
    for o in outcomes {
        s.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\"",
            xml(&o.file),
            xml(&o.test)
        ));
        if o.passed {
            s.push_str("/>\n");
            continue;
        }
        let mut details = String::new();
        for c in o.checks.iter().filter(|c| !c.passed) {
            details.push_str(&format!(
                "expectation failed: {} (actual: {})\n",
                c.expectation,
                c.actual.map_or("not measured".to_string(), |a| format!(
                    "{}{}",
                    number(a),
                    c.unit
                ))
            ));
        }
        if let Some(d) = &o.diff {
            details.push_str(d);
        }
        if o.snapshot == Some("missing") {
            details.push_str("snapshot missing\n");
        }
        for e in &o.errors {
            details.push_str(e);
        }
        let message = details.lines().next().unwrap_or("failed").to_string();
        s.push_str(&format!(
            ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
            xml(&message),
            xml(&details)
        ));
    }
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}
