//! NEAT's parameters, with neat-python's meaning, and a reader for neat-python's INI
//! configuration files (`[NEAT]`, `[DefaultGenome]`, `[DefaultSpeciesSet]`,
//! `[DefaultStagnation]`, `[DefaultReproduction]`). `Config::xor()` is neat-python's XOR
//! example configuration. Bad files get E0801 on the line, unsupported settings E0806.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// How a float gene attribute (bias, response, weight) starts and mutates.
#[derive(Debug, Clone, PartialEq)]
pub struct FloatAttribute {
    pub init_mean: f64,
    pub init_stdev: f64,
    /// `gaussian` (clamped normal) or `uniform` (within two deviations and the limits).
    pub init_uniform: bool,
    pub replace_rate: f64,
    pub mutate_rate: f64,
    pub mutate_power: f64,
    pub min_value: f64,
    pub max_value: f64,
}

/// Node activation functions dfc evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// neat-python's steepened sigmoid `1/(1+exp(-clamp(5z, ±60)))`.
    Sigmoid,
    Tanh,
    Relu,
    Identity,
}

/// Node aggregation functions dfc evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregation {
    Sum,
    Product,
    Max,
    Min,
    Mean,
}

/// The initial wiring of generation 0 (neat-python's `initial_connection`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InitialConnection {
    Unconnected,
    /// One random input to every output (`fs_neat_nohidden`, and `fs_neat`).
    FsNeatNoHidden,
    /// One random input to every hidden and output node.
    FsNeatHidden,
    /// Full; `direct` also connects inputs to outputs when there are hidden nodes.
    Full {
        direct: bool,
    },
    /// A random fraction of the full wiring.
    Partial {
        direct: bool,
        fraction: f64,
    },
}

/// How a species' fitness is summarised (`species_fitness_func`) and the run's criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Summary {
    Max,
    Min,
    Mean,
    Median,
}

impl Summary {
    pub fn of(self, values: &[f64]) -> f64 {
        match self {
            Summary::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            Summary::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
            Summary::Mean => values.iter().sum::<f64>() / values.len().max(1) as f64,
            Summary::Median => {
                let mut v = values.to_vec();
                v.sort_by(f64::total_cmp);
                v.get(v.len() / 2).copied().unwrap_or(0.0)
            }
        }
    }
}

/// Every parameter of a run, as neat-python names them.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub pop_size: usize,
    pub fitness_criterion: Summary,
    pub fitness_threshold: f64,
    pub reset_on_extinction: bool,
    pub no_fitness_termination: bool,
    pub seed: Option<u64>,
    pub num_inputs: usize,
    pub num_outputs: usize,
    pub num_hidden: usize,
    pub compatibility_disjoint_coefficient: f64,
    pub compatibility_weight_coefficient: f64,
    pub conn_add_prob: f64,
    pub conn_delete_prob: f64,
    pub node_add_prob: f64,
    pub node_delete_prob: f64,
    pub single_structural_mutation: bool,
    /// `structural_mutation_surer` resolved: `None` follows `single_structural_mutation`.
    pub structural_mutation_surer: Option<bool>,
    pub initial_connection: InitialConnection,
    pub bias: FloatAttribute,
    pub response: FloatAttribute,
    pub weight: FloatAttribute,
    /// `None` draws at random from the options.
    pub activation_default: Option<Activation>,
    pub activation_options: Vec<Activation>,
    pub activation_mutate_rate: f64,
    pub aggregation_default: Option<Aggregation>,
    pub aggregation_options: Vec<Aggregation>,
    pub aggregation_mutate_rate: f64,
    /// `None` draws at random.
    pub enabled_default: Option<bool>,
    pub enabled_mutate_rate: f64,
    pub enabled_rate_to_true_add: f64,
    pub enabled_rate_to_false_add: f64,
    pub compatibility_threshold: f64,
    pub species_fitness_func: Summary,
    pub max_stagnation: u32,
    pub species_elitism: usize,
    pub elitism: usize,
    pub survival_threshold: f64,
    pub min_species_size: usize,
}

