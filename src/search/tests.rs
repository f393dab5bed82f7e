//! Search tests: the space is exact in the cost model, the DB model equals a brute-force
//! trace count, the decoupled search stays close to the exhaustive optimum on small layers,
//! every stdlib network's layers are mapped at least as well as by the best stdlib dataflow,
//! mapped programs re-parse and evaluate to the reported numbers, results do not depend on
//! the thread count, and a snapshot of chosen mappings.

use super::offchip::DbModel;
use super::space::LayerSpace;
use super::*;
use crate::backends::cost::Hardware as CostHardware;
use crate::backends::evaluate::{evaluate_mapping, LayerStatus};

fn lower(text: &str) -> Program {
    let (_, program, diags) = ir::lower::lower_text("test.df", text);
    program.unwrap_or_else(|| panic!("{text}\n{diags:#?}"))
}

/// A program with one mapping `m` of `network` (given inline or imported) on `hardware`,
/// every layer with `search`.
fn program_for(network: &str, hardware: &str) -> Program {
    lower(&format!(
        "use std::networks::{network};\nuse std::hardware::{hardware};\n\
         mapping m {{ network: {network}; hardware: {hardware}; dataflow: search; }}\n"
    ))
}

fn small_opts(budget: usize) -> SearchOptions {
    SearchOptions {
        budget,
        egg_nodes: 1_500,
        egg_iters: 2,
        ..SearchOptions::default()
    }
}

