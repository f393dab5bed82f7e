//! Gradient checks by central finite differences, losses, optimisers, the digits split and
//! the quantizer's properties.

use super::evaluator::Evaluator;
use super::quant::{quantize_symmetric, Bits, Quantized};
use super::*;
use crate::util::Rng;

fn random(rows: usize, cols: usize, rng: &mut Rng) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |_| rng.range(-1.0, 1.0) as f32)
}

/// `sum(net(x) ⊙ r)`: a scalar whose output gradient is `r`.
fn projected(net: &Network, x: &Array2<f32>, r: &Array2<f32>) -> f64 {
    (net.predict(x) * r).iter().map(|&v| f64::from(v)).sum()
}

/// Largest relative error between analytic and central-difference gradients, over every
/// parameter and every input value.
fn gradient_error(net: &Network, x: &Array2<f32>, rng: &mut Rng) -> f64 {
    let out = net.predict(x);
    let r = random(out.nrows(), out.ncols(), rng);
    let (_, inputs) = net.forward(x);
    let (grads, gx) = net.backward(&inputs, &r);
    let analytic = Network::flatten_grads(&grads);
    // Small enough that a perturbation rarely crosses a ReLU or max-pool kink, large
    // enough for f32 sums.
    let eps = 1e-3f32;
    let rel = |a: f64, n: f64| (a - n).abs() / (a.abs() + n.abs()).max(1e-2);
    let mut worst = 0.0f64;
    let mut probe = net.clone();
    for (t, tensor) in analytic.iter().enumerate() {
        for (i, &a) in tensor.iter().enumerate() {
            let orig = probe.params_mut()[t][i];
            probe.params_mut()[t][i] = orig + eps;
            let up = projected(&probe, x, &r);
            probe.params_mut()[t][i] = orig - eps;
            let down = projected(&probe, x, &r);
            probe.params_mut()[t][i] = orig;
            let numeric = (up - down) / (2.0 * f64::from(eps));
            worst = worst.max(rel(f64::from(a), numeric));
        }
    }
    for idx in 0..x.len() {
        let (n, j) = (idx / x.ncols(), idx % x.ncols());
        let mut xp = x.clone();
        xp[[n, j]] += eps;
        let up = projected(net, &xp, &r);
        xp[[n, j]] -= 2.0 * eps;
        let down = projected(net, &xp, &r);
        let numeric = (up - down) / (2.0 * f64::from(eps));
        worst = worst.max(rel(f64::from(gx[[n, j]]), numeric));
    }
    worst
}

#[test]
fn dense_and_leaky_relu_gradients_match_finite_differences() {
    let mut rng = Rng::new(1);
    let net = Network {
        layers: vec![
            Layer::Dense(Dense::new(5, 7, &mut rng)),
            Layer::LeakyRelu(0.2),
            Layer::Dense(Dense::new(7, 3, &mut rng)),
        ],
    };
    let x = random(4, 5, &mut rng);
    let err = gradient_error(&net, &x, &mut rng);
    assert!(err < 1e-2, "relative error {err}");
}

#[test]
fn conv_pool_relu_gradients_match_finite_differences() {
    let mut rng = Rng::new(2);
    let g = Geometry {
        channels: 2,
        height: 6,
        width: 6,
    };
    let conv = Conv2d::new(g, 3, 3, &mut rng);
    let conv_out = conv.output();
    let pool = MaxPool2 { input: conv_out };
    let flat = pool.output().size();
    let net = Network {
        layers: vec![
            Layer::Conv2d(conv),
            Layer::Relu,
            Layer::MaxPool2(pool),
            Layer::Flatten,
            Layer::Dense(Dense::new(flat, 2, &mut rng)),
        ],
    };
    let x = random(2, g.size(), &mut rng);
    for net in [
        Network {
            layers: vec![net.layers[0].clone()],
        },
        Network {
            layers: vec![net.layers[2].clone()],
        },
    ] {
        let input = if net.layers.len() == 1 && matches!(net.layers[0], Layer::MaxPool2(_)) {
            // Distinct values 0.01 apart: no perturbation reorders a pooling window.
            let mut values: Vec<f32> = (0..2 * conv_out.size()).map(|i| i as f32 * 0.01).collect();
            rng.shuffle(&mut values);
            Array2::from_shape_vec((2, conv_out.size()), values).unwrap()
        } else {
            random(2, g.size(), &mut rng)
        };
        let err = gradient_error(&net, &input, &mut rng);
        assert!(err < 2e-2, "{:?}: relative error {err}", net.layers[0]);
    }
    let err = gradient_error(&net, &x, &mut rng);
    assert!(err < 2e-2, "relative error {err}");
}

