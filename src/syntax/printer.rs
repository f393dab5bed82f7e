//! The canonical printer: AST to `.df` text. `dfc fmt` and every generator print through it,
//! so there is one spelling of each construct. Comments are kept: a comment on its own line
//! stays before the statement that follows it, a comment at the end of a line stays there.
//! Printing is idempotent, and the printed text parses back to the same AST (spans aside).

use crate::syntax::ast::*;

const INDENT: &str = "    ";

/// Print a file. `source` is the text the AST was parsed from (for comment placement); pass
/// `""` for an AST built in memory.
pub fn print(file: &File, source: &str) -> String {
    let mut p = Printer {
        out: String::new(),
        source,
        comments: &file.comments,
        next_comment: 0,
        depth: 0,
        last_end: 0,
    };
    for (i, item) in file.items.iter().enumerate() {
        // Items are separated by a blank line, except consecutive `use`s, which keep the
        // author's grouping.
        let uses =
            i > 0 && matches!(item, Item::Use(_)) && matches!(file.items[i - 1], Item::Use(_));
        let blank = i > 0 && !uses;
        if blank {
            p.out.push('\n');
        }
        let start = item.span().start as usize;
        p.leading(start, blank);
        p.blank_line_if_author_left_one(start);
        p.item(item);
    }
    p.leading(usize::MAX, false);
    p.out
}

struct Printer<'a> {
    out: String,
    source: &'a str,
    comments: &'a [Comment],
    next_comment: usize,
    depth: usize,
    /// End of the last statement printed, to keep a blank line the author left.
    last_end: usize,
}

