//! Tools for people who write `.df`, built from the language's own tables. They sit above
//! both `syntax` and `ir` because they read from both: the lexer's keywords and token kinds,
//! and the IR's names of operators, dimensions, units, precisions and metrics.

pub mod highlight;
pub mod textmate;
pub mod vim;
