//! Python's `configparser`, as far as `scalesim.cfg` needs it: sections, `key = value` and
//! `key : value`, comments, continuation lines, case-insensitive keys, strict duplicates,
//! `[DEFAULT]` and `%` interpolation. Every value remembers its line and bytes so errors can
//! point at them.

use std::collections::HashMap;
use std::ops::Range;

use super::text::{lines, py_int, py_space, strip, FileError};

/// A value of the INI file with where it came from.
#[derive(Debug, Clone)]
pub(super) struct Value {
    pub(super) text: String,
    pub(super) line: usize,
    pub(super) span: Range<usize>,
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
pub(super) struct Ini {
    sections: Vec<Section>,
}

pub(super) fn parse_ini(text: &str) -> Result<Ini, FileError> {
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
    pub(super) fn get(&self, section: &str, key: &str) -> Result<Value, FileError> {
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

    pub(super) fn int(&self, section: &str, key: &str, min: i128) -> Result<i128, FileError> {
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

    pub(super) fn uint(&self, section: &str, key: &str, min: u64) -> Result<u64, FileError> {
        Ok(self.int(section, key, min as i128)? as u64)
    }

    /// `config.getboolean`.
    pub(super) fn boolean(&self, section: &str, key: &str) -> Result<(bool, Value), FileError> {
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