impl Printer<'_> {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str(INDENT);
        }
    }

    /// Own-line comments before `pos`, each on its own line at the current depth. With
    /// `after_blank`, a blank line already separates this from what came before.
    fn leading(&mut self, pos: usize, after_blank: bool) {
        let mut first = true;
        while let Some(c) = self.comments.get(self.next_comment) {
            if c.span.start as usize >= pos {
                break;
            }
            if !first || !after_blank {
                self.blank_line_if_author_left_one(c.span.start as usize);
            }
            first = false;
            self.indent();
            self.out.push_str(&c.text);
            self.out.push('\n');
            self.last_end = c.span.end as usize;
            self.next_comment += 1;
        }
    }

    fn blank_line_if_author_left_one(&mut self, pos: usize) {
        if self.last_end == 0 || self.out.ends_with("{\n") || self.out.ends_with("\n\n") {
            return;
        }
        let between = self.source.get(self.last_end..pos).unwrap_or("");
        if between.matches('\n').count() >= 2 {
            self.out.push('\n');
        }
    }

    /// A comment that starts on the line where `end` is.
    fn trailing(&mut self, end: usize) {
        if let Some(c) = self.comments.get(self.next_comment) {
            let start = c.span.start as usize;
            if start >= end && !self.source.get(end..start).unwrap_or("\n").contains('\n') {
                self.out.push(' ');
                self.out.push_str(&c.text);
                self.next_comment += 1;
            }
        }
    }

    /// One statement line: leading comments, the text, a trailing comment.
    fn line(&mut self, start: usize, end: usize, text: &str) {
        self.leading(start, false);
        self.blank_line_if_author_left_one(start);
        self.indent();
        self.out.push_str(text);
        self.trailing(end);
        self.out.push('\n');
        self.last_end = end;
    }

    /// `head {`, the body, then the comments left inside and `}`.
    fn block(&mut self, head: &str, header_end: usize, end: usize, body: impl FnOnce(&mut Self)) {
        self.out.push_str(head);
        self.out.push_str(" {");
        self.trailing(header_end);
        self.out.push('\n');
        self.last_end = header_end;
        self.depth += 1;
        body(self);
        self.leading(end.saturating_sub(1), false);
        self.depth -= 1;
        self.indent();
        self.out.push('}');
        self.last_end = end;
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Use(u) => {
                self.out.push_str(&use_text(u));
                self.trailing(u.span.end as usize);
                self.out.push('\n');
                self.last_end = u.span.end as usize;
                return;
            }
            Item::Network(n) => {
                let head = format!("network {}", n.name.name);
                self.block(&head, n.name.span.end as usize, n.span.end as usize, |p| {
                    for l in &n.layers {
                        let after = if l.after.is_empty() {
                            String::new()
                        } else {
                            let names: Vec<&str> =
                                l.after.iter().map(|a| a.name.as_str()).collect();
                            format!(" after {}", names.join(", "))
                        };
                        let text =
                            format!("{} = {}({}){after};", l.name.name, l.op.name, args(&l.args));
                        p.line(l.span.start as usize, l.span.end as usize, &text);
                    }
                });
            }
            Item::Hardware(h) => {
                let head = format!("hardware {}", h.name.name);
                self.block(&head, h.name.span.end as usize, h.span.end as usize, |p| {
                    p.fields(&h.fields)
                });
            }
            Item::Dataflow(d) => {
                let mut head = format!("dataflow {}", d.name.name);
                let mut header_end = d.name.span.end as usize;
                if !d.params.is_empty() {
                    let params: Vec<String> = d.params.iter().map(param).collect();
                    head.push_str(&format!("({})", params.join(", ")));
                    header_end = d.params.last().map_or(header_end, |p| p.span.end as usize);
                }
                self.block(&head, header_end, d.span.end as usize, |p| {
                    for dir in &d.directives {
                        let s = dir.span();
                        p.line(s.start as usize, s.end as usize, &directive(dir));
                    }
                });
            }
            Item::Mapping(m) => {
                let head = format!("mapping {}", m.name.name);
                self.block(&head, m.name.span.end as usize, m.span.end as usize, |p| {
                    for e in &m.entries {
                        p.mapping_entry(e);
                    }
                });
            }
            Item::Accelerator(a) => {
                let head = format!("accelerator {}", a.name.name);
                self.block(&head, a.name.span.end as usize, a.span.end as usize, |p| {
                    for e in &a.entries {
                        match e {
                            AcceleratorEntry::Sub {
                                name,
                                hardware,
                                dataflow,
                                span,
                            } => {
                                let text = format!(
                                    "{}: {} with {};",
                                    name.name,
                                    hardware.name,
                                    choice(dataflow)
                                );
                                p.line(span.start as usize, span.end as usize, &text);
                            }
                            AcceleratorEntry::Field(f) => p.fields(std::slice::from_ref(f)),
                        }
                    }
                });
            }
            Item::Workload(w) => {
                let head = format!("workload {}", w.name.name);
                self.block(&head, w.name.span.end as usize, w.span.end as usize, |p| {
                    for e in &w.entries {
                        let text = match &e.rate {
                            Some(q) => format!("{}: {};", e.network.name, quantity(q)),
                            None => format!("{};", e.network.name),
                        };
                        p.line(e.span.start as usize, e.span.end as usize, &text);
                    }
                });
            }
            Item::Sweep(sw) => {
                let head = format!("sweep {}", sw.name.name);
                self.block(
                    &head,
                    sw.name.span.end as usize,
                    sw.span.end as usize,
                    |p| p.sweep_entries(&sw.entries),
                );
            }
            Item::Test(t) => {
                let head = format!("test {}", t.name.name);
                self.block(&head, t.name.span.end as usize, t.span.end as usize, |p| {
                    for st in &t.statements {
                        let span = st.span();
                        p.line(span.start as usize, span.end as usize, &test_statement(st));
                    }
                });
            }
        }
        self.trailing(item.span().end as usize);
        self.out.push('\n');
        self.last_end = item.span().end as usize;
    }

    fn fields(&mut self, fields: &[Field]) {
        for f in fields {
            match &f.value {
                FieldValue::Value(v) => {
                    let text = format!("{}: {};", f.key.name, value(v));
                    self.line(f.span.start as usize, f.span.end as usize, &text);
                }
                FieldValue::Block(inner) => {
                    self.leading(f.span.start as usize, false);
                    self.blank_line_if_author_left_one(f.span.start as usize);
                    self.indent();
                    let end = f.span.end as usize;
                    self.block(&f.key.name, f.key.span.end as usize, end, |p| {
                        p.fields(inner)
                    });
                    self.trailing(end);
                    self.out.push('\n');
                }
            }
        }
    }

    fn sweep_entries(&mut self, entries: &[SweepEntry]) {
        for e in entries {
            match &e.value {
                SweepValue::List(values) => {
                    let values: Vec<String> = values.iter().map(value).collect();
                    let text = format!("{}: {};", e.key.name, values.join(", "));
                    self.line(e.span.start as usize, e.span.end as usize, &text);
                }
                SweepValue::Block(inner) => {
                    self.leading(e.span.start as usize, false);
                    self.blank_line_if_author_left_one(e.span.start as usize);
                    self.indent();
                    let end = e.span.end as usize;
                    self.block(&e.key.name, e.key.span.end as usize, end, |p| {
                        p.sweep_entries(inner)
                    });
                    self.trailing(end);
                    self.out.push('\n');
                }
            }
        }
    }

    fn mapping_entry(&mut self, e: &MappingEntry) {
        let span = e.span();
        let text = match e {
            MappingEntry::Network { name, .. } => format!("network: {};", name.name),
            MappingEntry::Hardware { name, .. } => format!("hardware: {};", name.name),
            MappingEntry::Dataflow { choice: c, .. } => format!("dataflow: {};", choice(c)),
            MappingEntry::Layer {
                layer, choice: c, ..
            } => format!("{}: {};", layer.name, choice(c)),
            MappingEntry::Block { key, entries, .. } => {
                self.leading(span.start as usize, false);
                self.blank_line_if_author_left_one(span.start as usize);
                self.indent();
                self.block(&key.name, key.span.end as usize, span.end as usize, |p| {
                    for pe in entries {
                        let target = pe.layer.as_ref().map_or("*", |l| l.name.as_str());
                        let parts: Vec<String> = pe
                            .parts
                            .iter()
                            .map(|part| {
                                let words: Vec<String> =
                                    part.words.iter().map(Word::text).collect();
                                words.join(" ")
                            })
                            .collect();
                        let text = format!("{target}: {};", parts.join(" / "));
                        p.line(pe.span.start as usize, pe.span.end as usize, &text);
                    }
                });
                self.trailing(span.end as usize);
                self.out.push('\n');
                return;
            }
        };
        self.line(span.start as usize, span.end as usize, &text);
    }
}