fn dirs_text(dirs: &[ConcreteDirective]) -> String {
    dirs.iter()
        .map(|d| match *d {
            ConcreteDirective::Map {
                kind,
                size,
                offset,
                dim,
            } => {
                let k = match kind {
                    ir::MapKind::Spatial => "spatial",
                    ir::MapKind::Temporal => "temporal",
                };
                format!("{k}({size}, {offset}) {dim};")
            }
            ConcreteDirective::Cluster { size } => format!("cluster({size});"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Random points of random small layers: whenever the model accepts one, its MAC count is
/// the layer's. (With two spatial maps per level it would not be; that is why the space has
/// one per level.)
#[test]
fn space_points_have_exact_mac_counts() {
    let mut rng = crate::util::Rng::new(17);
    let (mut accepted, mut refused) = (0, 0);
    for i in 0..60 {
        let (k, c, r) = (1 + rng.below(6), 1 + rng.below(6), 1 + rng.below(3));
        let (stride, out) = (1 + rng.below(2), 1 + rng.below(5));
        let y = (out - 1) * stride + r;
        let op = if i % 3 == 0 {
            format!("dwconv(C: {c}, R: {r}, S: {r}, Y: {y}, X: {y}, stride: {stride})")
        } else {
            format!("conv(K: {k}, C: {c}, R: {r}, S: {r}, Y: {y}, X: {y}, stride: {stride}, N: 2)")
        };
        let p = lower(&format!("network n {{ l = {op}; }}"));
        let layer = &p.networks[0].layers[0];
        let problem = evaluate::problem(layer, &[], true, Model::Default);
        let hw = CostHardware {
            num_pes: 32,
            l1_size: 1 << 20,
            l2_size: 1 << 30,
            noc_bw: 8,
            noc_hops: 1,
            simd_lanes: 1,
            precision_bits: None,
            operand_bits: None,
            energy: None,
            sparse: crate::ir::SparseSupport::DENSE,
        };
        let space = LayerSpace::new(&problem, hw.num_pes).expect("space");
        for _ in 0..20 {
            let g = space.random_genome(&mut rng, 3);
            let dirs = g.directives(&space);
            let mut prob = problem.clone();
            prob.directives = dirs.to_vec();
            match cost::evaluate(&prob, &hw, Model::Default) {
                Ok(m) => {
                    accepted += 1;
                    assert_eq!(
                        u64::try_from(m.num_macs).ok(),
                        Some(layer.macs()),
                        "{op}: {}",
                        dirs_text(&dirs)
                    );
                }
                Err(e @ cost::CostError::MacMismatch { .. }) => {
                    panic!("{op}: {}: {e}", dirs_text(&dirs))
                }
                Err(_) => refused += 1,
            }
        }
    }
    // Measured: the model accepts every point of the space (edge tiles and partial filter
    // tiles included) and counts each exactly.
    assert_eq!((accepted, refused), (1200, 0));
}

/// The DB model equals a brute-force trace of the tile loops: an L2 holding exactly the
/// current tiles, a tile fetched (its distinct runs of addresses, in lines) whenever its
/// coordinates change, outputs written back when left and read back when revisited.
#[test]
fn db_model_matches_trace_count() {
    let texts = [
        "conv(K: 4, C: 6, R: 3, S: 3, Y: 8, X: 10)",
        "conv(K: 8, C: 2, R: 3, S: 1, Y: 9, X: 9, stride_y: 2)",
        "dwconv(C: 4, R: 3, S: 3, Y: 6, X: 6)",
        "conv(K: 4, C: 4, R: 3, S: 3, Y: 6, X: 6, N: 2)",
    ];
    let mut rng = crate::util::Rng::new(3);
    let mut compared = 0;
    for text in texts {
        let p = lower(&format!("network n {{ l = {text}; }}"));
        let layer = &p.networks[0].layers[0];
        let batch = layer.shape.n > 1;
        let problem = evaluate::problem(layer, &[], batch, Model::Default);
        let space = LayerSpace::new(&problem, 16).expect("space");
        for line in [1, 4, 8] {
            let db = DbModel::new(&space, line, i64::MAX);
            for _ in 0..6 {
                // Off-chip blocks are divisors, and whole along the filter (as `DbModel`
                // enumerates them).
                let block: Vec<i64> = (0..space.dims.len())
                    .map(|i| match space.dims[i].dim {
                        crate::ir::Dim::R | crate::ir::Dim::S => space.dims[i].extent,
                        _ => space.random_divisor(i, space.dims[i].extent, &mut rng),
                    })
                    .collect();
                for stationary in 0..3 {
                    let order = db.order_for(&block, stationary);
                    let model = db.traffic(&block, &order);
                    let trace = trace_traffic(&space, &block, &order, line);
                    assert_eq!(
                        model, trace,
                        "{text} block {block:?} order {order:?} line {line}"
                    );
                    compared += 1;
                }
            }
        }
    }
    assert!(compared >= 200);
}

/// The brute-force counter for `db_model_matches_trace_count`.
fn trace_traffic(space: &LayerSpace, block: &[i64], order: &[usize], line: i64) -> f64 {
    use crate::ir::Dim;
    let full = |d: Dim| space.extents[d.index()].max(1);
    let dw = space.layer_type == cost::LayerType::Dsconv;
    let iters: Vec<i64> = (0..space.dims.len())
        .map(|i| space.dims[i].extent / block[i])
        .collect();
    // Tile coordinates per dimension for one loop state.
    let tile = |state: &[i64], d: Dim| -> (i64, i64) {
        match space.index_of(d) {
            Some(i) => (state[i] * block[i], block[i]),
            None => (0, full(d)),
        }
    };
    // Input rows of an output tile (these layers' filters are at least their strides).
    let rows = |o: (i64, i64), f: i64, s: i64| -> (i64, i64) { (o.0 * s, (o.1 - 1) * s + f) };
    // Addresses of a tile in a row-major layout over `dims` = (start, len, full).
    let lines_of = |dims: &[(i64, i64, i64)]| -> f64 {
        let mut addrs: Vec<i64> = vec![0];
        for &(start, len, size) in dims {
            addrs = addrs
                .iter()
                .flat_map(|a| (start..start + len).map(move |x| a * size + x))
                .collect();
        }
        addrs.sort_unstable();
        let mut total = 0i64;
        let mut run = 1i64;
        for w in addrs.windows(2) {
            if w[1] == w[0] + 1 {
                run += 1;
            } else {
                total += (run + line - 1) / line;
                run = 1;
            }
        }
        total += (run + line - 1) / line;
        total as f64
    };
    let tensor_tile = |state: &[i64], t: usize| -> Vec<(i64, i64, i64)> {
        let g = |d: Dim| {
            let (s, l) = tile(state, d);
            (s, l, full(d))
        };
        match t {
            0 => {
                let (ys, yl) = rows(tile(state, Dim::YOut), full(Dim::R), space.stride_y);
                let (xs, xl) = rows(tile(state, Dim::XOut), full(Dim::S), space.stride_x);
                let yfull = (full(Dim::YOut) - 1) * space.stride_y + full(Dim::R);
                let xfull = (full(Dim::XOut) - 1) * space.stride_x + full(Dim::S);
                vec![
                    g(Dim::N),
                    g(Dim::G),
                    g(Dim::C),
                    (ys, yl, yfull),
                    (xs, xl, xfull),
                ]
            }
            1 => vec![g(Dim::G), g(Dim::K), g(Dim::C), g(Dim::R), g(Dim::S)],
            _ => {
                let ch = if dw { Dim::C } else { Dim::K };
                vec![g(Dim::N), g(Dim::G), g(ch), g(Dim::YOut), g(Dim::XOut)]
            }
        }
    };
    let mut state = vec![0i64; space.dims.len()];
    let mut current: [Option<Vec<(i64, i64, i64)>>; 3] = [None, None, None];
    let mut seen_outputs: Vec<Vec<(i64, i64, i64)>> = Vec::new();
    let mut total = 0.0;
    loop {
        for (t, cur) in current.iter_mut().enumerate() {
            let now = tensor_tile(&state, t);
            if cur.as_ref() != Some(&now) {
                let lines = lines_of(&now);
                if t == 2 {
                    // Write the tile left behind; read back a revisited one.
                    if cur.is_some() {
                        total += lines;
                    }
                    if seen_outputs.contains(&now) {
                        total += lines;
                    } else {
                        seen_outputs.push(now.clone());
                    }
                } else {
                    total += lines;
                }
                *cur = Some(now);
            }
        }
        // Advance the odometer, innermost loop of `order` fastest.
        let mut k = order.len();
        loop {
            if k == 0 {
                // The last output tile is written back at the end.
                return total + current[2].as_ref().map_or(0.0, |t| lines_of(t));
            }
            k -= 1;
            let i = order[k];
            state[i] += 1;
            if state[i] < iters[i] {
                break;
            }
            state[i] = 0;
        }
    }
}

/// The decoupled search on small layers against the optimum of the joint space, found by
/// enumerating it (`exhaustive`). Stdlib seeds are off so both search the same space.
///
/// The bound: the decoupled search spends 400 evaluations where these joint spaces (every tile
/// size, edge tiles and partial filters included) have 1.2·10⁵–1.8·10⁵ points (under 0.4 %),
/// and commits to the DB model's top-k L2 tilings before any cost-model evaluation, so it is
/// not exact. Measured over seeds 0–2 here: 0 % on all three layers (random search at the
/// same budget: up to 22 % off on `a`; the test prints both). The test asserts what it
/// measures: the optimum, on every layer and seed.
#[test]
fn decoupled_gap_to_exhaustive() {
    let p = lower(
        "network n {
            a = conv(K: 8, C: 1, R: 1, S: 1, Y: 12, X: 1);
            b = conv(K: 3, C: 2, R: 3, S: 1, Y: 3, X: 1);
            c = dwconv(C: 4, R: 2, S: 1, Y: 3, X: 1);
        }
        hardware h {
            pes: 8; l1: 16 B; l2: 2 KiB;
            noc { bandwidth: 4 elem/cycle; latency: 1 cycle; }
            dram { bandwidth: 4 B/cycle; }
            precision: int8;
        }",
    );
    let hw = &p.hardware[0];
    for layer in &p.networks[0].layers {
        let opts = SearchOptions {
            include_stdlib: false,
            ..small_opts(400)
        };
        let best = exhaustive::exhaustive_layer(layer, hw, &opts, 200_000)
            .expect("small joint space")
            .expect("some point is valid");
        let gaps = |strategy: Strategy| -> Vec<f64> {
            (0..3)
                .map(|seed| {
                    let o = SearchOptions {
                        strategy,
                        seed,
                        ..opts.clone()
                    };
                    let found = search_layer(layer, hw, &o).expect("a mapping");
                    assert!(found.evaluations <= o.budget);
                    found.objective_value / best.objective_value - 1.0
                })
                .collect()
        };
        let decoupled = gaps(Strategy::Decoupled);
        let random = gaps(Strategy::Random);
        eprintln!(
            "{}: {} joint points, optimum {}; gaps decoupled {decoupled:?}, random {random:?}",
            layer.name, best.points, best.objective_value
        );
        for g in &decoupled {
            assert!(*g >= 0.0, "{}: below the optimum of the space", layer.name);
            assert!(*g <= 1e-12, "{}: gap {g:.4}", layer.name);
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!(mean(&decoupled) <= mean(&random), "{}", layer.name);
    }
}

/// On every stdlib network on edge256, the search *without* the stdlib seeds against the best
/// stdlib dataflow (defaults) per layer, the latter computed independently through `dfc eval`'s
/// path. The search never sees the stdlib dataflows, so the comparison is not true by
/// construction: it counts the layers where the search is better, equal or worse, and bounds
/// the network totals.
#[test]
fn search_without_seeds_against_stdlib_dataflows() {
    let networks: Vec<&str> = ir::stdlib_files()
        .iter()
        .filter_map(|(path, _)| path.strip_prefix("networks/")?.strip_suffix(".df"))
        // The digits bench model of `dfc quantize` is not one of the benchmark networks.
        .filter(|name| *name != "digits_cnn")
        .collect();
    assert_eq!(networks.len(), 8, "{networks:?}");
    let dataflows: Vec<String> = seeds::stdlib_dataflows()
        .iter()
        .map(|d| d.name.clone())
        .collect();
    assert_eq!(dataflows.len(), 5, "{dataflows:?}");
    let opts = SearchOptions {
        include_stdlib: false,
        ..small_opts(200)
    };
    let (mut better, mut equal, mut worse, mut unmapped) = (0, 0, 0, 0);
    let (mut searched_total, mut stdlib_total) = (0i64, 0i64);
    for net in &networks {
        let mut text = format!(
            "use std::networks::{net};\nuse std::hardware::edge256;\nuse std::dataflows::{{{}}};\n\
             mapping searched {{ network: {net}; hardware: edge256; dataflow: search; }}\n",
            dataflows.join(", ")
        );
        for df in &dataflows {
            text.push_str(&format!(
                "mapping with_{df} {{ network: {net}; hardware: edge256; dataflow: {df}; }}\n"
            ));
        }
        let p = lower(&text);
        let mapped = map_mapping(&p, MappingId(0), &opts, true);
        let reports: Vec<_> = (1..p.mappings.len())
            .map(|i| evaluate_mapping(&p, MappingId(i as u32), Model::Default).0)
            .collect();
        for (li, layer) in mapped.layers.iter().enumerate() {
            let best_stdlib = reports
                .iter()
                .filter_map(|r| match &r.layers[li].status {
                    LayerStatus::Ok { metrics } => Some(metrics.runtime_cycles),
                    _ => None,
                })
                .min();
            let Some(best_stdlib) = best_stdlib else {
                continue;
            };
            let Some(choice) = layer.choice.as_ref() else {
                eprintln!("{net}/{}: {:?}", layer.layer, layer.error);
                unmapped += 1;
                continue;
            };
            let searched = choice.metrics.runtime_cycles;
            match searched.cmp(&best_stdlib) {
                std::cmp::Ordering::Less => better += 1,
                std::cmp::Ordering::Equal => equal += 1,
                std::cmp::Ordering::Greater => worse += 1,
            }
            searched_total += searched;
            stdlib_total += best_stdlib;
        }
    }
    let ratio = searched_total as f64 / stdlib_total as f64;
    eprintln!(
        "search without seeds vs best stdlib dataflow per layer: {better} better, {equal} equal, \
         {worse} worse, {unmapped} without a mapping that fits; summed runtime ratio {ratio:.3}"
    );
    // Measured: better on 220 of the 221 layers a stdlib dataflow fits, summed runtime 0.704×
    // the best stdlib dataflow's. Worse on AlexNet's `conv1` (449,474 against 445,166 cycles):
    // its 11×11 filter fits edge256's L1 only in partial filter tiles, a corner of the space
    // that 200 evaluations cover thinly (before the space had partial filter tiles, the search
    // found no mapping for it at all).
    assert_eq!((better, equal, worse, unmapped), (220, 0, 1, 0));
    assert!(ratio <= 0.71, "summed runtime ratio {ratio}");
}

/// `map_mapping`'s program prints, re-parses, and evaluates to the reported numbers; shared
/// layers share one dataflow.
#[test]
fn mapped_program_round_trips() {
    let p = lower(
        "network n {
            a = conv(K: 16, C: 8, R: 3, S: 3, Y: 12, X: 12, pad: 1);
            b = conv(K: 16, C: 16, R: 3, S: 3, Y: 12, X: 12, pad: 1);
            c = conv(K: 16, C: 16, R: 3, S: 3, Y: 12, X: 12, pad: 1);
            d = fc(K: 10, C: 64);
        }
        use std::hardware::edge256;
        use std::dataflows::nvdla;
        mapping m { network: n; hardware: edge256; dataflow: search; a: nvdla(c_tile: 8); }",
    );
    let opts = small_opts(150);
    let mapped = map_mapping(&p, MappingId(0), &opts, true);
    assert_eq!(
        mapped.searches, 2,
        "a keeps its dataflow; b and c are searched once"
    );
    assert!(!mapped.layers[0].searched);
    assert_eq!(mapped.layers[2].same_as.as_deref(), Some("b"));
    assert_eq!(mapped.layers[1].dataflow, mapped.layers[2].dataflow);
    let text = ir::emit::emit(&mapped.program);
    let again = lower(&text);
    let (report, diags) = evaluate_mapping(&again, MappingId(0), Model::Default);
    assert!(diags.is_empty(), "{diags:#?}");
    for (layer, r) in mapped.layers.iter().zip(&report.layers) {
        let LayerStatus::Ok { metrics } = &r.status else {
            panic!("{} not evaluated", layer.layer);
        };
        if let Some(choice) = &layer.choice {
            assert_eq!(
                metrics.runtime_cycles, choice.metrics.runtime_cycles,
                "{}",
                layer.layer
            );
            assert_eq!(
                metrics.total_energy, choice.metrics.total_energy,
                "{}",
                layer.layer
            );
            assert_eq!(metrics.num_macs, choice.metrics.num_macs, "{}", layer.layer);
        }
    }
    // Remapping every layer keeps a's existing dataflow as a candidate.
    let all = map_mapping(&p, MappingId(0), &opts, false);
    let a = all.layers[0].choice.as_ref().expect("a searched");
    let (before, _) = evaluate_mapping(&p, MappingId(0), Model::Default);
    let LayerStatus::Ok { metrics } = &before.layers[0].status else {
        panic!("a evaluates");
    };
    assert!(a.metrics.runtime_cycles <= metrics.runtime_cycles);
}

/// Results do not depend on rayon's thread count, and repeat exactly.
#[test]
fn deterministic_across_thread_counts() {
    let p = program_for("alexnet", "edge256");
    let opts = small_opts(120);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        pool.install(|| map_mapping(&p, MappingId(0), &opts, true))
    };
    let one = run(1);
    let two = run(2);
    let three = run(3);
    let key = |m: &MappedProgram| {
        m.layers
            .iter()
            .map(|l| {
                l.choice
                    .as_ref()
                    .map(|c| (c.directives.clone(), c.evaluations))
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&one), key(&two));
    assert_eq!(key(&one), key(&three));
    assert_eq!(ir::emit::emit(&one.program), ir::emit::emit(&two.program));
}

/// Equal budgets are respected by every strategy; the baselines find valid mappings.
#[test]
fn strategies_respect_the_budget() {
    let p = lower("network n { a = conv(K: 32, C: 16, R: 3, S: 3, Y: 16, X: 16); }\nuse std::hardware::edge256;");
    let layer = &p.networks[0].layers[0];
    let hw = &p.hardware[0];
    for strategy in Strategy::ALL {
        for objective in Objective::ALL {
            let opts = SearchOptions {
                strategy,
                objective,
                include_stdlib: false,
                ..small_opts(200)
            };
            let c = search_layer(layer, hw, &opts).expect("a mapping");
            assert!(c.evaluations <= 200, "{strategy:?}: {}", c.evaluations);
            assert!(
                c.evaluations >= 150,
                "{strategy:?} stopped early: {}",
                c.evaluations
            );
            assert_eq!(c.objective_value, objective.value(&c.metrics));
        }
    }
}

/// Chosen mappings for a few layers with a fixed seed.
#[test]
fn chosen_mappings_snapshot() {
    let p = lower(
        "network n {
            conv3x3 = conv(K: 64, C: 64, R: 3, S: 3, Y: 56, X: 56, pad: 1);
            pointwise = pwconv(K: 128, C: 64, Y: 28, X: 28);
            depthwise = dwconv(C: 96, R: 3, S: 3, Y: 28, X: 28, stride: 2, pad: 1);
            classifier = fc(K: 1000, C: 512);
        }
        use std::hardware::edge256;",
    );
    let hw = &p.hardware[0];
    let mut out = String::new();
    for objective in [Objective::Runtime, Objective::Edp] {
        let opts = SearchOptions {
            objective,
            seed: 7,
            ..small_opts(300)
        };
        for layer in &p.networks[0].layers {
            let c = search_layer(layer, hw, &opts).expect("a mapping");
            out.push_str(&format!(
                "{} [{}] runtime {} energy {:.6e} evals {} origin {:?}\n  {}\n",
                layer.name,
                objective.name(),
                c.metrics.runtime_cycles,
                c.metrics.total_energy,
                c.evaluations,
                c.origin,
                dirs_text(&c.directives)
            ));
        }
    }
    insta::assert_snapshot!(out);
}
