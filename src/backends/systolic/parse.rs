//! SCALE-Sim's input files: `scalesim.cfg` (§2.3) and topology CSV files (§2.4).
//!
//! Both parsers accept what SCALE-Sim 3.0.0 accepts and mean what it means. Where SCALE-Sim
//! would crash, silently drop a field, or run with half-read settings, they return a
//! [`FileError`] naming the line and the bytes at fault instead.
//!
//! Line splitting follows Python's text mode (`\n`, `\r\n` and a lone `\r` end a line) and
//! `str.strip()` (Unicode whitespace plus the ASCII separators `\x1c`–`\x1f`).

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use super::{ArrayConfig, Bandwidth, Dataflow, Layer, SramBanks};

/// A problem in an input file: 1-based line, byte range within the whole text, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub line: usize,
    pub span: Range<usize>,
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for FileError {}

/// One line of the text: number, byte range of its content (without the terminator).
struct Line<'a> {
    no: usize,
    start: usize,
    text: &'a str,
}

/// Python's universal-newline line splitting.
fn lines(text: &str) -> Vec<Line<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i, mut no) = (0usize, 0usize, 1usize);
    while i < bytes.len() {
        match bytes[i] {
            b'\n' | b'\r' => {
                out.push(Line {
                    no,
                    start,
                    text: &text[start..i],
                });
                no += 1;
                if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < bytes.len() {
        out.push(Line {
            no,
            start,
            text: &text[start..],
        });
    }
    out
}

/// Python's `str.isspace()` as used by `str.strip()`.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `s.strip()` and the byte offset of the stripped text within `s`.
fn strip(s: &str) -> (usize, &str) {
    let t = s.trim_start_matches(py_space);
    let off = s.len() - t.len();
    (off, t.trim_end_matches(py_space))
}

/// Python's `int(s)` for ASCII input: optional sign, digits, single underscores between digits.
fn py_int(s: &str) -> Option<i128> {
    let (_, s) = strip(s);
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let mut v: i128 = 0;
    for b in digits.bytes() {
        match b {
            b'0'..=b'9' => v = v.checked_mul(10)?.checked_add((b - b'0') as i128)?,
            b'_' => {}
            _ => return None,
        }
    }
    Some(if neg { -v } else { v })
}

// ------------------------------------------------------------------------------------------
// Topology files
// ------------------------------------------------------------------------------------------

/// Parses a SCALE-Sim topology file (conv form, or GEMM form `name, M, N, K,` when `gemm`).
///
/// SCALE-Sim's rules: the first line is a header; blank lines are skipped; each line's last
/// comma-separated field is dropped (so the line must end with a comma, or it loses its
/// stride); one stride serves both axes; an optional `N:M` sparsity field follows; a conv layer
/// whose name contains `DP` becomes one layer per channel, named `<name>Channel_<i>`, each with
/// one channel; a GEMM layer becomes `IFMAP M×K, filter 1×K, 1 channel, N filters, stride 1`.
pub fn parse_topology(text: &str, gemm: bool) -> Result<Vec<Layer>, FileError> {
    let mut out = Vec::new();
    for (idx, line) in lines(text).into_iter().enumerate() {
        if idx == 0 {
            continue; // header
        }
        let (off, row) = strip(line.text);
        if row.is_empty() {
            continue;
        }
        let row_start = line.start + off;
        // Fields with their byte ranges; the last one is dropped, as SCALE-Sim does.
        let mut fields: Vec<(Range<usize>, &str)> = Vec::new();
        let mut pos = 0usize;
        for part in row.split(',') {
            fields.push((row_start + pos..row_start + pos + part.len(), part));
            pos += part.len() + 1;
        }
        let dropped = fields.pop();
        let err = |span: Range<usize>, message: String| FileError {
            line: line.no,
            span,
            message,
        };
        let row_span = row_start..row_start + row.len();
        let need = if gemm { 4 } else { 8 };
        if fields.len() < need {
            let hint = match dropped {
                Some((_, last)) if !strip(last).1.is_empty() => {
                    " (SCALE-Sim drops the last comma-separated field, so a line must end with \
                     a comma)"
                }
                _ => "",
            };
            let what = if gemm {
                "name, M, N, K"
            } else {
                "name, IFMAP height, IFMAP width, filter height, filter width, channels, \
                 number of filters, stride"
            };
            return Err(err(
                row_span,
                format!(
                    "expected {need} fields ({what}) before the trailing comma, found {}{hint}",
                    fields.len()
                ),
            ));
        }
        if !gemm && fields.len() > 9 {
            return Err(err(
                fields[9].0.clone(),
                "too many fields: after the stride only an `N:M` sparsity ratio may follow"
                    .to_string(),
            ));
        }
        let num = |i: usize| -> Result<u64, FileError> {
            let (span, s) = &fields[i];
            match py_int(s) {
                Some(v) if v >= 1 && v <= u64::MAX as i128 => Ok(v as u64),
                Some(_) => Err(err(
                    span.clone(),
                    format!("`{}` must be a positive integer", strip(s).1),
                )),
                None => Err(err(
                    span.clone(),
                    format!("`{}` is not an integer", strip(s).1),
                )),
            }
        };
        let sparsity_idx = if gemm { 4 } else { 8 };
        let sparsity = match fields.get(sparsity_idx) {
            None => None,
            Some((span, s)) => {
                let parts: Vec<&str> = strip(s).1.split(':').collect();
                let parse = |p: &str| py_int(p).filter(|&v| v >= 1 && v <= u64::MAX as i128);
                match (
                    parts.first().and_then(|p| parse(p)),
                    parts.get(1).and_then(|p| parse(p)),
                ) {
                    (Some(n), Some(m)) => Some((n as u64, m as u64)),
                    _ => {
                        return Err(err(
                            span.clone(),
                            format!("`{}` is not an `N:M` sparsity ratio", strip(s).1),
                        ))
                    }
                }
            }
        };
        let name = strip(fields[0].1).1.to_string();
        if gemm {
            let (m, n, k) = (num(1)?, num(2)?, num(3)?);
            let mut layer = Layer::gemm(&name, m, n, k);
            layer.sparsity = sparsity;
            out.push(layer);
            continue;
        }
        let (h, w, fh, fw) = (num(1)?, num(2)?, num(3)?, num(4)?);
        let (ch, nf, s) = (num(5)?, num(6)?, num(7)?);
        if fh > h {
            return Err(err(
                fields[3].0.start..fields[1].0.end.max(fields[3].0.end),
                format!("filter height {fh} is larger than the IFMAP height {h}"),
            ));
        }
        if fw > w {
            return Err(err(
                fields[2].0.start..fields[4].0.end,
                format!("filter width {fw} is larger than the IFMAP width {w}"),
            ));
        }
        let mut layer = Layer::conv(&name, [h, w], [fh, fw], ch, nf, s);
        layer.sparsity = sparsity;
        if name.contains("DP") {
            // SCALE-Sim's depthwise convention: one single-channel layer per channel.
            if ch > 1 << 20 {
                return Err(err(
                    fields[5].0.clone(),
                    "too many channels for a `DP` layer".to_string(),
                ));
            }
            for i in 0..ch {
                let mut l = layer.clone();
                l.name = format!("{name}Channel_{i}");
                l.channels = 1;
                out.push(l);
            }
        } else {
            out.push(layer);
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------------------------------
// Configuration files
// ------------------------------------------------------------------------------------------

/// A value of the INI file with where it came from.
#[derive(Debug, Clone)]
struct Value {
    text: String,
    line: usize,
    span: Range<usize>,
}

#[derive(Debug, Default)]
struct Section {
    name: String,
    line: usize,
    span: Range<usize>,
    values: HashMap<String, Value>,
}

/// Python's `configparser` (defaults: `=` or `:` delimiters, `#`/`;` full-line comments,
/// indented continuation lines, case-insensitive keys, strict duplicates, `[DEFAULT]`).
/// `sections[0]` is `[DEFAULT]`.
struct Ini {
    sections: Vec<Section>,
}

fn parse_ini(text: &str) -> Result<Ini, FileError> {
    let mut ini = Ini {
        sections: vec![Section {
            name: "DEFAULT".to_string(),
            ..Section::default()
        }],
    };
    // Current section (index; None before the first header) and option (for continuations).
    let mut cur: Option<usize> = None;
    let mut opt: Option<String> = None;
    let mut indent_level = usize::MAX;
    for mut line in lines(text) {
        if line.no == 1 {
            if let Some(rest) = line.text.strip_prefix('\u{feff}') {
                // A UTF-8 byte-order mark is not part of the first line.
                line.start += line.text.len() - rest.len();
                line.text = rest;
            }
        }
        let (off, value) = strip(line.text);
        let is_comment = value.starts_with('#') || value.starts_with(';');
        if value.is_empty() || is_comment {
            // An empty line inside a multi-line value is kept (joined later); a comment is not.
            if !is_comment {
                if let (Some(s), Some(o)) = (cur, &opt) {
                    if let Some(v) = ini.sections[s].values.get_mut(o) {
                        v.text.push('\n');
                    }
                }
            }
            continue;
        }
        let span = line.start + off..line.start + off + value.len();
        let indent = line.text.len() - line.text.trim_start_matches(py_space).len();
        let ferr = |m: String| FileError {
            line: line.no,
            span: span.clone(),
            message: m,
        };
        if let (Some(s), Some(o)) = (cur, &opt) {
            if indent > indent_level {
                // Continuation of the previous option's value.
                if let Some(v) = ini.sections[s].values.get_mut(o) {
                    v.text.push('\n');
                    v.text.push_str(value);
                    v.span.end = span.end;
                }
                continue;
            }
        }
        indent_level = indent;
        if value.starts_with('[') {
            if let Some(close) = value.rfind(']').filter(|&i| i > 1) {
                let name = value[1..close].to_string();
                let idx = if name == "DEFAULT" {
                    0
                } else if ini.sections.iter().any(|x| x.name == name) {
                    return Err(ferr(format!("section [{name}] appears twice")));
                } else {
                    ini.sections.push(Section {
                        name: name.clone(),
                        line: line.no,
                        span: span.clone(),
                        values: HashMap::new(),
                    });
                    ini.sections.len() - 1
                };
                cur = Some(idx);
                opt = None;
                continue;
            }
        }
        let Some(s) = cur else {
            return Err(ferr(
                "the file must start with a section header such as [general]".to_string(),
            ));
        };
        // `key = value` or `key : value`, split at the first delimiter.
        let Some(d) = value.find(['=', ':']) else {
            return Err(ferr(format!(
                "`{value}` is neither a section header nor `key = value`"
            )));
        };
        let key = strip(&value[..d]).1.to_lowercase();
        if key.is_empty() {
            return Err(ferr("a key is missing before the `=`/`:`".to_string()));
        }
        let (voff, val) = strip(&value[d + 1..]);
        let vstart = span.start + d + 1 + voff;
        let sec = &mut ini.sections[s];
        if sec.values.contains_key(&key) {
            return Err(ferr(format!(
                "key `{key}` appears twice in section [{}]",
                sec.name
            )));
        }
        sec.values.insert(
            key.clone(),
            Value {
                text: val.to_string(),
                line: line.no,
                span: vstart..vstart + val.len(),
            },
        );
        opt = Some(key);
    }
    // configparser strips the joined value (trailing blank lines of a multi-line value).
    for sec in &mut ini.sections {
        for v in sec.values.values_mut() {
            let t = v.text.trim_end_matches(py_space).to_string();
            v.text = t;
        }
    }
    Ok(ini)
}

impl Ini {
    fn section(&self, name: &str) -> Result<&Section, FileError> {
        self.sections
            .iter()
            .skip(1)
            .find(|s| s.name == name)
            .ok_or_else(|| FileError {
                line: 1,
                span: 0..0,
                message: format!("missing section [{name}]"),
            })
    }

    /// `config.get(section, key)` with `%` interpolation (`%%`, `%(name)s`).
    fn get(&self, section: &str, key: &str) -> Result<Value, FileError> {
        let sec = self.section(section)?;
        let key_l = key.to_lowercase();
        let v = sec
            .values
            .get(&key_l)
            .or_else(|| self.sections[0].values.get(&key_l))
            .ok_or_else(|| FileError {
                line: sec.line,
                span: sec.span.clone(),
                message: format!("missing key `{key}` in section [{section}]"),
            })?;
        let text = self.interpolate(sec, &v.text, v, 0)?;
        Ok(Value { text, ..v.clone() })
    }

    fn interpolate(
        &self,
        sec: &Section,
        s: &str,
        at: &Value,
        depth: usize,
    ) -> Result<String, FileError> {
        if !s.contains('%') {
            return Ok(s.to_string());
        }
        let err = |m: String| FileError {
            line: at.line,
            span: at.span.clone(),
            message: m,
        };
        if depth > 10 {
            return Err(err("`%(name)s` references nest too deeply".to_string()));
        }
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('%') {
            out.push_str(&rest[..i]);
            rest = &rest[i..];
            if let Some(r) = rest.strip_prefix("%%") {
                out.push('%');
                rest = r;
            } else if let Some(r) = rest.strip_prefix("%(") {
                let Some(close) = r.find(")s") else {
                    return Err(err(
                        "a `%` must be written `%%` or start `%(name)s`".to_string()
                    ));
                };
                let name = r[..close].to_lowercase();
                let v = sec
                    .values
                    .get(&name)
                    .or_else(|| self.sections[0].values.get(&name))
                    .ok_or_else(|| err(format!("`%({name})s` refers to a missing key")))?;
                out.push_str(&self.interpolate(sec, &v.text, at, depth + 1)?);
                rest = &r[close + 2..];
            } else {
                return Err(err(
                    "a `%` must be written `%%` or start `%(name)s`".to_string()
                ));
            }
        }
        out.push_str(rest);
        Ok(out)
    }

    fn int(&self, section: &str, key: &str, min: i128) -> Result<i128, FileError> {
        let v = self.get(section, key)?;
        let bad = |m: String| FileError {
            line: v.line,
            span: v.span.clone(),
            message: m,
        };
        let x =
            py_int(&v.text).ok_or_else(|| bad(format!("{key} `{}` is not an integer", v.text)))?;
        if x < min || x > u64::MAX as i128 {
            return Err(bad(format!("{key} must be at least {min}, found {x}")));
        }
        Ok(x)
    }

    fn uint(&self, section: &str, key: &str, min: u64) -> Result<u64, FileError> {
        Ok(self.int(section, key, min as i128)? as u64)
    }

    /// `config.getboolean`.
    fn boolean(&self, section: &str, key: &str) -> Result<(bool, Value), FileError> {
        let v = self.get(section, key)?;
        match v.text.to_lowercase().as_str() {
            "1" | "yes" | "true" | "on" => Ok((true, v)),
            "0" | "no" | "false" | "off" => Ok((false, v)),
            _ => Err(FileError {
                line: v.line,
                span: v.span.clone(),
                message: format!("{key} `{}` is not a boolean", v.text),
            }),
        }
    }
}

/// Parses a SCALE-Sim `scalesim.cfg` (§2.3). Keys are read as SCALE-Sim reads them, in its
/// order; `[network_presets]` and the sparsity details are ignored, as they have no effect.
/// Settings dfc does not simulate (sparsity, Ramulator traces, custom layouts) are errors.
pub fn parse_config(text: &str) -> Result<ArrayConfig, FileError> {
    let ini = parse_ini(text)?;
    let run_name = ini.get("general", "run_name")?.text;
    let mode = ini.get("run_presets", "InterfaceBandwidth")?;
    let user = match mode.text.as_str() {
        "USER" => true,
        "CALC" => false,
        other => {
            return Err(FileError {
                line: mode.line,
                span: mode.span,
                message: format!("InterfaceBandwidth must be USER or CALC, found `{other}`"),
            })
        }
    };
    let ram = ini.get("run_presets", "UseRamulatorTrace")?;
    if ram.text == "True" {
        return Err(FileError {
            line: ram.line,
            span: ram.span,
            message: "UseRamulatorTrace = True (Ramulator DRAM latencies) is not supported"
                .to_string(),
        });
    }
    let a = "architecture_presets";
    let rows = ini.uint(a, "ArrayHeight", 1)?;
    let cols = ini.uint(a, "ArrayWidth", 1)?;
    let ifmap_kb = ini.uint(a, "IfmapSramSzkB", 1)?;
    let filter_kb = ini.uint(a, "FilterSramSzkB", 1)?;
    let ofmap_kb = ini.uint(a, "OfmapSramSzkB", 1)?;
    let ifmap_offset = ini.uint(a, "IfmapOffset", 0)?;
    let filter_offset = ini.uint(a, "FilterOffset", 0)?;
    let ofmap_offset = ini.uint(a, "OfmapOffset", 0)?;
    let df = ini.get(a, "Dataflow")?;
    let dataflow = match df.text.as_str() {
        "os" => Dataflow::Os,
        "ws" => Dataflow::Ws,
        "is" => Dataflow::Is,
        other => {
            return Err(FileError {
                line: df.line,
                span: df.span,
                message: format!("Dataflow must be os, ws or is, found `{other}`"),
            })
        }
    };
    let read_request_buffer = ini.uint(a, "ReadRequestBuffer", 0)?;
    let write_request_buffer = ini.uint(a, "WriteRequestBuffer", 0)?;
    let l = "layout";
    for key in ["IfmapCustomLayout", "FilterCustomLayout"] {
        let (on, v) = ini.boolean(l, key)?;
        if on {
            return Err(FileError {
                line: v.line,
                span: v.span,
                message: format!("{key} = True (custom on-chip layouts) is not supported"),
            });
        }
    }
    let banks = |p: &str| -> Result<SramBanks, FileError> {
        Ok(SramBanks {
            bandwidth: ini.uint(l, &format!("{p}SRAMBankBandwidth"), 0)?,
            num: ini.uint(l, &format!("{p}SRAMBankNum"), 0)?,
            ports: ini.uint(l, &format!("{p}SRAMBankPort"), 0)?,
        })
    };
    let ifmap_banks = banks("Ifmap")?;
    let filter_banks = banks("Filter")?;
    let mut bandwidth_list = Vec::new();
    let mut bandwidth = Bandwidth::Calc;
    if user {
        let v = ini.get(a, "Bandwidth")?;
        let mut pos = 0usize;
        let (voff, body) = strip(&v.text);
        for part in body.split(',') {
            let start = v.span.start + voff + pos;
            pos += part.len() + 1;
            match py_int(part) {
                Some(x) if x >= 1 && x <= u64::MAX as i128 => bandwidth_list.push(x as u64),
                _ => {
                    return Err(FileError {
                        line: v.line,
                        span: start..start + part.len(),
                        message: format!(
                            "Bandwidth entry `{}` is not a positive integer",
                            strip(part).1
                        ),
                    })
                }
            }
        }
        // SCALE-Sim's USER mode: IFMAP/FILTER DRAM bandwidth from the bank bandwidths, OFMAP
        // from Bandwidth[0] (Q7). The bank bandwidth must split evenly over the banks.
        for (p, b) in [("Ifmap", ifmap_banks), ("Filter", filter_banks)] {
            let v = ini.get(l, &format!("{p}SRAMBankBandwidth"))?;
            if b.num == 0 || b.bandwidth % b.num != 0 || b.bandwidth == 0 {
                return Err(FileError {
                    line: v.line,
                    span: v.span,
                    message: format!(
                        "{p}SRAMBankBandwidth ({}) must be a positive multiple of {p}SRAMBankNum ({})",
                        b.bandwidth, b.num
                    ),
                });
            }
        }
        bandwidth = Bandwidth::User {
            ifmap: ifmap_banks.bandwidth,
            filter: filter_banks.bandwidth,
            ofmap: bandwidth_list[0],
        };
    }
    let sp = ini.get("sparsity", "SparsitySupport")?;
    if sp.text.to_lowercase() == "true" {
        return Err(FileError {
            line: sp.line,
            span: sp.span,
            message: "SparsitySupport = true is not supported".to_string(),
        });
    }
    Ok(ArrayConfig {
        run_name,
        rows,
        cols,
        dataflow,
        ifmap_sram_kb: ifmap_kb,
        filter_sram_kb: filter_kb,
        ofmap_sram_kb: ofmap_kb,
        word_bytes: 1,
        ifmap_offset,
        filter_offset,
        ofmap_offset,
        bandwidth,
        bandwidth_list,
        calc_fill_bandwidth: 10,
        read_request_buffer,
        write_request_buffer,
        ifmap_banks,
        filter_banks,
    })
}
