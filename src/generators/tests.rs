//! The bit-width space, the exact front, the pairs parser, the GAN's determinism and
//! conditioning, and the baselines' budgets.

use super::baselines::{self, Trial};
use super::gan::{Gan, GanOptions};
use super::pairs_file;
use super::quantize::predict;
use super::space::{optimal_cost, pareto_front, size_bits, FrontPoint, Pair, Space};
use crate::diagnostics::Code;
use crate::nn::quant::Bits;
use crate::source::SourceMap;
use crate::util::Rng;

fn b(w: u32, a: u32) -> Bits {
    Bits { w, a }
}

#[test]
fn levels_encode_and_decode_round_trip() {
    let space = Space {
        depth: 3,
        activations: true,
    };
    let config = vec![b(2, 8), b(5, 3), b(8, 8)];
    assert_eq!(space.levels(&config), vec![0, 6, 3, 1, 6, 6]);
    assert_eq!(space.config(&space.levels(&config)), config);
    let one_hot = space.encode(&config);
    assert_eq!(one_hot.len(), 42);
    assert_eq!(one_hot.iter().filter(|&&v| v == 1.0).count(), 6);
    let mut rng = Rng::new(3);
    for _ in 0..100 {
        let c = space.sample(&mut rng);
        assert_eq!(space.config(&space.levels(&c)), c);
    }
}

#[test]
fn the_weight_only_space_is_complete_and_in_counting_order() {
    let all = Space::all_weight_only(2);
    assert_eq!(all.len(), 49);
    assert_eq!(all[0], vec![b(2, 8), b(2, 8)]);
    assert_eq!(all[1], vec![b(3, 8), b(2, 8)]);
    assert_eq!(all[48], vec![b(8, 8), b(8, 8)]);
    let mut sorted = all.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 49);
    assert_eq!(size_bits(&all[48], &[10, 3]), 104);
}

#[test]
fn pareto_front_keeps_exactly_the_non_dominated_points() {
    let p = |accuracy, cost| FrontPoint {
        bits: vec![],
        accuracy,
        cost,
    };
    let points = vec![
        p(0.5, 10.0),
        p(0.9, 30.0),
        p(0.7, 20.0),
        p(0.6, 25.0),
        p(0.9, 40.0),
    ];
    let front = pareto_front(&points);
    let got: Vec<(f64, f64)> = front.iter().map(|f| (f.accuracy, f.cost)).collect();
    assert_eq!(got, vec![(0.5, 10.0), (0.7, 20.0), (0.9, 30.0)]);
    assert_eq!(optimal_cost(&points, 0.65), Some(20.0));
    assert_eq!(optimal_cost(&points, 0.95), None);
}

#[test]
fn pairs_files_parse_and_faults_point_at_their_field() {
    let layers = vec!["conv1".to_string(), "fc".to_string()];
    let mut sources = SourceMap::new();
    let text = "conv1,fc.w,fc.a,accuracy\n4,3,8,0.91\n\n8, 8 ,8,0.97\n";
    let file = sources.add("p.csv", text);
    let pairs = pairs_file::parse(file, text, &layers).expect("parses");
    assert_eq!(
        pairs,
        vec![
            Pair {
                bits: vec![b(4, 4), b(3, 8)],
                accuracy: 0.91
            },
            Pair {
                bits: vec![b(8, 8), b(8, 8)],
                accuracy: 0.97
            },
        ]
    );
    let faults = [
        ("conv1,fc,acc\n", Code::PairsUnknownLayer, 1),
        ("conv1,fc.w,accuracy\n4,4,0.9\n", Code::PairsMissingLayer, 1),
        (
            "conv1,fc,accuracy\n4,4,0.9\n4,x,0.9\n",
            Code::PairsNotANumber,
            3,
        ),
        (
            "conv1,fc,accuracy\n4,4,0.9\n4,4,1.5\n",
            Code::PairsBadValue,
            3,
        ),
        ("conv1,fc,accuracy\n4,4.5,0.9\n", Code::PairsBadValue, 2),
        ("conv1,fc,accuracy\n4,4\n", Code::PairsBadValue, 2),
        ("conv1,fc,accuracy\n", Code::PairsEmpty, 1),
    ];
    for (text, code, line) in faults {
        let file = sources.add("bad.csv", text);
        let errors = pairs_file::parse(file, text, &layers).expect_err(text);
        let first = &errors[0];
        assert_eq!(first.code, code, "{text}");
        let span = first.primary_span().expect("located");
        assert_eq!(
            sources.file(file).line_col(span.start as usize).line,
            line,
            "{text}"
        );
    }
    let empty = sources.add("empty.csv", "");
    assert_eq!(
        pairs_file::parse(empty, "", &layers).unwrap_err()[0].code,
        Code::PairsEmpty
    );
}

