//! Sparsity written back as `.df`: a mapping's `sparsity` entries and a hardware's `sparse`
//! block.

use super::*;

/// `weights 2:4 / activations 0.5 banded`: the operands that are not dense.
pub(super) fn layer_sparsity(s: LayerSparsity) -> Vec<ast::BlockPart> {
    let mut parts = Vec::new();
    for (operand, d) in [("weights", s.weights), ("activations", s.activations)] {
        let mut words = vec![ast::Word::Name(ident(operand))];
        match d {
            Density::Dense => continue,
            Density::Structured { n, m } => words.push(ast::Word::Ratio {
                n: number(n),
                m: number(m),
                span: nospan(),
            }),
            Density::Random {
                per_billion,
                distribution,
            } => {
                words.push(ast::Word::Number(number(density_text(per_billion))));
                if distribution == Distribution::Banded {
                    words.push(ast::Word::Name(ident("banded")));
                }
            }
        }
        parts.push(ast::BlockPart {
            words,
            span: nospan(),
        });
    }
    parts
}

/// A density in parts per billion as the shortest decimal that reads back the same.
fn density_text(per_billion: u32) -> String {
    if u64::from(per_billion) == crate::ir::sparsity::PER_BILLION {
        return "1".to_string();
    }
    let digits = format!("{per_billion:09}");
    format!("0.{}", digits.trim_end_matches('0'))
}

pub(super) fn sparse_support(s: &SparseSupport) -> ast::Field {
    let name = |n: &str| ast::Value::Name(ident(n));
    let level = |key: &str, f: OperandFormats| {
        block(
            key,
            vec![
                field("weights", name(f.weights.name())),
                field("activations", name(f.activations.name())),
            ],
        )
    };
    let ineffectual = match s.ineffectual {
        Ineffectual::Compute => "compute",
        Ineffectual::Gate => "gate",
        Ineffectual::Skip => "skip",
    };
    block(
        "sparse",
        vec![
            level("l1", s.l1),
            level("l2", s.l2),
            field("ineffectual", name(ineffectual)),
            field("run_bits", quantity(s.run_bits, None)),
        ],
    )
}
