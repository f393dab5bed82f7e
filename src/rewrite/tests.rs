//! Rule tests: every rule, applied to mappings of random small layers, keeps (a) the MAC count
//! the cost model (Default model) reports and (b) the output of the reference interpreter on
//! random integer tensors. Plus conversion round trips, reachability goals and a check that
//! the interpreter does catch a wrong nest.

use egg::{RecExpr, Runner};

use super::interp::{self, RefLayer};
use super::*;
use crate::backends::cost::{self, LayerType, Model};
use crate::backends::evaluate;
use crate::ir::{self, ConcreteDirective, Dim, MapKind};
use crate::search::space::LayerSpace;

/// The crate's generator with the draws these tests use.
struct TestRng(crate::util::Rng);

impl TestRng {
    fn new(seed: u64) -> TestRng {
        TestRng(crate::util::Rng::new(seed))
    }

    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        self.0.below(n as usize) as u64
    }

    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
}

/// A random small layer: convolution, grouped convolution or depthwise convolution. Built
/// from `.df` text, so it is exactly what the front end makes of such a layer.
fn random_layer(rng: &mut TestRng) -> ir::Layer {
    let kind = rng.below(4);
    let (r, s) = (rng.range(1, 3), rng.range(1, 3));
    let (sy, sx) = (rng.range(1, 2), rng.range(1, 2));
    let (oy, ox) = (rng.range(1, 4), rng.range(1, 4));
    let n = rng.range(1, 2);
    let (y, x) = ((oy - 1) * sy + r, (ox - 1) * sx + s);
    let common = format!("R: {r}, S: {s}, Y: {y}, X: {x}, stride_y: {sy}, stride_x: {sx}, N: {n}");
    let layer = match kind {
        0 => format!("dwconv(C: {}, {common})", rng.range(2, 4)),
        1 => format!(
            "conv(K: {}, C: {}, groups: 2, {common})",
            2 * rng.range(1, 3),
            2 * rng.range(1, 3)
        ),
        _ => format!(
            "conv(K: {}, C: {}, {common})",
            rng.range(1, 4),
            rng.range(1, 4)
        ),
    };
    let text = format!("network n {{ l = {layer}; }}");
    let (_, program, diags) = ir::lower::lower_text("t.df", &text);
    let mut program = program.unwrap_or_else(|| panic!("{text}: {diags:?}"));
    program.networks.remove(0).layers.remove(0)
}

fn test_hw() -> cost::Hardware {
    cost::Hardware {
        num_pes: 64,
        l1_size: 1 << 20,
        l2_size: 1 << 30,
        noc_bw: 16,
        noc_hops: 1,
        simd_lanes: 1,
        precision_bits: None,
        operand_bits: None,
        energy: None,
        sparse: crate::ir::SparseSupport::DENSE,
    }
}

/// One random layer with its problem, space and interpreter view.
struct Case {
    problem: cost::Problem,
    space: LayerSpace,
    reference: RefLayer,
    input: Vec<i64>,
    weights: Vec<i64>,
    expected: Vec<i64>,
}

impl Case {
    fn new(rng: &mut TestRng) -> Case {
        let layer = random_layer(rng);
        let batch = layer.shape.batch_declared;
        let problem = evaluate::problem(&layer, &[], batch, Model::Default);
        let space =
            LayerSpace::new(&problem, test_hw().num_pes).expect("small layers have a space");
        let reference = RefLayer {
            extents: space.extents,
            stride_y: space.stride_y,
            stride_x: space.stride_x,
            depthwise: space.layer_type == LayerType::Dsconv,
        };
        let mut values =
            |n: usize| -> Vec<i64> { (0..n).map(|_| rng.below(17) as i64 - 8).collect() };
        let input = values(reference.input_len());
        let weights = values(reference.weight_len());
        let expected = interp::reference(&reference, &input, &weights).expect("small layer");
        Case {
            problem,
            space,
            reference,
            input,
            weights,
            expected,
        }
    }

    fn rule_config(&self) -> RuleConfig {
        RuleConfig::new(
            self.space.extents,
            self.space.cluster_sizes.clone(),
            self.space.pes,
        )
    }

    fn analysis(&self) -> MapAnalysis {
        MapAnalysis::new(self.space.extents)
    }

