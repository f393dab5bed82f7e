//! Syntax: text to tokens to AST, and AST back to canonical text. This stage knows nothing
//! about hardware or dataflow semantics; it only knows what the text says.

pub mod ast;
pub mod decode;
pub mod lexer;
pub mod parser;
pub mod printer;

pub use parser::{parse, Parsed};
