//! What the search emits: complete dataflows (whole-filter `R`/`S` maps at every level, the
//! default model's numbers unchanged) that evaluate without error under both cost models,
//! over seeded random small networks × the stdlib hardware presets × every strategy.

use super::*;
use crate::backends::evaluate::{evaluate_mapping, LayerStatus};

/// Presets with PEs (the systolic-only ones have nothing for the cost model to map).
const PRESETS: [&str; 5] = [
    "cloud1024",
    "edge256",
    "eyeriss_like",
    "nvdla_like",
    "tpu_like",
];

/// A random layer of a small network, in `.df`.
fn random_layer(rng: &mut Rng, name: &str) -> String {
    let pick = |rng: &mut Rng, xs: &[u64]| xs[rng.below(xs.len())];
    let k = pick(rng, &[4, 8, 16, 24, 64]);
    let c = pick(rng, &[3, 8, 16, 32]);
    let y = pick(rng, &[7, 8, 14, 16, 28]);
    let r = pick(rng, &[1, 3, 5]);
    let stride = pick(rng, &[1, 1, 2]);
    let pad = r / 2;
    match rng.below(6) {
        0 => format!("{name} = dwconv(C: {c}, R: 3, S: 3, Y: {y}, X: {y}, stride: {stride}, pad: 1);"),
        1 => format!("{name} = pwconv(K: {k}, C: {c}, Y: {y}, X: {y});"),
        2 => format!("{name} = fc(K: {k}, C: {c});"),
        3 => format!("{name} = conv(K: {k}, C: {c}, R: 3, S: 3, Y: {y}, X: {y}, pad: 2, dilation: 2);"),
        _ => format!(
            "{name} = conv(K: {k}, C: {c}, R: {r}, S: {r}, Y: {y}, X: {y}, stride: {stride}, pad: {pad});"
        ),
    }
}

fn random_program(seed: u64, hardware: &str) -> Program {
    let mut rng = Rng::new(seed);
    let layers: Vec<String> = (0..3)
        .map(|i| random_layer(&mut rng, &format!("l{i}")))
        .collect();
    let text = format!(
        "network n {{\n    {}\n}}\nuse std::hardware::{hardware};\n\
         mapping m {{ network: n; hardware: {hardware}; dataflow: search; }}\n",
        layers.join("\n    ")
    );
    let (_, program, diags) = ir::lower::lower_text("random.df", &text);
    program.unwrap_or_else(|| panic!("{text}\n{diags:#?}"))
}

/// Every level of `dirs` maps `R` and `S`.
fn complete_levels(dirs: &[ConcreteDirective]) -> bool {
    dirs.split(|d| matches!(d, ConcreteDirective::Cluster { .. }))
        .all(|level| {
            [ir::Dim::R, ir::Dim::S].iter().all(|want| {
                level
                    .iter()
                    .any(|d| matches!(d, ConcreteDirective::Map { dim, .. } if dim == want))
            })
        })
}

/// Everything `map_mapping` emits is complete and evaluates without error in the default
/// model (to the numbers the search chose it by) and in `--model maestro`.
#[test]
fn emitted_mappings_evaluate_under_both_models() {
    let mut cases = 0;
    // Per preset: layers emitted with a dataflow, layers the search found nothing for.
    let mut counts = [(0, 0); PRESETS.len()];
    for seed in 0..3u64 {
        for (preset, hardware) in PRESETS.into_iter().enumerate() {
            let program = random_program(seed, hardware);
            for strategy in Strategy::ALL {
                cases += 1;
                let opts = SearchOptions {
                    strategy,
                    budget: 60,
                    seed,
                    egg_iters: 1,
                    egg_nodes: 500,
                    stdlib_variants: 0,
                    ..SearchOptions::default()
                };
                let mapped = map_mapping(&program, MappingId(0), &opts, true);
                let text = ir::emit::emit(&mapped.program);
                let again = ir::lower::lower_text("emitted.df", &text)
                    .1
                    .unwrap_or_else(|| panic!("emitted text lowers:\n{text}"));
                for model in [Model::Default, Model::Maestro] {
                    let (report, diags) = evaluate_mapping(&again, MappingId(0), model);
                    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
                    for (layer, r) in mapped.layers.iter().zip(&report.layers) {
                        match (&layer.choice, &r.status) {
                            (Some(choice), LayerStatus::Ok { metrics }) => {
                                assert!(complete_levels(&choice.directives), "{text}");
                                if model == Model::Default {
                                    assert_eq!(**metrics, choice.metrics, "{}\n{text}", layer.layer);
                                }
                            }
                            (None, LayerStatus::NotMapped) => {}
                            (_, status) => panic!(
                                "{hardware} {strategy:?} {model:?} {}: {status:?}\n{errors:#?}\n{text}",
                                layer.layer
                            ),
                        }
                    }
                    let searched_errors = errors
                        .iter()
                        .filter(|d| d.code != crate::diagnostics::Code::LayerNotEvaluated)
                        .count();
                    assert_eq!(
                        searched_errors, 0,
                        "{hardware} {strategy:?} {model:?}\n{errors:#?}\n{text}"
                    );
                }
                for l in &mapped.layers {
                    match &l.error {
                        None => counts[preset].0 += 1,
                        Some(SearchError::NoValidMapping { .. }) => counts[preset].1 += 1,
                        Some(e) => panic!("{hardware} {strategy:?} {}: {e}", l.layer),
                    }
                }
            }
        }
    }
    assert_eq!(cases, 45);
    // `tpu_like` has 4 B of L1 per PE: no tile of any layer fits (E0501), so nothing is emitted.
    assert_eq!(counts, [(27, 0), (27, 0), (27, 0), (27, 0), (0, 27)]);
}
