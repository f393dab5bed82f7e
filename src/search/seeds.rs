//! The standard library's dataflows as candidates: every search evaluates them (defaults
//! first, then a few parameter values) so its result is never worse than the best of them.

use std::sync::OnceLock;

use crate::ir::{self, instantiate::instantiate, ConcreteDirective};

/// A stdlib dataflow instantiated for one layer.
#[derive(Debug, Clone)]
pub struct Seed {
    pub dataflow: String,
    pub args: Vec<i64>,
    /// Whether `args` are the dataflow's defaults.
    pub default_args: bool,
    pub directives: Vec<ConcreteDirective>,
}

/// The stdlib dataflows, lowered once. Empty if the embedded stdlib does not lower (a bug the
/// stdlib tests catch; the search then simply has no seeds).
pub fn stdlib_dataflows() -> &'static [ir::Dataflow] {
    static DATAFLOWS: OnceLock<Vec<ir::Dataflow>> = OnceLock::new();
    DATAFLOWS.get_or_init(|| {
        let names: Vec<&str> = ir::stdlib_files()
            .iter()
            .filter_map(|(path, _)| path.strip_prefix("dataflows/")?.strip_suffix(".df"))
            .collect();
        if names.is_empty() {
            return Vec::new();
        }
        let text = format!("use std::dataflows::{{{}}};\n", names.join(", "));
        let (_, program, _) = ir::lower::lower_text("<stdlib dataflows>", &text);
        let mut dataflows = program.map(|p| p.dataflows).unwrap_or_default();
        dataflows.sort_by(|a, b| a.name.cmp(&b.name));
        dataflows
    })
}

/// Parameter values tried besides the defaults, one parameter at a time.
const PARAM_VALUES: [i64; 8] = [1, 2, 4, 8, 16, 32, 64, 128];

/// The seeds for `layer`: every stdlib dataflow with its defaults, then (up to `variants` of
/// them) with one parameter, or all parameters together, set to each of [`PARAM_VALUES`].
/// Seeds that do not instantiate (a size evaluates to 0) are left out.
pub fn seeds(layer: &ir::Layer, variants: usize) -> Vec<Seed> {
    let mut out = Vec::new();
    let mut extra = Vec::new();
    for df in stdlib_dataflows() {
        let defaults: Option<Vec<i64>> = df.params.iter().map(|p| p.default).collect();
        let Some(defaults) = defaults else {
            continue;
        };
        let push = |args: Vec<i64>, default_args: bool, to: &mut Vec<Seed>| {
            if let Ok(directives) = instantiate(df, &args, layer) {
                to.push(Seed {
                    dataflow: df.name.clone(),
                    args,
                    default_args,
                    directives,
                });
            }
        };
        push(defaults.clone(), true, &mut out);
        for v in PARAM_VALUES {
            for i in 0..defaults.len() {
                if defaults[i] != v {
                    let mut args = defaults.clone();
                    args[i] = v;
                    push(args, false, &mut extra);
                }
            }
            if defaults.len() > 1 {
                push(vec![v; defaults.len()], false, &mut extra);
            }
        }
    }
    // Nearest to the defaults first (in factors of two), dataflows interleaved, so a small
    // allowance still tries every dataflow.
    extra.sort_by_key(|s| (distance(s, defaults_of(&s.dataflow)), s.dataflow.clone()));
    out.extend(extra.into_iter().take(variants));
    out
}

fn defaults_of(name: &str) -> Vec<i64> {
    stdlib_dataflows()
        .iter()
        .find(|d| d.name == name)
        .map(|d| d.params.iter().map(|p| p.default.unwrap_or(1)).collect())
        .unwrap_or_default()
}

/// Σ |log2(arg / default)|, rounded up.
fn distance(seed: &Seed, defaults: Vec<i64>) -> u32 {
    seed.args
        .iter()
        .zip(defaults)
        .map(|(a, d)| {
            let (a, d) = (a.max(&1).unsigned_abs(), d.max(1).unsigned_abs());
            let (hi, lo) = if a >= d { (a, d) } else { (d, a) };
            (hi / lo).next_power_of_two().trailing_zeros()
        })
        .sum()
}
