//! Renderers for [`Diagnostic`]s: `human` (ariadne, with source excerpts), `short`
//! (`path:line:col: error[E0101]: message`, one line each, for editors' error formats) and
//! `json` (one array of stable objects). They only build strings; the CLI prints them.

use ariadne::{Cache, Config, FnCache, IndexType, Report, ReportKind};

use super::{Diagnostic, Severity};
use crate::source::{FileId, SourceMap, Span};

/// Version of the JSON shape; bump when a field changes meaning.
pub const JSON_VERSION: u32 = 1;

/// ariadne report for each diagnostic, concatenated. `color` adds ANSI colours.
pub fn human(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let mut out = Vec::new();
    let excerpts = Excerpts::new(diagnostics, sources);
    // One line index per file for all reports: building it is linear in the file, so doing it
    // per diagnostic made many warnings on a large file quadratic.
    let mut files = FnCache::new(|name: &String| {
        sources
            .find(name)
            .map(|id| excerpts.text(id, sources))
            .ok_or_else(|| format!("no source named `{name}`"))
    });
    for d in diagnostics {
        if render_one_human(d, sources, &excerpts, color, &mut files, &mut out).is_err() {
            // ariadne failed (a span outside its file): never lose the message.
            out.extend_from_slice(short_line(d, sources, Columns::Chars).as_bytes());
            out.push(b'\n');
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What ariadne is given of each file: the lines some label covers, as they are, and every
/// other line emptied (its newline kept). ariadne prints only labelled lines (and the first
/// line inside a multi-line label, which is covered), so the reports are the same as with the
/// whole text, with the same line numbers; but its line index, which counts every character,
/// is built over a few lines instead of the whole file (7 % of a bulk `dfc eval` with a
/// dozen warnings on a 2,000-layer file). Spans move with their lines (`Excerpts::span`).
struct Excerpts {
    /// Per file that a label points into: the text and where each of its lines starts.
    files: Vec<Option<(String, Vec<usize>)>>,
}

impl Excerpts {
    fn new(diagnostics: &[Diagnostic], sources: &SourceMap) -> Excerpts {
        let mut keep: Vec<Option<Vec<bool>>> = sources.files().map(|_| None).collect();
        for label in diagnostics.iter().flat_map(|d| &d.labels) {
            let file = sources.file(label.span.file);
            let range = clamp(sources, label.span);
            let lines = keep[label.span.file.0 as usize]
                .get_or_insert_with(|| vec![false; file.line_starts().len()]);
            // An offset at the start of a line may count as the end of the previous one in
            // ariadne (the end of a file after its last newline): keep that line too.
            let first = file.line_index(range.start);
            let first = if file.line_starts()[first] == range.start {
                first.saturating_sub(1)
            } else {
                first
            };
            for line in &mut lines[first..=file.line_index(range.end)] {
                *line = true;
            }
        }
        let files = keep
            .into_iter()
            .zip(sources.files())
            .map(|(keep, (_, file))| {
                let keep = keep?;
                let starts = file.line_starts();
                let mut text = String::new();
                let mut new_starts = Vec::with_capacity(starts.len());
                for (i, &start) in starts.iter().enumerate() {
                    new_starts.push(text.len());
                    let end = starts.get(i + 1).copied().unwrap_or(file.text.len());
                    if keep[i] {
                        text.push_str(&file.text[start..end]);
                    } else if end > start {
                        // Every line but the last ends in a newline.
                        text.push('\n');
                    }
                }
                Some((text, new_starts))
            })
            .collect();
        Excerpts { files }
    }

    fn text<'s>(&'s self, id: FileId, sources: &'s SourceMap) -> &'s str {
        match &self.files[id.0 as usize] {
            Some((text, _)) => text,
            None => &sources.file(id).text,
        }
    }

    /// A span's byte range in the excerpt text of its file.
    fn span(&self, sources: &SourceMap, span: Span) -> std::ops::Range<usize> {
        let range = clamp(sources, span);
        let Some((_, new_starts)) = &self.files[span.file.0 as usize] else {
            return range;
        };
        let file = sources.file(span.file);
        let at = |offset: usize| {
            let line = file.line_index(offset);
            new_starts[line] + (offset - file.line_starts()[line])
        };
        at(range.start)..at(range.end)
    }
}

/// A span's byte range, within its file.
fn clamp(sources: &SourceMap, s: Span) -> std::ops::Range<usize> {
    let len = sources.file(s.file).text.len();
    let start = (s.start as usize).min(len);
    let end = (s.end as usize).clamp(start, len);
    start..end
}

fn render_one_human(
    d: &Diagnostic,
    sources: &SourceMap,
    excerpts: &Excerpts,
    color: bool,
    files: &mut impl Cache<String>,
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    let kind = match d.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
    };
    let config = Config::default()
        .with_color(color)
        .with_index_type(IndexType::Byte);
    let title = format!("{} [{}]", d.message, d.code.name());
    let Some(primary) = d.primary_span() else {
        // No location: a plain headline with notes and help, still carrying the code.
        let sev = severity_word(d.severity);
        out.extend_from_slice(format!("{sev}[{}]: {title}\n", d.code.as_str()).as_bytes());
        for n in &d.notes {
            out.extend_from_slice(format!("  = note: {n}\n").as_bytes());
        }
        if let Some(h) = &d.help {
            out.extend_from_slice(format!("  = help: {h}\n").as_bytes());
        }
        return Ok(());
    };
    let id = |s: Span| sources.file(s.file).name.clone();
    let mut report = Report::build(kind, (id(primary), excerpts.span(sources, primary)))
        .with_config(config)
        .with_code(d.code.as_str())
        .with_message(title);
    for label in &d.labels {
        report = report.with_label(
            ariadne::Label::new((id(label.span), excerpts.span(sources, label.span)))
                .with_message(&label.message),
        );
    }
    for n in &d.notes {
        report = report.with_note(n);
    }
    if let Some(h) = &d.help {
        report = report.with_help(h);
    }
    report.finish().write(files, &mut *out)
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// What the column of a short line counts. Characters suit most editors; Vim's `%c` in an
/// `errorformat` counts bytes, so after non-ASCII text it needs `Bytes` (or `%v`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Columns {
    #[default]
    Chars,
    Bytes,
}

/// One `path:line:col: error[E0101]: message` line per diagnostic, columns in characters.
pub fn short(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    short_in(diagnostics, sources, Columns::Chars)
}

/// [`short`] with the column counted as `columns` says.
pub fn short_in(diagnostics: &[Diagnostic], sources: &SourceMap, columns: Columns) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&short_line(d, sources, columns));
        out.push('\n');
    }
    out
}

