//! Real data that ships inside a crate: scikit-learn's 8×8 handwritten digits (1,797 images,
//! 10 classes, pixel values 0..16) from `smartcore`, with a fixed seeded train/test split.

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
    let b = Array2::from_shape_fn((rows.len(), x.ncols()), |(i, j)| x[[rows[i], j]]);
    (b, rows.iter().map(|&r| y[r]).collect())
}