    /// The cost model's MACs for `dirs`, or `None` if it rejects the nest.
    fn model_macs(&self, dirs: &[ConcreteDirective]) -> Option<i64> {
        let mut p = self.problem.clone();
        p.directives = dirs.to_vec();
        cost::evaluate(&p, &test_hw(), Model::Default)
            .ok()
            .map(|m| m.num_macs)
    }

    /// Check (a) and (b) for one mapping; returns whether the cost model accepted it.
    fn check(&self, dirs: &[ConcreteDirective], what: &str) -> bool {
        let out = interp::run(&self.reference, dirs, &self.input, &self.weights)
            .unwrap_or_else(|e| panic!("{what}: interpreter failed on {dirs:?}: {e}"));
        assert_eq!(out, self.expected, "{what}: output differs for {dirs:?}");
        match self.model_macs(dirs) {
            Some(macs) => {
                assert_eq!(
                    macs,
                    self.reference.macs(),
                    "{what}: MAC count differs for {dirs:?}"
                );
                true
            }
            None => false,
        }
    }

    /// A random point of the search space (1–3 levels).
    fn random_mapping(&self, rng: &mut TestRng) -> Vec<ConcreteDirective> {
        let mut srng = crate::search::rng_for_tests(rng.next());
        self.space
            .random_genome(&mut srng, 3)
            .directives(&self.space)
    }
}

/// Terms of `root` drawn uniformly at random (repeats removed), the original first.
fn sample_terms(
    egraph: &MapEGraph,
    root: egg::Id,
    n: usize,
    rng: &mut TestRng,
) -> Vec<Vec<ConcreteDirective>> {
    let mut out: Vec<Vec<ConcreteDirective>> = Vec::new();
    for _ in 0..n {
        let mut pick = |_: egg::Id, nodes: &[MapLang]| rng.below(nodes.len() as u64) as usize;
        let term = extract::sample_term(egraph, root, 512, &mut pick).expect("terms are finite");
        let dirs = from_recexpr(&term).expect("sampled terms are nests");
        if !out.contains(&dirs) {
            out.push(dirs);
        }
    }
    out
}

#[test]
fn conversion_round_trips() {
    let dirs = vec![
        ConcreteDirective::Map {
            kind: MapKind::Spatial,
            size: 1,
            offset: 1,
            dim: Dim::K,
        },
        ConcreteDirective::Map {
            kind: MapKind::Temporal,
            size: 3,
            offset: 1,
            dim: Dim::Y,
        },
        ConcreteDirective::Cluster { size: 16 },
        ConcreteDirective::Map {
            kind: MapKind::Spatial,
            size: 2,
            offset: 2,
            dim: Dim::XOut,
        },
    ];
    let expr = to_recexpr(&dirs);
    assert_eq!(
        expr.to_string(),
        "(spatial K 1 1 (temporal Y 3 1 (cluster 16 (spatial X' 2 2 mac))))"
    );
    assert_eq!(from_recexpr(&expr), Ok(dirs.clone()));
    let parsed: RecExpr<MapLang> = expr.to_string().parse().expect("printed terms parse");
    assert_eq!(from_recexpr(&parsed), Ok(dirs));
    assert_eq!(from_recexpr(&to_recexpr(&[])), Ok(vec![]));
    let bad: RecExpr<MapLang> = "(spatial 3 1 1 mac)".parse().expect("parses");
    assert!(from_recexpr(&bad).is_err());
}

#[test]
fn interpreter_catches_a_wrong_nest() {
    let mut rng = TestRng::new(7);
    let case = loop {
        let c = Case::new(&mut rng);
        if c.space.extents[Dim::K.index()] > 1 {
            break c;
        }
    };
    let k = case.space.extents[Dim::K.index()];
    // Overlapping windows compute some outputs twice.
    let overlapping = [ConcreteDirective::Map {
        kind: MapKind::Temporal,
        size: 2,
        offset: 1,
        dim: Dim::K,
    }];
    let out = interp::run(&case.reference, &overlapping, &case.input, &case.weights).expect("runs");
    assert_ne!(out, case.expected, "k = {k}");
    // Gaps skip outputs.
    let gaps = [ConcreteDirective::Map {
        kind: MapKind::Temporal,
        size: 1,
        offset: 2,
        dim: Dim::K,
    }];
    let out = interp::run(&case.reference, &gaps, &case.input, &case.weights).expect("runs");
    assert_ne!(out, case.expected);
}

