//! Sweeps written back as `.df`.

use super::*;

/// A sweep: `mapping:` first, then each axis in its block (`noc`, `dram`, `dataflow`).
pub(super) fn sweep(program: &Program, s: &crate::ir::sweep::Sweep) -> ast::Sweep {
    let list = |key: &str, values: Vec<ast::Value>| ast::SweepEntry {
        key: ident(key),
        value: ast::SweepValue::List(values),
        span: nospan(),
    };
    let names = s
        .mappings
        .iter()
        .map(|m| ast::Value::Name(ident(&program.mapping(*m).name)))
        .collect();
    let mut entries = vec![list("mapping", names)];
    for axis in &s.axes {
        let values = axis.values.iter().map(sweep_value).collect();
        let path = axis.field.path();
        let entry = match path.split_once('.') {
            Some((outer, inner)) => ast::SweepEntry {
                key: ident(outer),
                value: ast::SweepValue::Block(vec![list(inner, values)]),
                span: nospan(),
            },
            None => list(&path, values),
        };
        entries.push(entry);
    }
    ast::Sweep {
        name: ident(&s.name),
        entries,
        span: nospan(),
    }
}

fn sweep_value(v: &crate::ir::sweep::Value) -> ast::Value {
    match v {
        crate::ir::sweep::Value::Precision(p) => ast::Value::Name(ident(p.name)),
        other => {
            let text = other.text();
            match text.split_once(' ') {
                Some((n, unit)) => {
                    let (name, per) = match unit.split_once('/') {
                        Some((name, per)) => (name, Some(per)),
                        None => (unit, None),
                    };
                    quantity(n, Some((name, per)))
                }
                None => quantity(text, None),
            }
        }
    }
}
