//! IR to `.df` text, through the AST printer.
