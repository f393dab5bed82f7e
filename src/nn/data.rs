//! Real data that ships inside a crate, from `smartcore`, each with a fixed seeded train/test
//! split: scikit-learn's 8×8 handwritten digits (1,797 images, 10 classes, pixel values
//! 0..16), the Wisconsin breast-cancer set (569 tumours, 30 features, malignant or benign) and
//! the diabetes set (442 patients, 10 features, a disease-progression score to regress).

use crate::util::Rng;
use ndarray::Array2;

/// Images in the test part of every split (the rest, 1,437, train).
pub const DIGITS_TEST: usize = 360;

/// A labelled train/test split; features scaled to [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    pub train_x: Array2<f32>,
    pub train_y: Vec<usize>,
    pub test_x: Array2<f32>,
    pub test_y: Vec<usize>,
}

/// The digits, shuffled with `seed`: the first `DIGITS_TEST` test, the rest train.
pub fn digits(seed: u64) -> Split {
    let set = smartcore::dataset::digits::load_dataset();
    let features = set.num_features;
    let mut order: Vec<usize> = (0..set.num_samples).collect();
    Rng::new(seed).shuffle(&mut order);
    let take = |rows: &[usize]| {
        let x = Array2::from_shape_fn((rows.len(), features), |(i, j)| {
            set.data[rows[i] * features + j] / 16.0
        });
        let y = rows.iter().map(|&r| set.target[r] as usize).collect();
        (x, y)
    };
    let (test_x, test_y) = take(&order[..DIGITS_TEST]);
    let (train_x, train_y) = take(&order[DIGITS_TEST..]);
    Split {
        train_x,
        train_y,
        test_x,
        test_y,
    }
}

/// The rows `rows` of `x` and their labels.
pub fn batch(x: &Array2<f32>, y: &[usize], rows: &[usize]) -> (Array2<f32>, Vec<usize>) {
    (self::rows(x, rows), rows.iter().map(|&r| y[r]).collect())
}

/// A regression split: targets are real numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct RegressionSplit {
    pub train_x: Array2<f32>,
    pub train_y: Vec<f32>,
    pub test_x: Array2<f32>,
    pub test_y: Vec<f32>,
}

/// Tumours in the test part of the breast-cancer split (the rest, 455, train).
pub const BREAST_CANCER_TEST: usize = 114;
/// Patients in the test part of the diabetes split (the rest, 354, train).
pub const DIABETES_TEST: usize = 88;

/// Rows of `data` (row-major, `features` wide) in `order`, each feature standardised with the
/// mean and standard deviation of the rows `order[test..]` (the training part), so nothing of
/// the test part leaks into the scaling.
fn standardised(data: &[f32], features: usize, order: &[usize], test: usize) -> Array2<f32> {
    let train = &order[test..];
    let mut mean = vec![0.0f64; features];
    let mut var = vec![0.0f64; features];
    for &r in train {
        for (j, m) in mean.iter_mut().enumerate() {
            *m += f64::from(data[r * features + j]);
        }
    }
    let n = train.len().max(1) as f64;
    mean.iter_mut().for_each(|m| *m /= n);
    for &r in train {
        for (j, v) in var.iter_mut().enumerate() {
            *v += (f64::from(data[r * features + j]) - mean[j]).powi(2);
        }
    }
    let sd: Vec<f64> = var.iter().map(|v| (v / n).sqrt().max(1e-12)).collect();
    Array2::from_shape_fn((order.len(), features), |(i, j)| {
        ((f64::from(data[order[i] * features + j]) - mean[j]) / sd[j]) as f32
    })
}

/// The first `test` rows of `all` (test), and the rest (train).
fn cut(all: Array2<f32>, test: usize) -> (Array2<f32>, Array2<f32>) {
    let (test_x, train_x) = all.view().split_at(ndarray::Axis(0), test);
    (test_x.to_owned(), train_x.to_owned())
}

/// The breast-cancer set shuffled with `seed`: the first `BREAST_CANCER_TEST` test, the rest
/// train; features standardised on the training part; labels 0 or 1 as `smartcore` codes
/// them.
pub fn breast_cancer(seed: u64) -> Split {
    let set = smartcore::dataset::breast_cancer::load_dataset();
    let mut order: Vec<usize> = (0..set.num_samples).collect();
    Rng::new(seed).shuffle(&mut order);
    let all = standardised(&set.data, set.num_features, &order, BREAST_CANCER_TEST);
    let (test_x, train_x) = cut(all, BREAST_CANCER_TEST);
    let labels: Vec<usize> = order.iter().map(|&r| set.target[r] as usize).collect();
    Split {
        train_x,
        train_y: labels[BREAST_CANCER_TEST..].to_vec(),
        test_x,
        test_y: labels[..BREAST_CANCER_TEST].to_vec(),
    }
}

/// The diabetes set shuffled with `seed`: the first `DIABETES_TEST` test, the rest train;
/// features standardised on the training part, targets as given (25..346).
pub fn diabetes(seed: u64) -> RegressionSplit {
    let set = smartcore::dataset::diabetes::load_dataset();
    let mut order: Vec<usize> = (0..set.num_samples).collect();
    Rng::new(seed).shuffle(&mut order);
    let all = standardised(&set.data, set.num_features, &order, DIABETES_TEST);
    let (test_x, train_x) = cut(all, DIABETES_TEST);
    let targets: Vec<f32> = order.iter().map(|&r| set.target[r] as f32).collect();
    RegressionSplit {
        train_x,
        train_y: targets[DIABETES_TEST..].to_vec(),
        test_x,
        test_y: targets[..DIABETES_TEST].to_vec(),
    }
}

/// The rows `rows` of `x`.
pub fn rows(x: &Array2<f32>, rows: &[usize]) -> Array2<f32> {
    Array2::from_shape_fn((rows.len(), x.ncols()), |(i, j)| x[[rows[i], j]])
}