/// Pairs of a two-layer toy whose accuracy is the mean width scaled into 0.3..0.98.
fn toy_pairs(n: usize) -> (Space, Vec<Pair>) {
    let space = Space {
        depth: 2,
        activations: false,
    };
    let mut rng = Rng::new(7);
    let pairs = (0..n)
        .map(|_| {
            let bits = space.sample(&mut rng);
            let mean = bits.iter().map(|x| f64::from(x.w)).sum::<f64>() / 2.0;
            Pair {
                accuracy: 0.3 + (mean - 2.0) / 6.0 * 0.68,
                bits,
            }
        })
        .collect();
    (space, pairs)
}

#[test]
fn the_gan_is_deterministic_per_seed_and_follows_its_condition() {
    let (space, pairs) = toy_pairs(400);
    // Small and short: a debug build trains it twice in a few seconds.
    let opts = GanOptions {
        steps: 300,
        batch: 32,
        hidden: 32,
        noise: 8,
        ..GanOptions::default()
    };
    let gan = Gan::train(space, &pairs, opts, 1);
    let again = Gan::train(space, &pairs, opts, 1);
    let draw = |g: &Gan, t| g.sample(t, 64, &mut Rng::new(5));
    assert_eq!(draw(&gan, 0.5), draw(&again, 0.5));
    let mean_bits = |configs: Vec<Vec<Bits>>| {
        let n = configs.len() as f64 * 2.0;
        configs
            .iter()
            .flatten()
            .map(|x| f64::from(x.w))
            .sum::<f64>()
            / n
    };
    let (low, high) = (mean_bits(draw(&gan, 0.4)), mean_bits(draw(&gan, 0.95)));
    assert!(
        high > low + 1.0,
        "mean width {low:.2} at 0.4, {high:.2} at 0.95"
    );
}

#[test]
fn baselines_spend_their_budget_and_find_the_cheapest_feasible() {
    let (space, pairs) = toy_pairs(200);
    let mut eval = |bits: &[Bits]| {
        (
            predict(space, &pairs, bits),
            size_bits(bits, &[10, 10]) as f64,
        )
    };
    let mut rng = Rng::new(2);
    let uniform = baselines::uniform(space, &mut eval);
    assert_eq!(uniform.len(), 7);
    let random = baselines::random(space, 30, &mut rng, &mut eval);
    assert_eq!(random.len(), 30);
    let rl = baselines::reinforce(space, 0.7, 45, 160.0, &mut rng, &mut eval);
    assert_eq!(rl.len(), 45);
    let t = |accuracy, cost| Trial {
        bits: vec![],
        accuracy,
        cost,
    };
    let trials = vec![t(0.9, 50.0), t(0.6, 10.0), t(0.8, 40.0), t(0.85, 40.0)];
    assert_eq!(
        baselines::cheapest_feasible(&trials, 0.75).map(|t| t.accuracy),
        Some(0.8)
    );
    assert_eq!(baselines::cheapest_feasible(&trials, 0.95), None);
    assert_eq!(
        baselines::evaluations_to_reach(&trials, 0.75, 40.0, 0.01),
        Some(3)
    );
    assert_eq!(
        baselines::evaluations_to_reach(&trials, 0.75, 30.0, 0.01),
        None
    );
}