fn short_line(d: &Diagnostic, sources: &SourceMap, columns: Columns) -> String {
    let sev = severity_word(d.severity);
    let mut line = match d.primary_span() {
        Some(span) => {
            let file = sources.file(span.file);
            let lc = file.line_col(span.start as usize);
            let column = match columns {
                Columns::Chars => lc.column,
                Columns::Bytes => lc.offset - file.line_starts()[lc.line - 1] + 1,
            };
            format!("{}:{}:{}: ", file.name, lc.line, column)
        }
        None => "dfc: ".to_string(),
    };
    line.push_str(&format!("{sev}[{}]: {}", d.code.as_str(), d.message));
    if let Some(h) = &d.help {
        line.push_str(&format!(" (help: {h})"));
    }
    line
}

#[derive(serde::Serialize)]
struct JsonPosition {
    line: usize,
    column: usize,
    offset: usize,
}

#[derive(serde::Serialize)]
struct JsonLabel {
    file: String,
    start: JsonPosition,
    end: JsonPosition,
    message: String,
}

#[derive(serde::Serialize)]
struct JsonDiagnostic {
    version: u32,
    code: &'static str,
    name: &'static str,
    severity: Severity,
    message: String,
    file: Option<String>,
    start: Option<JsonPosition>,
    end: Option<JsonPosition>,
    labels: Vec<JsonLabel>,
    notes: Vec<String>,
    help: Option<String>,
}

fn position(sources: &SourceMap, span: Span, at_end: bool) -> JsonPosition {
    let offset = if at_end { span.end } else { span.start } as usize;
    let lc = sources.file(span.file).line_col(offset);
    JsonPosition {
        line: lc.line,
        column: lc.column,
        offset: lc.offset,
    }
}