fn test_statement(st: &TestStatement) -> String {
    match st {
        TestStatement::Setting { key, value, .. } => format!("{}: {};", key.name, value.name),
        TestStatement::Expect(e) => {
            let target = match &e.layer {
                Some(l) => format!("{}.{}", l.name, e.metric.name),
                None => e.metric.name.clone(),
            };
            let op = match &e.op {
                ExpectOp::Cmp(c) => c.as_str().to_string(),
                ExpectOp::Within(n) => format!("within {} % of", n.text),
            };
            format!("expect {target} {op} {};", quantity(&e.value))
        }
        TestStatement::Snapshot { what, metrics, .. } if metrics.is_empty() => {
            format!("snapshot {};", what.name)
        }
        TestStatement::Snapshot { what, metrics, .. } => {
            let names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
            format!("snapshot {}({});", what.name, names.join(", "))
        }
    }
}

fn use_text(u: &Use) -> String {
    let source = match &u.source {
        UseSource::Std(path) => {
            let mut s = String::from("std");
            for seg in path {
                s.push_str("::");
                s.push_str(&seg.name);
            }
            s
        }
        // Strings have no escapes: the path is printed exactly as it was written.
        UseSource::File { path, .. } => format!("\"{path}\""),
    };
    let names: Vec<&str> = u.names.iter().map(|n| n.name.as_str()).collect();
    if u.braced {
        format!("use {source}::{{{}}};", names.join(", "))
    } else {
        format!("use {source}::{};", names.join(", "))
    }
}

fn args(args: &[Arg]) -> String {
    let parts: Vec<String> = args
        .iter()
        .map(|a| format!("{}: {}", a.key.name, expr(&a.value)))
        .collect();
    parts.join(", ")
}

fn param(p: &Param) -> String {
    match &p.default {
        Some(d) => format!("{}: {} = {}", p.name.name, p.ty.name, expr(d)),
        None => format!("{}: {}", p.name.name, p.ty.name),
    }
}

fn directive(d: &Directive) -> String {
    match d {
        Directive::Map {
            kind,
            size,
            offset,
            dim,
            ..
        } => {
            let kw = match kind {
                MapKind::Spatial => "spatial",
                MapKind::Temporal => "temporal",
            };
            format!("{kw}({}, {}) {};", expr(size), expr(offset), dim.name)
        }
        Directive::Cluster { size, kind, .. } => match kind {
            Some(k) => format!("cluster({}, {});", expr(size), k.name),
            None => format!("cluster({});", expr(size)),
        },
    }
}

fn choice(c: &DataflowChoice) -> String {
    match c {
        DataflowChoice::Search(_) => "search".to_string(),
        DataflowChoice::Use { name, args: a, .. } if a.is_empty() => name.name.clone(),
        DataflowChoice::Use { name, args: a, .. } => format!("{}({})", name.name, args(a)),
    }
}

fn value(v: &Value) -> String {
    match v {
        Value::Quantity(q) => quantity(q),
        Value::Name(n) => n.name.clone(),
    }
}

fn quantity(q: &Quantity) -> String {
    match &q.unit {
        Some(u) => format!("{} {}", q.number.text, u.text()),
        None => q.number.text.clone(),
    }
}

/// An expression; parentheses are printed where the author wrote them, and the grammar's
/// left associativity means no others are needed.
pub fn expr(e: &Expr) -> String {
    match e {
        Expr::Number(n) => n.text.clone(),
        Expr::Name(i) => i.name.clone(),
        Expr::Size { dim, .. } => format!("Sz({})", dim.name),
        Expr::Chain { first, rest, .. } => {
            let mut text = expr(first);
            for (op, operand) in rest {
                text.push(' ');
                text.push_str(operator(*op));
                text.push(' ');
                text.push_str(&expr(operand));
            }
            text
        }
        Expr::Paren { inner, .. } => format!("({})", expr(inner)),
    }
}

fn operator(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
    }
}