/// Every rule, alone, on random layers: each must fire, and every term of the root class
/// keeps the output and the MAC count.
#[test]
fn every_rule_keeps_macs_and_output() {
    let mut rng = TestRng::new(2024);
    let cases: Vec<Case> = (0..12).map(|_| Case::new(&mut rng)).collect();
    let names: Vec<String> = {
        // Rule names of the union of all cases' configurations (tile factors differ).
        let mut n: Vec<String> = cases
            .iter()
            .flat_map(|c| {
                rules(&c.rule_config())
                    .into_iter()
                    .map(|r| r.name.to_string())
            })
            .collect();
        n.sort();
        n.dedup();
        n
    };
    for name in &names {
        let mut fired = 0;
        let mut accepted = 0;
        for (ci, case) in cases.iter().enumerate() {
            let rule: Vec<MapRewrite> = rules(&case.rule_config())
                .into_iter()
                .filter(|r| r.name.as_str() == name)
                .collect();
            if rule.is_empty() {
                continue;
            }
            for _ in 0..3 {
                let start = case.random_mapping(&mut rng);
                let expr = to_recexpr(&start);
                let runner = Runner::<MapLang, MapAnalysis, ()>::new(case.analysis())
                    .with_expr(&expr)
                    .with_iter_limit(1)
                    .with_node_limit(2_000)
                    .run(&rule);
                let root = runner.egraph.find(runner.roots[0]);
                let terms = sample_terms(&runner.egraph, root, 12, &mut rng);
                for dirs in &terms {
                    let what = format!("rule {name}, case {ci}");
                    if case.check(dirs, &what) && *dirs != start {
                        accepted += 1;
                    }
                    if *dirs != start {
                        fired += 1;
                    }
                }
            }
        }
        assert!(fired >= 10, "rule {name} applied only {fired} times");
        // Cluster growth may exceed the PEs on nested clusters (the model then rejects the
        // nest, which is not a MAC change); most rewrites must be accepted.
        assert!(
            accepted * 2 >= fired,
            "rule {name}: the cost model rejected {} of {fired} rewrites",
            fired - accepted
        );
    }
}

