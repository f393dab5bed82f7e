//! `dfc sweep merge`: shards in, the unsharded text out. A shard's rows are lines keyed by
//! their point; the shards' identities must agree (same sweep, digest, options, shard count)
//! and cover every shard once; the lines are then put in point order and framed exactly as
//! an unsharded run frames its own, with the Pareto filter (when asked for) taken over all.

use super::table::{frame, front, Format, Objective, SweepTable, SHARD_PREFIX};
use super::Shard;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// One shard as read.
struct Part {
    file: FileId,
    format: Format,
    identity: Identity,
    columns: Vec<String>,
    /// Row lines with their point, in file order.
    rows: Vec<(u64, String)>,
}

#[derive(Debug, Clone, PartialEq)]
struct Identity {
    sweep: String,
    digest: String,
    points: u64,
    per_layer: bool,
    pareto: Option<(Objective, Objective)>,
    shard: Shard,
}

/// Join the shards `parts` (each a file and its text) into the text the unsharded run prints.
pub fn merge(parts: &[(FileId, &str)]) -> Result<String, Vec<Diagnostic>> {
    let mut read = Vec::new();
    let mut errors = Vec::new();
    for &(file, text) in parts {
        match part(file, text) {
            Ok(p) => read.push(p),
            Err(d) => errors.push(d),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let Some(first) = read.first() else {
        return Err(vec![Diagnostic::new(
            Code::SweepMissingShard,
            "no shard to merge",
        )]);
    };
    check_shards(&read)?;
    let mut rows: Vec<(u64, String)> = read.iter().flat_map(|p| p.rows.clone()).collect();
    rows.sort_by_key(|(point, _)| *point);
    if let Some(objectives) = first.identity.pareto {
        let keep = front(&objective_values(first, &rows, objectives));
        rows = rows
            .into_iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(r, _)| r)
            .collect();
    }
    let shell = SweepTable {
        sweep: first.identity.sweep.clone(),
        digest: first.identity.digest.clone(),
        points: first.identity.points,
        shard: None,
        per_layer: first.identity.per_layer,
        pareto: first.identity.pareto,
        columns: first.columns.clone(),
        rows: Vec::new(),
    };
    let lines: Vec<String> = rows.into_iter().map(|(_, line)| line).collect();
    Ok(frame(&shell, first.format, &lines))
}

/// E1208 for shards that do not belong together, E1209 for one given twice, E1210 for one
/// missing.
fn check_shards(parts: &[Part]) -> Result<(), Vec<Diagnostic>> {
    let first = &parts[0];
    let at = |p: &Part| Span::new(p.file, 0..0);
    let mut seen: Vec<Option<FileId>> = vec![None; first.identity.shard.count as usize];
    for p in parts {
        let (a, b) = (&first.identity, &p.identity);
        let differs = if a.sweep != b.sweep {
            Some(format!("sweep `{}`, not `{}`", b.sweep, a.sweep))
        } else if a.digest != b.digest {
            Some("a different program or options (digest)".to_string())
        } else if a.shard.count != b.shard.count {
            Some(format!("{} shards, not {}", b.shard.count, a.shard.count))
        } else if (a.points, a.per_layer, a.pareto) != (b.points, b.per_layer, b.pareto)
            || p.format != first.format
            || p.columns != first.columns
        {
            Some("other options or another format".to_string())
        } else {
            None
        };
        if let Some(why) = differs {
            return Err(vec![Diagnostic::at(
                Code::SweepShardMismatch,
                at(p),
                format!("this shard is of {why}"),
                "does not belong with the first shard",
            )
            .with_label(at(first), "the first shard")
            .with_help(
                "merge the shards of one `dfc sweep --shard I/N` run of one file",
            )]);
        }
        let slot = &mut seen[b.shard.index as usize];
        if let Some(earlier) = slot {
            return Err(vec![Diagnostic::at(
                Code::SweepDuplicateShard,
                at(p),
                format!("shard {}/{} is given twice", b.shard.index, b.shard.count),
                "again here",
            )
            .with_label(Span::new(*earlier, 0..0), "first here")]);
        }
        *slot = Some(p.file);
    }
    let missing: Vec<String> = (0..seen.len())
        .filter(|&i| seen[i].is_none())
        .map(|i| format!("{i}/{}", seen.len()))
        .collect();
    if !missing.is_empty() {
        return Err(vec![Diagnostic::at(
            Code::SweepMissingShard,
            at(first),
            format!("shards missing: {}", missing.join(", ")),
            "a shard of an incomplete set",
        )
        .with_help(
            "run the missing shards with `dfc sweep FILE --shard I/N` and merge them all",
        )]);
    }
    Ok(())
}

fn part(file: FileId, text: &str) -> Result<Part, Diagnostic> {
    let not_a_shard = |line: usize, why: &str| {
        let start = text
            .split_inclusive('\n')
            .take(line)
            .map(str::len)
            .sum::<usize>();
        let end = start + text[start..].find('\n').unwrap_or(text.len() - start);
        Diagnostic::at(
            Code::SweepNotAShard,
            Span::new(file, start..end),
            format!("not a shard of `dfc sweep --shard`: {why}"),
            "here",
        )
    };
    if let Some(rest) = text.strip_prefix(SHARD_PREFIX) {
        let mut lines = rest.lines();
        let identity = lines
            .next()
            .and_then(|l| identity(&serde_json::from_str(l).ok()?))
            .ok_or_else(|| not_a_shard(0, "its first line is not a shard's identity"))?;
        let columns: Vec<String> = lines
            .next()
            .ok_or_else(|| not_a_shard(1, "no header"))?
            .split(',')
            .map(String::from)
            .collect();
        let mut rows = Vec::new();
        for (i, line) in lines.enumerate() {
            let fields: Vec<&str> = line.split(',').collect();
            let point = fields[0]
                .parse()
                .ok()
                .filter(|_| fields.len() == columns.len());
            let point = point.ok_or_else(|| not_a_shard(i + 2, "a row with other columns"))?;
            rows.push((point, line.to_string()));
        }
        return checked(file, Format::Csv, identity, columns, rows, &not_a_shard);
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|_| not_a_shard(0, "neither a CSV shard nor JSON"))?;
    let identity = identity(&value["identity"])
        .ok_or_else(|| not_a_shard(1, "no shard identity (an unsharded result?)"))?;
    let columns: Vec<String> = value["columns"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(|c| c.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let mut rows = Vec::new();
    let mut in_rows = false;
    for (i, line) in text.lines().enumerate() {
        if line == "  \"rows\": [" {
            in_rows = true;
        } else if line == "  ]" {
            in_rows = false;
        } else if in_rows {
            let row = line.trim().trim_end_matches(',');
            let cells: Option<Vec<serde_json::Value>> = serde_json::from_str(row).ok();
            let point = cells
                .filter(|c| c.len() == columns.len())
                .and_then(|c| c.first()?.as_u64())
                .ok_or_else(|| not_a_shard(i, "a row with other columns"))?;
            rows.push((point, row.to_string()));
        }
    }
    if Some(rows.len()) != value["rows"].as_array().map(Vec::len) {
        return Err(not_a_shard(0, "its rows are not one per line"));
    }
    checked(file, Format::Json, identity, columns, rows, &not_a_shard)
}

/// A shard holds only its own points, in order.
fn checked(
    file: FileId,
    format: Format,
    identity: Identity,
    columns: Vec<String>,
    rows: Vec<(u64, String)>,
    not_a_shard: &dyn Fn(usize, &str) -> Diagnostic,
) -> Result<Part, Diagnostic> {
    let shard = identity.shard;
    let mut expected = u64::from(shard.index);
    let mut last: Option<u64> = None;
    for &(point, _) in &rows {
        if last == Some(point) && identity.per_layer {
            continue;
        }
        if point != expected {
            return Err(not_a_shard(
                0,
                &format!("point {point} is not its next point"),
            ));
        }
        last = Some(point);
        expected += u64::from(shard.count);
    }
    if last.map_or(0, |_| {
        (expected - u64::from(shard.index)) / u64::from(shard.count)
    }) != shard.len(identity.points)
    {
        return Err(not_a_shard(0, "rows are missing"));
    }
    Ok(Part {
        file,
        format,
        identity,
        columns,
        rows,
    })
}

fn identity(v: &serde_json::Value) -> Option<Identity> {
    let objective = |i: usize| Objective::parse(v["pareto"][i].as_str()?);
    let shard = v["shard"].as_array()?;
    let number = |i: usize| u32::try_from(shard.get(i)?.as_u64()?).ok();
    let (index, count) = (number(0)?, number(1)?);
    Some(Identity {
        sweep: v["sweep"].as_str()?.to_string(),
        digest: v["digest"].as_str()?.to_string(),
        points: v["points"].as_u64()?,
        per_layer: v["per_layer"].as_bool()?,
        pareto: if v["pareto"].is_null() {
            None
        } else {
            Some((objective(0)?, objective(1)?))
        },
        shard: (index < count).then_some(Shard { index, count })?,
    })
}

/// The two objectives of each row (`None` unless its status is `ok`).
fn objective_values(
    part: &Part,
    rows: &[(u64, String)],
    (a, b): (Objective, Objective),
) -> Vec<Option<(f64, f64)>> {
    let column = |name: &str| part.columns.iter().position(|c| c == name);
    let (Some(status), Some(ia), Some(ib)) =
        (column("status"), column(a.column()), column(b.column()))
    else {
        return vec![None; rows.len()];
    };
    rows.iter()
        .map(|(_, line)| {
            // Cells hold no commas (names, units, statuses), so both formats split on them;
            // numbers keep the exact text the run printed.
            let inner = match part.format {
                Format::Csv => line.as_str(),
                Format::Json => line.strip_prefix('[')?.strip_suffix(']')?,
            };
            let cells: Vec<&str> = inner
                .split(',')
                .map(|c| c.trim().trim_matches('"'))
                .collect();
            (cells[status] == "ok").then_some(())?;
            Some((cells[ia].parse().ok()?, cells[ib].parse().ok()?))
        })
        .collect()
}