impl Config {
    /// neat-python's XOR example (`examples/xor/config-feedforward`): population 150, full
    /// initial connection, no hidden nodes, the rates listed in `docs/neat.md`.
    pub fn xor() -> Config {
        let float = |mean, stdev, mutate_rate, mutate_power, replace_rate| FloatAttribute {
            init_mean: mean,
            init_stdev: stdev,
            init_uniform: false,
            replace_rate,
            mutate_rate,
            mutate_power,
            min_value: -30.0,
            max_value: 30.0,
        };
        Config {
            pop_size: 150,
            fitness_criterion: Summary::Max,
            fitness_threshold: 3.9,
            reset_on_extinction: false,
            no_fitness_termination: false,
            seed: None,
            num_inputs: 2,
            num_outputs: 1,
            num_hidden: 0,
            compatibility_disjoint_coefficient: 1.0,
            compatibility_weight_coefficient: 0.5,
            conn_add_prob: 0.5,
            conn_delete_prob: 0.5,
            node_add_prob: 0.2,
            node_delete_prob: 0.2,
            single_structural_mutation: false,
            structural_mutation_surer: None,
            initial_connection: InitialConnection::Full { direct: false },
            bias: float(0.0, 1.0, 0.7, 0.5, 0.1),
            response: float(1.0, 0.0, 0.0, 0.0, 0.0),
            weight: float(0.0, 1.0, 0.8, 0.5, 0.1),
            activation_default: Some(Activation::Sigmoid),
            activation_options: vec![Activation::Sigmoid],
            activation_mutate_rate: 0.0,
            aggregation_default: Some(Aggregation::Sum),
            aggregation_options: vec![Aggregation::Sum],
            aggregation_mutate_rate: 0.0,
            enabled_default: Some(true),
            enabled_mutate_rate: 0.01,
            enabled_rate_to_true_add: 0.0,
            enabled_rate_to_false_add: 0.0,
            compatibility_threshold: 3.0,
            species_fitness_func: Summary::Max,
            max_stagnation: 20,
            species_elitism: 2,
            elitism: 2,
            survival_threshold: 0.2,
            min_species_size: 1,
        }
    }

    /// Whether a failed structural mutation falls back (neat-python's "surer" mutations).
    pub fn surer(&self) -> bool {
        self.structural_mutation_surer
            .unwrap_or(self.single_structural_mutation)
    }
}

/// The largest population dfc accepts (a typo's extra digits should not exhaust memory).
pub const MAX_POPULATION: usize = 100_000;

/// One `key = value` line of the file.
struct Entry<'a> {
    section: &'a str,
    key: String,
    value: &'a str,
    span: Span,
}