#[test]
fn conv_output_equals_a_direct_loop() {
    let mut rng = Rng::new(3);
    let g = Geometry {
        channels: 2,
        height: 5,
        width: 4,
    };
    let conv = Conv2d::new(g, 3, 3, &mut rng);
    let x = random(1, g.size(), &mut rng);
    let out = conv.forward(&x);
    let o = conv.output();
    assert_eq!((o.channels, o.height, o.width), (3, 3, 2));
    for ch in 0..3 {
        for y in 0..o.height {
            for xx in 0..o.width {
                let mut s = conv.b[ch];
                for c in 0..2 {
                    for ky in 0..3 {
                        for kx in 0..3 {
                            let w = conv.w[[c * 9 + ky * 3 + kx, ch]];
                            s += w * x[[0, c * 20 + (y + ky) * 4 + xx + kx]];
                        }
                    }
                }
                let got = out[[0, ch * 6 + y * 2 + xx]];
                assert!((got - s).abs() < 1e-5, "{got} vs {s}");
            }
        }
    }
}

#[test]
fn loss_gradients_match_finite_differences() {
    let mut rng = Rng::new(4);
    let logits = random(3, 4, &mut rng);
    let labels = [0, 3, 1];
    let (_, g) = loss::softmax_cross_entropy(&logits, &labels);
    let targets = [0.9, 0.0, 1.0];
    let col = random(3, 1, &mut rng);
    let (_, gb) = loss::bce_with_logits(&col, &targets);
    let eps = 1e-3f32;
    for idx in 0..logits.len() {
        let (n, j) = (idx / 4, idx % 4);
        let mut p = logits.clone();
        p[[n, j]] += eps;
        let up = loss::softmax_cross_entropy(&p, &labels).0;
        p[[n, j]] -= 2.0 * eps;
        let down = loss::softmax_cross_entropy(&p, &labels).0;
        assert!(((up - down) / (2.0 * eps) - g[[n, j]]).abs() < 1e-3);
    }
    for n in 0..3 {
        let mut p = col.clone();
        p[[n, 0]] += eps;
        let up = loss::bce_with_logits(&p, &targets).0;
        p[[n, 0]] -= 2.0 * eps;
        let down = loss::bce_with_logits(&p, &targets).0;
        assert!(((up - down) / (2.0 * eps) - gb[[n, 0]]).abs() < 1e-3);
    }
    // A confident right answer costs almost nothing; a confident wrong one a lot.
    let sure = Array2::from_shape_vec((1, 2), vec![20.0, -20.0]).unwrap();
    assert!(loss::softmax_cross_entropy(&sure, &[0]).0 < 1e-6);
    assert!(loss::softmax_cross_entropy(&sure, &[1]).0 > 39.0);
}

#[test]
fn adam_and_sgd_descend_a_quadratic() {
    let mut p = vec![3.0f32, -2.0];
    let mut adam = optim::Adam::new(0.1, 0.9, 0.999);
    let sgd = optim::Sgd { lr: 0.1 };
    for step in 0..300 {
        let grads = vec![p.iter().map(|v| 2.0 * v).collect::<Vec<_>>()];
        if step % 2 == 0 {
            adam.step(vec![&mut p[..]], &grads);
        } else {
            sgd.step(vec![&mut p[..]], &grads);
        }
    }
    assert!(p.iter().all(|v| v.abs() < 1e-2), "{p:?}");
}

