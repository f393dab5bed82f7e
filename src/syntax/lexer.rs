//! The lexer: `.df` text to tokens with byte spans (logos). Comments are tokens too, so the
//! formatter can keep them; [`lex`] splits them off before parsing. Invalid characters become
//! diagnostics and are skipped, so one typo does not hide the rest of the file.
//!
//! Keep [`KEYWORDS`] in sync with the keyword variants of [`Token`]: the editor syntax files are
//! generated from it, and a test checks each entry lexes as a keyword.

use logos::Logos;

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
#[logos(skip r"[ \t\r\n\f]+")]
pub enum Token<'s> {
    #[token("use")]
    Use,
    #[token("std")]
    Std,
    #[token("network")]
    Network,
    #[token("hardware")]
    Hardware,
    #[token("dataflow")]
    Dataflow,
    #[token("mapping")]
    Mapping,
    #[token("test")]
    Test,
    #[token("expect")]
    Expect,
    #[token("snapshot")]
    Snapshot,
    #[token("accelerator")]
    Accelerator,
    #[token("workload")]
    Workload,
    #[token("sweep")]
    Sweep,
    #[token("after")]
    After,
    #[token("with")]
    With,
    #[token("within")]
    Within,
    #[token("of")]
    Of,
    #[token("search")]
    Search,
    #[token("int")]
    Int,
    /// `spatial`, or MAESTRO's spelling `SpatialMap`.
    #[token("spatial")]
    #[token("SpatialMap")]
    Spatial,
    /// `temporal`, or MAESTRO's spelling `TemporalMap`.
    #[token("temporal")]
    #[token("TemporalMap")]
    Temporal,
    /// `cluster`, or MAESTRO's spelling `Cluster`.
    #[token("cluster")]
    #[token("Cluster")]
    Cluster,
    #[token("Sz")]
    Sz,

    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token(",")]
    Comma,
    #[token(";")]
    Semi,
    #[token("::")]
    PathSep,
    #[token(":")]
    Colon,
    #[token("=")]
    Eq,
    #[token(".")]
    Dot,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("+")]
    Plus,
    #[token("%")]
    Percent,
    #[token("-")]
    Minus,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("==")]
    EqEq,

    #[regex(r"[A-Za-z_][A-Za-z0-9_]*", |lex| lex.slice())]
    Ident(&'s str),
    /// An output dimension such as `Y'`.
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*'", |lex| lex.slice())]
    Primed(&'s str),
    #[regex(r"[0-9][0-9_]*", |lex| lex.slice())]
    Integer(&'s str),
    #[regex(r"[0-9][0-9_]*\.[0-9][0-9_]*([eE][+-]?[0-9]+)?", |lex| lex.slice())]
    #[regex(r"[0-9][0-9_]*[eE][+-]?[0-9]+", |lex| lex.slice())]
    Float(&'s str),
    #[regex(r#""[^"\n]*""#, |lex| lex.slice())]
    Str(&'s str),
    #[regex(r#""[^"\n]*"#, |lex| lex.slice())]
    UnterminatedStr(&'s str),
    #[regex(r"//[^\n]*", |lex| lex.slice(), allow_greedy = true)]
    Comment(&'s str),
    /// `# …`: a comment in other languages' syntax, reported once and skipped whole.
    #[regex(r"#[^\n]*", |lex| lex.slice(), allow_greedy = true)]
    HashComment(&'s str),
}

/// Keywords of the language, as the editor syntax files list them.
pub const KEYWORDS: &[&str] = &[
    "use",
    "std",
    "network",
    "hardware",
    "dataflow",
    "mapping",
    "test",
    "expect",
    "snapshot",
    "within",
    "of",
    "search",
    "int",
    "accelerator",
    "workload",
    "sweep",
    "after",
    "with",
];

/// Directive keywords, including MAESTRO's spellings.
pub const DIRECTIVES: &[&str] = &[
    "spatial",
    "temporal",
    "cluster",
    "Sz",
    "SpatialMap",
    "TemporalMap",
    "Cluster",
];

/// A comment and where it is, kept for the formatter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
    pub text: String,
}

/// The tokens of a file, without comments, as `(start, token, end)` triples for the parser.
pub struct Lexed<'s> {
    pub tokens: Vec<(usize, Token<'s>, usize)>,
    pub comments: Vec<Comment>,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn lex(file: FileId, text: &str) -> Lexed<'_> {
    let mut tokens = Vec::new();
    let mut comments = Vec::new();
    let mut diagnostics = Vec::new();
    let mut lexer = Token::lexer(text);
    while let Some(result) = lexer.next() {
        let range = lexer.span();
        let span = Span::new(file, range.clone());
        match result {
            Ok(Token::Comment(c)) => comments.push(Comment {
                span,
                text: c.trim_end().to_string(),
            }),
            Ok(Token::UnterminatedStr(s)) => {
                diagnostics.push(
                    Diagnostic::at(
                        Code::UnterminatedString,
                        span,
                        "unterminated string",
                        "this string has no closing `\"`",
                    )
                    .with_help("strings end on the line they start; add a `\"`"),
                );
                // Parse on as if it were closed, so one typo gives one error.
                tokens.push((range.start, Token::Str(s), range.end));
            }
            Ok(Token::HashComment(_)) => diagnostics.push(
                Diagnostic::at(
                    Code::InvalidToken,
                    Span::new(file, range.start..range.start + 1),
                    "`#` does not start a comment",
                    "not part of the `.df` language",
                )
                .with_help("comments start with `//`"),
            ),
            Ok(token) => tokens.push((range.start, token, range.end)),
            Err(()) => {
                let text = lexer.slice();
                let message = if text == "`" {
                    "unexpected backtick".to_string()
                } else {
                    format!("unexpected character `{}`", text.escape_debug())
                };
                let mut d = Diagnostic::at(
                    Code::InvalidToken,
                    span,
                    message,
                    "not part of the `.df` language",
                );
                if text == "'" {
                    d = d.with_help("a prime belongs right after a dimension name, as in `Y'`");
                }
                diagnostics.push(d);
            }
        }
    }
    Lexed {
        tokens,
        comments,
        diagnostics,
    }
}

impl std::fmt::Display for Token<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            Token::Use => "`use`",
            Token::Std => "`std`",
            Token::Network => "`network`",
            Token::Hardware => "`hardware`",
            Token::Dataflow => "`dataflow`",
            Token::Mapping => "`mapping`",
            Token::Test => "`test`",
            Token::Expect => "`expect`",
            Token::Snapshot => "`snapshot`",
            Token::Sweep => "`sweep`",
            Token::Accelerator => "`accelerator`",
            Token::Workload => "`workload`",
            Token::After => "`after`",
            Token::With => "`with`",
            Token::Within => "`within`",
            Token::Of => "`of`",
            Token::Percent => "`%`",
            Token::Search => "`search`",
            Token::Int => "`int`",
            Token::Spatial => "`spatial`",
            Token::Temporal => "`temporal`",
            Token::Cluster => "`cluster`",
            Token::Sz => "`Sz`",
            Token::LBrace => "`{`",
            Token::RBrace => "`}`",
            Token::LParen => "`(`",
            Token::RParen => "`)`",
            Token::Comma => "`,`",
            Token::Semi => "`;`",
            Token::PathSep => "`::`",
            Token::Colon => "`:`",
            Token::Eq => "`=`",
            Token::Dot => "`.`",
            Token::Star => "`*`",
            Token::Slash => "`/`",
            Token::Plus => "`+`",
            Token::Minus => "`-`",
            Token::Lt => "`<`",
            Token::Le => "`<=`",
            Token::Gt => "`>`",
            Token::Ge => "`>=`",
            Token::EqEq => "`==`",
            Token::Ident(s) | Token::Primed(s) => return write!(f, "`{s}`"),
            Token::Integer(s) | Token::Float(s) => return write!(f, "number `{s}`"),
            Token::Str(_) | Token::UnterminatedStr(_) => "a string",
            Token::Comment(_) | Token::HashComment(_) => "a comment",
        };
        f.write_str(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_lex_as_keywords() {
        for kw in KEYWORDS.iter().chain(DIRECTIVES) {
            let lexed = lex(FileId(0), kw);
            assert_eq!(lexed.tokens.len(), 1, "{kw}");
            assert!(
                !matches!(lexed.tokens[0].1, Token::Ident(_)),
                "{kw} lexes as an identifier"
            );
        }
    }

    #[test]
    fn primes_numbers_and_comments() {
        let lexed = lex(FileId(0), "Y' 12 1.5 40e6 // hi\n#");
        let kinds: Vec<_> = lexed.tokens.iter().map(|t| t.1).collect();
        assert_eq!(
            kinds,
            vec![
                Token::Primed("Y'"),
                Token::Integer("12"),
                Token::Float("1.5"),
                Token::Float("40e6")
            ]
        );
        assert_eq!(lexed.comments.len(), 1);
        assert_eq!(lexed.diagnostics[0].code, Code::InvalidToken);
    }
}