/// Read a neat-python INI file. Keys are case-insensitive, `#` and `;` start comment lines,
/// `=` or `:` separates key and value, as in Python's `configparser`.
pub fn parse_ini(file: FileId, text: &str) -> Result<Config, Vec<Diagnostic>> {
    let (entries, sections, mut errors) = split_lines(file, text);
    let mut config = Config::xor();
    let mut seen: Vec<(String, String)> = Vec::new();
    for e in &entries {
        let id = (e.section.to_string(), e.key.clone());
        if seen.contains(&id) {
            errors.push(at(
                e.span,
                format!("`{}` is given twice in [{}]", e.key, e.section),
            ));
            continue;
        }
        seen.push(id);
        if let Err(d) = apply(&mut config, e) {
            errors.push(d);
        }
    }
    // A malformed line may be the missing key: report what is missing only on a clean read.
    if !errors.is_empty() {
        return Err(errors);
    }
    for (section, keys) in REQUIRED {
        let Some(&(_, header)) = sections.iter().find(|(name, _)| name == section) else {
            errors.push(at(
                Span::new(file, 0..0),
                format!("the file has no [{section}] section"),
            ));
            continue;
        };
        for key in *keys {
            if !seen.iter().any(|(s, k)| s == section && k == key) {
                errors.push(at(
                    header,
                    format!("[{section}] lacks the required key `{key}`"),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(errors)
    }
}

/// The keys neat-python 2.0 requires, per section.
const REQUIRED: &[(&str, &[&str])] = &[
    (
        "NEAT",
        &[
            "pop_size",
            "fitness_criterion",
            "fitness_threshold",
            "reset_on_extinction",
        ],
    ),
    (
        "DefaultGenome",
        &[
            "num_inputs",
            "num_outputs",
            "num_hidden",
            "feed_forward",
            "compatibility_disjoint_coefficient",
            "compatibility_weight_coefficient",
            "conn_add_prob",
            "conn_delete_prob",
            "node_add_prob",
            "node_delete_prob",
            "bias_init_mean",
            "bias_init_stdev",
            "bias_replace_rate",
            "bias_mutate_rate",
            "bias_mutate_power",
            "bias_max_value",
            "bias_min_value",
            "response_init_mean",
            "response_init_stdev",
            "response_replace_rate",
            "response_mutate_rate",
            "response_mutate_power",
            "response_max_value",
            "response_min_value",
            "weight_init_mean",
            "weight_init_stdev",
            "weight_replace_rate",
            "weight_mutate_rate",
            "weight_mutate_power",
            "weight_max_value",
            "weight_min_value",
            "enabled_default",
            "enabled_mutate_rate",
            "activation_options",
            "activation_mutate_rate",
            "aggregation_options",
            "aggregation_mutate_rate",
        ],
    ),
    ("DefaultSpeciesSet", &["compatibility_threshold"]),
    ("DefaultStagnation", &[]),
    ("DefaultReproduction", &[]),
];

fn at(span: Span, message: String) -> Diagnostic {
    Diagnostic::at(Code::NeatConfig, span, message, "here")
}

type Lines<'a> = (Vec<Entry<'a>>, Vec<(&'a str, Span)>, Vec<Diagnostic>);

/// Split the text into entries, the sections with their header spans, and line errors.
fn split_lines(file: FileId, text: &str) -> Lines<'_> {
    let (mut entries, mut sections, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    let mut section: Option<&str> = None;
    let mut start = 0;
    for raw in text.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\n', '\r']);
        let offset = start;
        start += raw.len();
        let trimmed = line.trim();
        let lead = line.len() - line.trim_start().len();
        let span = Span::new(file, offset + lead..offset + lead + trimmed.len());
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if lead > 0 {
            errors.push(at(
                span,
                "an indented line (a continuation) is not supported; write the value on one line"
                    .into(),
            ));
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            if sections.iter().any(|(s, _)| *s == name) {
                errors.push(at(span, format!("section [{name}] appears twice")));
            } else if !REQUIRED.iter().any(|(s, _)| *s == name) {
                errors.push(
                    at(span, format!("unknown section [{name}]")).with_help(
                        "neat-python's sections are [NEAT], [DefaultGenome], [DefaultSpeciesSet], [DefaultStagnation] and [DefaultReproduction]",
                    ),
                );
            }
            sections.push((name, span));
            section = Some(name);
            continue;
        }
        let Some(split) = trimmed.find(['=', ':']) else {
            errors.push(at(span, format!("`{trimmed}` is not `key = value`")));
            continue;
        };
        let Some(current) = section else {
            errors.push(at(span, "a key before the first [section]".into()));
            continue;
        };
        entries.push(Entry {
            section: current,
            key: trimmed[..split].trim().to_lowercase(),
            value: trimmed[split + 1..].trim(),
            span,
        });
    }
    (entries, sections, errors)
}

fn number<T: std::str::FromStr>(e: &Entry) -> Result<T, Diagnostic> {
    e.value.parse::<T>().map_err(|_| {
        at(
            e.span,
            format!("`{}` needs a number, not `{}`", e.key, e.value),
        )
    })
}

fn float(e: &Entry) -> Result<f64, Diagnostic> {
    let v: f64 = number(e)?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(at(e.span, format!("`{}` needs a finite number", e.key)))
    }
}

fn probability(e: &Entry) -> Result<f64, Diagnostic> {
    let v = float(e)?;
    if v < 0.0 {
        return Err(at(e.span, format!("`{}` cannot be negative", e.key)));
    }
    Ok(v)
}

fn boolean(e: &Entry) -> Result<bool, Diagnostic> {
    match e.value.to_lowercase().as_str() {
        "1" | "yes" | "true" | "on" => Ok(true),
        "0" | "no" | "false" | "off" => Ok(false),
        _ => Err(at(
            e.span,
            format!("`{}` needs True or False, not `{}`", e.key, e.value),
        )),
    }
}

fn unsupported(e: &Entry, what: &str) -> Diagnostic {
    Diagnostic::at(
        Code::NeatUnsupported,
        e.span,
        format!("`{} = {}`: {what}", e.key, e.value),
        "not implemented",
    )
}

fn summary(e: &Entry, allow_median: bool) -> Result<Summary, Diagnostic> {
    match e.value {
        "max" => Ok(Summary::Max),
        "min" => Ok(Summary::Min),
        "mean" => Ok(Summary::Mean),
        "median" if allow_median => Ok(Summary::Median),
        _ => Err(at(
            e.span,
            format!("`{}` is max, min or mean, not `{}`", e.key, e.value),
        )),
    }
}

fn activation(e: &Entry, name: &str) -> Result<Activation, Diagnostic> {
    match name {
        "sigmoid" => Ok(Activation::Sigmoid),
        "tanh" => Ok(Activation::Tanh),
        "relu" => Ok(Activation::Relu),
        "identity" => Ok(Activation::Identity),
        _ => Err(unsupported(
            e,
            "dfc evaluates the activations sigmoid, tanh, relu and identity",
        )),
    }
}

fn aggregation(e: &Entry, name: &str) -> Result<Aggregation, Diagnostic> {
    match name {
        "sum" => Ok(Aggregation::Sum),
        "product" => Ok(Aggregation::Product),
        "max" => Ok(Aggregation::Max),
        "min" => Ok(Aggregation::Min),
        "mean" => Ok(Aggregation::Mean),
        _ => Err(unsupported(
            e,
            "dfc evaluates the aggregations sum, product, max, min and mean",
        )),
    }
}

fn is_random(value: &str) -> bool {
    matches!(value.to_lowercase().as_str(), "random" | "none")
}

fn initial_connection(e: &Entry) -> Result<InitialConnection, Diagnostic> {
    let mut words = e.value.split_whitespace();
    let kind = words.next().unwrap_or_default();
    let fraction = match words.next() {
        Some(f) if kind.starts_with("partial") => {
            let v: f64 = f
                .parse()
                .map_err(|_| at(e.span, format!("`{f}` is not a fraction")))?;
            if !(0.0..=1.0).contains(&v) {
                return Err(at(
                    e.span,
                    "the partial connection fraction is between 0 and 1".into(),
                ));
            }
            v
        }
        None if !kind.starts_with("partial") => 0.0,
        _ => {
            return Err(at(
                e.span,
                "only `partial…` takes a fraction, and it needs one".into(),
            ))
        }
    };
    Ok(match kind {
        "unconnected" => InitialConnection::Unconnected,
        "fs_neat" | "fs_neat_nohidden" => InitialConnection::FsNeatNoHidden,
        "fs_neat_hidden" => InitialConnection::FsNeatHidden,
        "full" | "full_nodirect" => InitialConnection::Full { direct: false },
        "full_direct" => InitialConnection::Full { direct: true },
        "partial" | "partial_nodirect" => InitialConnection::Partial {
            direct: false,
            fraction,
        },
        "partial_direct" => InitialConnection::Partial {
            direct: true,
            fraction,
        },
        _ => return Err(at(e.span, format!("unknown initial connection `{kind}`"))),
    })
}

/// Set the field `e` names, or say why not.
fn apply(c: &mut Config, e: &Entry) -> Result<(), Diagnostic> {
    let key = e.key.as_str();
    match e.section {
        "NEAT" => match key {
            "pop_size" => c.pop_size = number(e)?,
            "fitness_criterion" => c.fitness_criterion = summary(e, false)?,
            "fitness_threshold" => c.fitness_threshold = float(e)?,
            "reset_on_extinction" => c.reset_on_extinction = boolean(e)?,
            "no_fitness_termination" => c.no_fitness_termination = boolean(e)?,
            "seed" => c.seed = Some(number(e)?),
            _ => return Err(unknown(e)),
        },
        "DefaultGenome" => apply_genome(c, e)?,
        "DefaultSpeciesSet" => match key {
            "compatibility_threshold" => c.compatibility_threshold = float(e)?,
            _ => return Err(unknown(e)),
        },
        "DefaultStagnation" => match key {
            "species_fitness_func" => c.species_fitness_func = summary(e, true)?,
            "max_stagnation" => c.max_stagnation = number(e)?,
            "species_elitism" => c.species_elitism = number(e)?,
            _ => return Err(unknown(e)),
        },
        "DefaultReproduction" => match key {
            "elitism" => c.elitism = number(e)?,
            "survival_threshold" => c.survival_threshold = probability(e)?,
            "min_species_size" => c.min_species_size = number(e)?,
            _ => return Err(unknown(e)),
        },
        // An unknown section was reported at its header.
        _ => {}
    }
    if key == "pop_size" && !(1..=MAX_POPULATION).contains(&c.pop_size) {
        return Err(at(
            e.span,
            format!("`pop_size` is between 1 and {MAX_POPULATION}"),
        ));
    }
    Ok(())
}

fn unknown(e: &Entry) -> Diagnostic {
    at(
        e.span,
        format!("unknown key `{}` in [{}]", e.key, e.section),
    )
}

fn apply_genome(c: &mut Config, e: &Entry) -> Result<(), Diagnostic> {
    let key = e.key.as_str();
    for (prefix, attribute) in [
        ("bias_", &mut c.bias),
        ("response_", &mut c.response),
        ("weight_", &mut c.weight),
    ] {
        if let Some(field) = key.strip_prefix(prefix) {
            return apply_float(attribute, field, e);
        }
    }
    match key {
        "num_inputs" => c.num_inputs = number(e)?,
        "num_outputs" => c.num_outputs = number(e)?,
        "num_hidden" => c.num_hidden = number(e)?,
        "feed_forward" => {
            if !boolean(e)? {
                return Err(unsupported(e, "dfc evolves feed-forward networks only"));
            }
        }
        "compatibility_disjoint_coefficient" => c.compatibility_disjoint_coefficient = float(e)?,
        "compatibility_weight_coefficient" => c.compatibility_weight_coefficient = float(e)?,
        "conn_add_prob" => c.conn_add_prob = probability(e)?,
        "conn_delete_prob" => c.conn_delete_prob = probability(e)?,
        "node_add_prob" => c.node_add_prob = probability(e)?,
        "node_delete_prob" => c.node_delete_prob = probability(e)?,
        "single_structural_mutation" => c.single_structural_mutation = boolean(e)?,
        "structural_mutation_surer" => {
            c.structural_mutation_surer = match e.value.to_lowercase().as_str() {
                "default" => None,
                _ => Some(boolean(e)?),
            }
        }
        "initial_connection" => c.initial_connection = initial_connection(e)?,
        "activation_default" => {
            c.activation_default = match is_random(e.value) {
                true => None,
                false => Some(activation(e, e.value)?),
            }
        }
        "activation_options" => {
            c.activation_options = e
                .value
                .split_whitespace()
                .map(|name| activation(e, name))
                .collect::<Result<_, _>>()?
        }
        "activation_mutate_rate" => c.activation_mutate_rate = probability(e)?,
        "aggregation_default" => {
            c.aggregation_default = match is_random(e.value) {
                true => None,
                false => Some(aggregation(e, e.value)?),
            }
        }
        "aggregation_options" => {
            c.aggregation_options = e
                .value
                .split_whitespace()
                .map(|name| aggregation(e, name))
                .collect::<Result<_, _>>()?
        }
        "aggregation_mutate_rate" => c.aggregation_mutate_rate = probability(e)?,
        "enabled_default" => {
            c.enabled_default = match is_random(e.value) {
                true => None,
                false => Some(boolean(e)?),
            }
        }
        "enabled_mutate_rate" => c.enabled_mutate_rate = probability(e)?,
        "enabled_rate_to_true_add" => c.enabled_rate_to_true_add = probability(e)?,
        "enabled_rate_to_false_add" => c.enabled_rate_to_false_add = probability(e)?,
        // Feed-forward networks have no time constants; neat-python's defaults keep them fixed.
        _ if key.starts_with("time_constant_") => float(e).map(|_| ())?,
        _ => return Err(unknown(e)),
    }
    Ok(())
}

fn apply_float(a: &mut FloatAttribute, field: &str, e: &Entry) -> Result<(), Diagnostic> {
    match field {
        "init_mean" => a.init_mean = float(e)?,
        "init_stdev" => a.init_stdev = probability(e)?,
        "init_type" => {
            let t = e.value.to_lowercase();
            a.init_uniform = if t.contains("gauss") || t.contains("normal") {
                false
            } else if t.contains("uniform") {
                true
            } else {
                return Err(at(e.span, format!("unknown init_type `{}`", e.value)));
            }
        }
        "replace_rate" => a.replace_rate = probability(e)?,
        "mutate_rate" => a.mutate_rate = probability(e)?,
        "mutate_power" => a.mutate_power = probability(e)?,
        "max_value" => a.max_value = float(e)?,
        "min_value" => a.min_value = float(e)?,
        _ => return Err(unknown(e)),
    }
    Ok(())
}