#[test]
fn digits_split_is_fixed_and_disjoint() {
    let a = data::digits(0);
    let b = data::digits(0);
    assert_eq!(a, b);
    assert_eq!((a.train_x.nrows(), a.test_x.nrows()), (1437, 360));
    assert_eq!(a.train_x.ncols(), 64);
    assert!(a.train_x.iter().all(|&v| (0.0..=1.0).contains(&v)));
    let mut classes = [0usize; 10];
    for &y in a.train_y.iter().chain(&a.test_y) {
        classes[y] += 1;
    }
    assert_eq!(classes.iter().sum::<usize>(), 1797);
    assert!(
        classes.iter().all(|&c| (174..=183).contains(&c)),
        "{classes:?}"
    );
    assert_ne!(data::digits(1).test_y, a.test_y);
}

#[test]
fn quantizer_codes_are_in_range_and_error_shrinks_with_bits() {
    let mut rng = Rng::new(5);
    let w: Vec<f32> = (0..500).map(|_| rng.range(-0.7, 0.7) as f32).collect();
    let mut last = f32::INFINITY;
    for bits in quant::MIN_BITS..=quant::MAX_BITS {
        let (q, s) = quantize_symmetric(&w, bits);
        let top = ((1 << (bits - 1)) - 1) as f32;
        assert!(q.iter().all(|v| v.abs() <= top && v.fract() == 0.0));
        let err = w
            .iter()
            .zip(&q)
            .map(|(a, b)| (a - b * s).abs())
            .fold(0.0, f32::max);
        assert!(
            err <= s / 2.0 + 1e-6,
            "{bits} bits: {err} > half a step {s}"
        );
        assert!(err < last, "{bits} bits: error {err} not below {last}");
        last = err;
    }
    assert_eq!(quantize_symmetric(&[0.0, 0.0], 4).0, vec![0.0, 0.0]);
}

#[test]
fn quantized_mlp_trains_and_eight_bits_stays_near_float() {
    let split = data::digits(0);
    let mut rng = Rng::new(0);
    let mut net = Network {
        layers: vec![
            Layer::Dense(Dense::new(64, 32, &mut rng)),
            Layer::Relu,
            Layer::Dense(Dense::new(32, 10, &mut rng)),
        ],
    };
    let schedule = train::Schedule {
        epochs: 8,
        batch: 32,
        lr: 1e-2,
    };
    let losses =
        train::fit_classifier(&mut net, &split.train_x, &split.train_y, schedule, &mut rng);
    assert!(losses[7] < losses[0] / 4.0, "{losses:?}");
    let float = accuracy(&net.classify(&split.test_x), &split.test_y);
    assert!(float > 0.93, "float accuracy {float}");
    let q = Quantized::new(&net, &split.train_x);
    assert_eq!(q.depth(), 2);
    assert_eq!(q.weight_counts(), vec![64 * 32, 32 * 10]);
    let at = |w, a| q.accuracy(&split.test_x, &split.test_y, &[Bits { w, a }; 2]);
    let eight = at(8, 8);
    assert!(
        (eight - float).abs() <= 0.01,
        "8-bit {eight} vs float {float}"
    );
    assert!(
        at(2, 2) < eight - 0.2,
        "2-bit {} vs 8-bit {eight}",
        at(2, 2)
    );
    // No configuration means the float network.
    assert_eq!(q.accuracy(&split.test_x, &split.test_y, &[]), float);
}

