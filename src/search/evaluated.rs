//! Search, then evaluate, as `dfc eval` does for each mapping of a file: the layers written
//! `search` get the mapper's choice, the mapping is evaluated, and a searched layer for which
//! nothing fits becomes an `E0504` at its mapping entry. The command line and the Python
//! package both call this, so they report the same rows.

use super::{map_mapping_with_progress, MappedLayer, Progress, SearchOptions};
use crate::backends::evaluate::{self, MappingReport};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, DataflowChoice, MappingId, Program};

/// Whether mapping `id` has a layer written `search` (so evaluating it searches first).
pub fn has_search_layers(program: &Program, id: MappingId) -> bool {
    program
        .mapping(id)
        .layers
        .iter()
        .any(|l| matches!(l.dataflow, DataflowChoice::Search { .. }))
}

/// Search the layers of mapping `id` written `search` (calling `progress` from the search's
/// worker threads), then evaluate the mapping under `model`: the program with the chosen
/// dataflows (later mappings see them), the report, and the diagnostics of both.
pub fn search_then_evaluate(
    mut program: Program,
    id: MappingId,
    options: &SearchOptions,
    model: ir::CostModel,
    progress: &(dyn Fn(Progress) + Sync),
) -> (Program, MappingReport, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    if has_search_layers(&program, id) {
        let mapped = map_mapping_with_progress(&program, id, options, true, progress);
        diags.extend(search_failures(
            &program,
            id,
            &mapped.layers,
            options.budget,
        ));
        program = mapped.program;
    }
    let (report, found) = evaluate::evaluate_mapping(&program, id, model);
    diags.extend(found);
    (program, report, diags)
}

/// One `E0504` per searched layer for which nothing fits, at its mapping entry.
pub fn search_failures(
    program: &Program,
    id: MappingId,
    layers: &[MappedLayer],
    budget: usize,
) -> Vec<Diagnostic> {
    let mapping = program.mapping(id);
    let hw = &program.hardware(mapping.hardware).name;
    layers
        .iter()
        .zip(&mapping.layers)
        .filter_map(|(l, lm)| {
            let e = l.error.as_ref()?;
            Some(
                Diagnostic::at(
                    Code::NoMappingFound,
                    lm.dataflow.span(),
                    format!(
                        "no dataflow for layer `{}` fits hardware `{hw}`: {e}",
                        l.layer
                    ),
                    format!("searched for `{}`", l.layer),
                )
                .with_help(format!(
                    "give `{hw}` larger buffers, raise `--budget` (now {budget}), or write a dataflow \
                     for the layer; see `dfc explain E0504`"
                )),
            )
        })
        .collect()
}