/// All diagnostics as one pretty-printed JSON array.
pub fn json(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let items: Vec<JsonDiagnostic> = diagnostics
        .iter()
        .map(|d| {
            let primary = d.primary_span();
            JsonDiagnostic {
                version: JSON_VERSION,
                code: d.code.as_str(),
                name: d.code.name(),
                severity: d.severity,
                message: d.message.clone(),
                file: primary.map(|s| sources.file(s.file).name.clone()),
                start: primary.map(|s| position(sources, s, false)),
                end: primary.map(|s| position(sources, s, true)),
                labels: d
                    .labels
                    .iter()
                    .map(|l| JsonLabel {
                        file: sources.file(l.span.file).name.clone(),
                        start: position(sources, l.span, false),
                        end: position(sources, l.span, true),
                        message: l.message.clone(),
                    })
                    .collect(),
                notes: d.notes.clone(),
                help: d.help.clone(),
            }
        })
        .collect();
    // Serialising plain structs of strings and integers cannot fail.
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;

    /// The line index shared across reports must not change what each one shows.
    #[test]
    fn many_reports_render_as_each_alone() {
        let mut sources = SourceMap::new();
        let a = sources.add("a.m", "Layer x {\n  K: 4\n}\nLayer y {\n  K: 0\n}\n");
        let b = sources.add("hw.m", "NumPEs: 2\n");
        let diagnostics = vec![
            Diagnostic::at(Code::MaestroSyntax, Span::new(a, 0..5), "first", "here"),
            Diagnostic::at(Code::MaestroSyntax, Span::new(a, 34..35), "second", "zero")
                .with_label(Span::new(b, 0..6), "PEs"),
            Diagnostic::at(Code::MaestroSyntax, Span::new(b, 8..9), "third", "two"),
        ];
        let together = human(&diagnostics, &sources, false);
        let alone: String = diagnostics
            .iter()
            .map(|d| human(std::slice::from_ref(d), &sources, false))
            .collect();
        assert_eq!(together, alone);
        assert_eq!(together.matches("[E").count(), 3);
        assert!(together.contains("a.m:5:"), "{together}");
        assert!(together.contains("hw.m:1:"), "{together}");
    }

    /// Reports over the excerpts equal ariadne's over the whole text: labels far apart, a
    /// multi-line label, a label ending at a line's end, an empty span at the end of the file.
    #[test]
    fn excerpts_render_as_the_whole_text() {
        let text: String = (0..40).map(|i| format!("line {i} µ text\n")).collect();
        let mut sources = SourceMap::new();
        let a = sources.add("a.m", text.clone());
        let line = |i: usize| text.match_indices('\n').nth(i).map_or(0, |(o, _)| o + 1);
        let diagnostics = vec![
            Diagnostic::at(Code::MaestroSyntax, Span::new(a, 0..4), "first", "here")
                .with_label(Span::new(a, line(30)..line(30) + 4), "far"),
            Diagnostic::at(
                Code::MaestroSyntax,
                Span::new(a, line(5) + 2..line(9)),
                "multi",
                "m",
            ),
            Diagnostic::at(
                Code::MaestroSyntax,
                Span::new(a, line(12)..line(13)),
                "eol",
                "e",
            ),
            Diagnostic::at(
                Code::MaestroSyntax,
                Span::new(a, text.len()..text.len()),
                "end",
                "e",
            ),
        ];
        let mut whole = FnCache::new(|_: &String| Ok::<&str, String>(&text));
        let mut expected = Vec::new();
        let no_excerpts = Excerpts { files: vec![None] };
        for d in &diagnostics {
            render_one_human(d, &sources, &no_excerpts, false, &mut whole, &mut expected).unwrap();
        }
        let rendered = human(&diagnostics, &sources, false);
        assert_eq!(rendered, String::from_utf8(expected).unwrap());
        assert!(rendered.contains("32 │ line 31 µ text"), "{rendered}");
    }

    /// After `é` (two bytes) the character column is one less than the byte column.
    #[test]
    fn short_columns_in_characters_or_bytes() {
        let mut sources = SourceMap::new();
        let a = sources.add("a.df", "// é\nx é y\n");
        let d = Diagnostic::at(Code::InvalidToken, Span::new(a, 11..12), "bad", "here");
        let chars = short_in(std::slice::from_ref(&d), &sources, Columns::Chars);
        let bytes = short_in(std::slice::from_ref(&d), &sources, Columns::Bytes);
        assert_eq!(chars, "a.df:2:5: error[E0001]: bad\n");
        assert_eq!(bytes, "a.df:2:6: error[E0001]: bad\n");
    }
}
