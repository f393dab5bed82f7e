//! The measurement cache as text: one CSV row per trained architecture, carrying every input
//! that decided its metric (dfc's measurement version, task, space, training recipe, data
//! split). Only rows whose inputs all match are reused, so a change of any input measures
//! again. Reading and writing the file is the caller's.

use super::space::{Architecture, Space};
use super::task::Recipe;

/// Bumped whenever training or measuring changes, so old rows stop matching.
pub const VERSION: u32 = 1;

pub const HEADER: &str = "version,task,space,epochs,batch,lr,seed,split_seed,architecture,metric";

/// The key columns of a measurement (everything before `architecture`).
pub fn key(space: &Space, recipe: &Recipe) -> String {
    let s = recipe.schedule;
    format!(
        "{VERSION},{},{},{},{},{},{},{}",
        space.task.name(),
        space.family.name(),
        s.epochs,
        s.batch,
        s.lr,
        recipe.seed,
        recipe.split_seed
    )
}

/// One row of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub key: String,
    pub architecture: Architecture,
    pub metric: f64,
}

pub fn row(key: &str, architecture: &Architecture, metric: f64) -> String {
    format!("{key},{architecture},{metric}")
}

/// The rows of a cache file; `Err(line)` (1-based) for the first line that is not a row.
pub fn parse(text: &str) -> Result<Vec<Row>, usize> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 && line == HEADER || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        let parsed = (fields.len() == 10)
            .then(|| {
                let architecture = Architecture::parse(fields[8])?;
                let metric: f64 = fields[9].parse().ok().filter(|m: &f64| m.is_finite())?;
                Some(Row {
                    key: fields[..8].join(","),
                    architecture,
                    metric,
                })
            })
            .flatten();
        rows.push(parsed.ok_or(i + 1)?);
    }
    Ok(rows)
}
