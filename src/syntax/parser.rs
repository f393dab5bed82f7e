//! The parser: tokens to [`ast::File`] (lalrpop, grammar in `grammar/dfc.lalrpop`). Syntax
//! errors become diagnostics; the grammar recovers at items and statements, so a file with
//! several mistakes reports each of them.

use lalrpop_util::{lalrpop_mod, ErrorRecovery, ParseError};

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::ast;
use crate::syntax::lexer::{self, Token};

lalrpop_mod!(
    #[allow(
        clippy::all,
        clippy::pedantic,
        unused_imports,
        unused_parens,
        dead_code
    )]
    grammar,
    "/dfc.rs"
);

/// A parsed file and everything wrong with its text. The AST holds every item that parsed.
pub struct Parsed {
    pub file: ast::File,
    pub diagnostics: Vec<Diagnostic>,
}

/// How deep parentheses and braces may nest. Real programs use a handful of levels; the
/// bound keeps every recursive walk of the AST (lowering, printing, dropping) shallow.
pub const MAX_NESTING: usize = 100;

pub fn parse(file: FileId, text: &str) -> Parsed {
    let lexed = lexer::lex(file, text);
    let mut diagnostics = lexed.diagnostics;
    if let Some(too_deep) = nesting_too_deep(file, &lexed.tokens) {
        // Parsing would build a tree as deep as the input; report the one error instead.
        diagnostics.push(too_deep);
        crate::diagnostics::sort(&mut diagnostics);
        return Parsed {
            file: ast::File {
                items: Vec::new(),
                comments: lexed.comments,
            },
            diagnostics,
        };
    }
    let mut recovered = Vec::new();
    let eof = text.len();
    let tokens = lexed.tokens.into_iter().map(Ok::<_, ()>);
    let items = match grammar::FileParser::new().parse(file, &mut recovered, tokens) {
        Ok(items) => items,
        Err(e) => {
            diagnostics.push(convert(file, e, eof));
            Vec::new()
        }
    };
    for ErrorRecovery { error, .. } in recovered {
        diagnostics.push(convert(file, error, eof));
    }
    crate::diagnostics::sort(&mut diagnostics);
    Parsed {
        file: ast::File {
            items,
            comments: lexed.comments,
        },
        diagnostics,
    }
}

/// The first `(` or `{` that opens level `MAX_NESTING + 1`, as an `E0007`.
fn nesting_too_deep(file: FileId, tokens: &[(usize, Token<'_>, usize)]) -> Option<Diagnostic> {
    let mut depth = 0usize;
    for (l, token, r) in tokens {
        match token {
            Token::LParen | Token::LBrace => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(
                        Diagnostic::at(
                            Code::NestingTooDeep,
                            Span::new(file, *l..*r),
                            format!("parentheses and braces nest more than {MAX_NESTING} deep"),
                            format!("level {depth} opens here"),
                        )
                        .with_help("write the expression with fewer parentheses"),
                    );
                }
            }
            Token::RParen | Token::RBrace => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn convert(file: FileId, error: ParseError<usize, Token<'_>, ()>, eof: usize) -> Diagnostic {
    match error {
        ParseError::UnrecognizedEof { location, expected } => Diagnostic::at(
            Code::UnexpectedEof,
            Span::new(file, location.min(eof)..eof),
            "unexpected end of file",
            format!("expected {} here", describe(&expected)),
        )
        .with_help_opt(eof_help(&expected)),
        ParseError::UnrecognizedToken {
            token: (l, token, r),
            expected,
        } => {
            let span = Span::new(file, l..r);
            Diagnostic::at(
                Code::UnexpectedToken,
                span,
                format!("expected {}, found {token}", describe(&expected)),
                "unexpected here",
            )
            .with_help_opt(token_help(&token, &expected))
        }
        ParseError::ExtraToken {
            token: (l, token, r),
        } => Diagnostic::at(
            Code::UnexpectedToken,
            Span::new(file, l..r),
            format!("unexpected {token}"),
            "nothing may follow here",
        ),
        ParseError::InvalidToken { location } => Diagnostic::at(
            Code::InvalidToken,
            Span::new(file, location..location + 1),
            "invalid token",
            "not part of the `.df` language",
        ),
        ParseError::User { error: () } => Diagnostic::new(Code::UnexpectedToken, "syntax error"),
    }
}

/// "`;` or `}`" from lalrpop's list of expected terminals.
fn describe(expected: &[String]) -> String {
    let mut names: Vec<String> = expected.iter().map(|e| terminal_name(e)).collect();
    names.sort();
    names.dedup();
    match names.len() {
        0 => "nothing".to_string(),
        1 => names[0].clone(),
        n if n <= 6 => format!("{} or {}", names[..n - 1].join(", "), names[n - 1]),
        _ => format!("one of {}, …", names[..5].join(", ")),
    }
}

fn terminal_name(terminal: &str) -> String {
    match terminal {
        "IDENT" => "a name".to_string(),
        "PRIMED" => "a primed dimension".to_string(),
        "INTEGER" | "FLOAT" => "a number".to_string(),
        "STRING" => "a string".to_string(),
        t => format!("`{}`", t.trim_matches('"')),
    }
}

fn expects(expected: &[String], terminal: &str) -> bool {
    expected.iter().any(|e| e.trim_matches('"') == terminal)
}

fn eof_help(expected: &[String]) -> Option<String> {
    if expects(expected, "}") {
        Some("a block is not closed; add the missing `}`".to_string())
    } else if expects(expected, ";") {
        Some("add `;` at the end of the statement".to_string())
    } else {
        None
    }
}

/// Targeted advice for mistakes users bring from MAESTRO files and other languages.
fn token_help(found: &Token<'_>, expected: &[String]) -> Option<String> {
    match found {
        Token::Ident(
            word @ ("Network" | "Layer" | "Dimensions" | "Dataflow" | "Type" | "Stride"),
        ) => Some(format!(
            "`{word}` is MAESTRO syntax; convert the file with `dfc import maestro FILE.m`"
        )),
        _ if expects(expected, ";") => Some("a `;` may be missing before this".to_string()),
        Token::Eq if expects(expected, ":") => Some("fields are written `name: value`".to_string()),
        Token::Colon if expects(expected, "=") => {
            Some("layers are written `name = op(arg: value, ...)`".to_string())
        }
        _ => None,
    }
}