/// All rules together for two iterations: every sampled term of the root class is
/// equivalent to the start.
#[test]
fn saturated_classes_are_equivalent() {
    let mut rng = TestRng::new(99);
    let mut checked = 0;
    for ci in 0..16 {
        let case = Case::new(&mut rng);
        let all = rules(&case.rule_config());
        let start = case.random_mapping(&mut rng);
        let (egraph, roots, report) = saturate(
            &[to_recexpr(&start)],
            case.analysis(),
            &all,
            Limits {
                iterations: 2,
                nodes: 5_000,
            },
        );
        assert!(report.egraph_nodes > 0);
        for dirs in sample_terms(&egraph, roots[0], 10, &mut rng) {
            if case.check(&dirs, &format!("case {ci}")) {
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 156, "terms checked");
}

/// The rules also keep the MAC count on the stdlib dataflows (sliding windows included),
/// which the search puts into the e-graph as incumbents.
#[test]
fn rules_keep_macs_on_stdlib_dataflows() {
    let text = "network n { a = conv(K: 16, C: 8, R: 3, S: 3, Y: 10, X: 10); \
                b = conv(K: 8, C: 4, R: 3, S: 3, Y: 11, X: 11, stride: 2); \
                c = dwconv(C: 8, R: 3, S: 3, Y: 8, X: 8); }";
    let (_, program, diags) = ir::lower::lower_text("t.df", text);
    let program = program.unwrap_or_else(|| panic!("{diags:?}"));
    let hw = cost::Hardware {
        num_pes: 256,
        ..test_hw()
    };
    let mut rng = TestRng::new(5);
    let mut checked = 0;
    for layer in &program.networks[0].layers {
        let problem = evaluate::problem(layer, &[], false, Model::Default);
        let space = LayerSpace::new(&problem, hw.num_pes).expect("space");
        let cfg = RuleConfig::new(space.extents, space.cluster_sizes.clone(), space.pes);
        let all = rules(&cfg);
        for seed in crate::search::stdlib_seeds_for_tests(layer) {
            let (egraph, roots, _) = saturate(
                &[to_recexpr(&seed)],
                MapAnalysis::new(space.extents),
                &all,
                Limits {
                    iterations: 2,
                    nodes: 3_000,
                },
            );
            let original = {
                let mut p = problem.clone();
                p.directives = seed.to_vec();
                cost::evaluate(&p, &hw, Model::Default).map(|m| m.num_macs)
            };
            let Ok(original) = original else { continue };
            for dirs in sample_terms(&egraph, roots[0], 6, &mut rng) {
                let mut p = problem.clone();
                p.directives = dirs.to_vec();
                if let Ok(m) = cost::evaluate(&p, &hw, Model::Default) {
                    assert_eq!(m.num_macs, original, "{} on {:?}", layer.name, dirs);
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 73, "terms checked");
}

/// Goal-style: a mapping is reachable from another within a few iterations.
#[test]
fn reachable_mappings() {
    let mut extents = [0i64; NDIMS];
    extents[Dim::K.index()] = 8;
    extents[Dim::C.index()] = 4;
    extents[Dim::XOut.index()] = 6;
    let cfg = RuleConfig::new(extents, vec![2, 4, 8, 16], 16);
    assert_eq!(cfg.tile_factors, vec![2, 3]);
    let goals = [
        // Interchange + spatial/temporal exchange + tile split.
        (
            "(spatial K 8 8 (temporal C 4 4 (temporal X' 6 6 mac)))",
            "(temporal C 4 4 (spatial K 4 4 (temporal X' 6 6 mac)))",
        ),
        (
            "(spatial K 8 8 (temporal C 4 4 mac))",
            "(temporal K 8 8 (spatial C 4 4 mac))",
        ),
        // Tile growth up to the extent, by factors 2 and 3.
        (
            "(spatial X' 1 1 (temporal K 1 1 mac))",
            "(spatial X' 6 6 (temporal K 8 8 mac))",
        ),
        // Cluster resizing along the allowed sizes.
        (
            "(spatial K 8 8 (cluster 2 (spatial C 1 1 mac)))",
            "(spatial K 8 8 (cluster 8 (spatial C 1 1 mac)))",
        ),
    ];
    for (from, to) in goals {
        let from: RecExpr<MapLang> = from.parse().expect("parses");
        let to: RecExpr<MapLang> = to.parse().expect("parses");
        let (egraph, roots, _) = saturate(
            std::slice::from_ref(&from),
            MapAnalysis::new(extents),
            &rules(&cfg),
            Limits {
                iterations: 4,
                nodes: 20_000,
            },
        );
        assert_eq!(
            egraph.lookup_expr(&to).map(|id| egraph.find(id)),
            Some(roots[0]),
            "{to} not reachable from {from}"
        );
    }
    // Never reachable: a tile that does not divide the extent, and a level without a
    // spatial map.
    let from: RecExpr<MapLang> = "(spatial K 8 8 (temporal C 4 4 mac))"
        .parse()
        .expect("parses");
    let (egraph, roots, _) = saturate(
        &[from],
        MapAnalysis::new(extents),
        &rules(&cfg),
        Limits {
            iterations: 6,
            nodes: 20_000,
        },
    );
    for never in [
        "(spatial K 3 3 (temporal C 4 4 mac))",
        "(temporal K 8 8 (temporal C 4 4 mac))",
    ] {
        let never: RecExpr<MapLang> = never.parse().expect("parses");
        let found = egraph.lookup_expr(&never).map(|id| egraph.find(id));
        assert_ne!(found, Some(roots[0]), "{never} must not be reachable");
    }
}

#[test]
fn analysis_records_invariants() {
    let mut extents = [0i64; NDIMS];
    extents[Dim::K.index()] = 4;
    extents[Dim::C.index()] = 2;
    let expr: RecExpr<MapLang> = "(spatial K 2 2 (temporal C 1 1 (cluster 2 (spatial C 1 1 mac))))"
        .parse()
        .expect("parses");
    let mut egraph = MapEGraph::new(MapAnalysis::new(extents));
    let root = egraph.add_expr(&expr);
    let data = egraph[root].data.nest().expect("a nest");
    assert_eq!(
        data.level_dims,
        (1 << Dim::K.index()) | (1 << Dim::C.index())
    );
    assert_eq!(
        (data.level_maps, data.level_spatial, data.levels_below),
        (2, 1, 1)
    );
    assert!(data.tiling);
    assert_eq!(data.macs, Some(8));
    let sliding: RecExpr<MapLang> = "(temporal Y 3 1 mac)".parse().expect("parses");
    let id = egraph.add_expr(&sliding);
    assert!(!egraph[id].data.nest().expect("a nest").tiling);
}