/// Two small digits CNNs that between them take every path of the evaluator, briefly trained
/// so that bit widths matter. The first: a convolution into max-pool (channel-major output),
/// a convolution into LeakyReLU (signed codes next) and flatten (position-major output read by
/// a dense layer). The second has the bench's shape: a convolution straight into another
/// (position-major input to a convolution).
fn small_cnns(split: &data::Split) -> [Network; 2] {
    let mut rng = Rng::new(3);
    let image = Geometry {
        channels: 1,
        height: 8,
        width: 8,
    };
    let conv1 = Conv2d::new(image, 4, 3, &mut rng);
    let pool = MaxPool2 {
        input: conv1.output(),
    };
    let conv2 = Conv2d::new(pool.output(), 6, 2, &mut rng);
    let flat = conv2.output().size();
    let pooled = Network {
        layers: vec![
            Layer::Conv2d(conv1),
            Layer::Relu,
            Layer::MaxPool2(pool),
            Layer::Conv2d(conv2),
            Layer::LeakyRelu(0.1),
            Layer::Flatten,
            Layer::Dense(Dense::new(flat, 16, &mut rng)),
            Layer::Relu,
            Layer::Dense(Dense::new(16, 10, &mut rng)),
        ],
    };
    let conv1 = Conv2d::new(image, 4, 3, &mut rng);
    let conv2 = Conv2d::new(conv1.output(), 6, 3, &mut rng);
    let flat = conv2.output().size();
    let stacked = Network {
        layers: vec![
            Layer::Conv2d(conv1),
            Layer::Relu,
            Layer::Conv2d(conv2),
            Layer::Relu,
            Layer::Flatten,
            Layer::Dense(Dense::new(flat, 16, &mut rng)),
            Layer::Relu,
            Layer::Dense(Dense::new(16, 10, &mut rng)),
        ],
    };
    let schedule = train::Schedule {
        epochs: 2,
        batch: 32,
        lr: 1e-2,
    };
    [pooled, stacked].map(|mut net| {
        train::fit_classifier(&mut net, &split.train_x, &split.train_y, schedule, &mut rng);
        net
    })
}

#[test]
fn evaluator_outputs_equal_the_reference_bit_for_bit() {
    let split = data::digits(0);
    // A third of the test images keeps the debug build quick.
    let (x, y) = data::batch(&split.test_x, &split.test_y, &(0..120).collect::<Vec<_>>());
    let mut rng = Rng::new(11);
    for net in small_cnns(&split) {
        let q = Quantized::new(&net, &split.train_x);
        let fast = Evaluator::new(&q, &x, &y);
        assert!(fast.exact(), "the fast path applies");
        let mut accuracies = std::collections::BTreeSet::new();
        for _ in 0..150 {
            // Widths 1..=9 also exercise the clamping into 2..=8.
            let bits: Vec<Bits> = (0..q.depth())
                .map(|_| Bits {
                    w: 1 + rng.below(9) as u32,
                    a: 1 + rng.below(9) as u32,
                })
                .collect();
            let reference = q.predict(&x, &bits);
            assert_eq!(fast.outputs(&bits), reference, "{bits:?}");
            let accuracy = fast.accuracy(&bits);
            assert_eq!(accuracy, q.accuracy(&x, &y, &bits));
            accuracies.insert(accuracy.to_bits());
        }
        // The configurations are not all alike: the check compares many distinct accuracies.
        assert!(accuracies.len() > 30, "{} distinct", accuracies.len());
        // A short configuration leaves later layers float, as in the reference.
        let short = [Bits { w: 3, a: 4 }];
        assert_eq!(fast.outputs(&short), q.predict(&x, &short));
    }
}

#[test]
fn inline_codes_equal_the_reference_codes() {
    let mut values = Vec::new();
    // Every half and whole step in the codes' range, and the floats next to each.
    for k in -1100..=1100 {
        let x = k as f32 / 2.0;
        values.extend([x, x.next_up(), x.next_down()]);
    }
    let mut rng = Rng::new(2);
    values.extend((0..100_000).map(|_| rng.range(-600.0, 600.0) as f32));
    values.extend([0.0, -0.0, 1e-30, -1e-30, 2097151.5, -2097151.5, 4194303.0]);
    for &x in &values {
        assert_eq!(
            quant::round_half_away(x).to_bits(),
            x.round().to_bits(),
            "{x}"
        );
    }
    // Far beyond the codes' range: the clamp in `code_inline` keeps values from there.
    values.extend([1e12, -1e12, 3e38, -3e38, 2.0e9, -2.0e9]);
    for (step, lo, top) in [
        (1.0, 0.0, 3.0),
        (0.37, -7.0, 7.0),
        (0.013, 0.0, 255.0),
        (3.1, -127.0, 127.0),
    ] {
        let codes = quant::ActivationCodes { step, lo, top };
        for &x in &values {
            let v = x * step;
            assert_eq!(
                codes.code_inline(v).to_bits(),
                codes.code(v).to_bits(),
                "{v} / {step}"
            );
        }
    }
}
