//! The Mersenne Twister MT19937 and numpy's legacy bounded integers, as SCALE-Sim's optimized
//! sparse mapping draws them (`np.random.seed(s)` then `np.random.randint(low, high)`); see
//! `docs/semantics/scalesim.md`, "N:M sparsity". Reproduced from the published algorithm
//! descriptions (Matsumoto and Nishimura's generator; numpy's masked rejection sampling),
//! only to match SCALE-Sim: dfc's own randomness is `util::Rng`.

const N: usize = 624;
const M: usize = 397;

/// MT19937 state.
pub(crate) struct Mt19937 {
    state: [u32; N],
    index: usize,
}

impl Mt19937 {
    /// The generator seeded with one 32-bit integer (Knuth's linear recurrence fills the
    /// state), as `np.random.seed(seed)` does for an integer seed.
    pub(crate) fn new(seed: u32) -> Mt19937 {
        let mut state = [0u32; N];
        state[0] = seed;
        for i in 1..N {
            let prev = state[i - 1];
            state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        Mt19937 { state, index: N }
    }

    /// Regenerates the whole state (the twist).
    fn twist(&mut self) {
        for i in 0..N {
            let y = (self.state[i] & 0x8000_0000) | (self.state[(i + 1) % N] & 0x7fff_ffff);
            let mut next = self.state[(i + M) % N] ^ (y >> 1);
            if y & 1 == 1 {
                next ^= 0x9908_b0df;
            }
            self.state[i] = next;
        }
        self.index = 0;
    }

    /// The next 32-bit output (tempered).
    pub(crate) fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            self.twist();
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// numpy's legacy `randint(low, high)` for a span below 2^32: draws 32-bit outputs masked
    /// to the smallest all-ones mask covering `high − 1 − low` until one is within it; a span
    /// of one value draws nothing.
    pub(crate) fn randint(&mut self, low: i64, high: i64) -> i64 {
        let span = (high - 1 - low) as u32;
        if span == 0 {
            return low;
        }
        let mask = u32::MAX >> span.leading_zeros();
        loop {
            let value = self.next_u32() & mask;
            if value <= span {
                return low + value as i64;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Mt19937;

    #[test]
    fn published_outputs_for_seed_5489() {
        let mut g = Mt19937::new(5489);
        let first: Vec<u32> = (0..3).map(|_| g.next_u32()).collect();
        assert_eq!(first, vec![3_499_211_612, 581_869_302, 3_890_346_734]);
    }

    #[test]
    fn numpy_legacy_randint() {
        // `np.random.seed(40); [np.random.randint(1, 5) for _ in range(12)]` (numpy 2.3).
        let mut g = Mt19937::new(40);
        let v: Vec<i64> = (0..12).map(|_| g.randint(1, 5)).collect();
        assert_eq!(v, vec![3, 4, 4, 2, 1, 1, 3, 2, 1, 4, 3, 4]);
        let mut g = Mt19937::new(7);
        let v: Vec<i64> = (0..12).map(|_| g.randint(1, 9)).collect();
        assert_eq!(v, vec![8, 5, 2, 7, 4, 4, 8, 8, 5, 2, 7, 8]);
        // A one-value span consumes nothing.
        let mut g = Mt19937::new(0);
        assert_eq!((0..3).map(|_| g.randint(1, 2)).sum::<i64>(), 3);
        assert_eq!(g.randint(1, 3), Mt19937::new(0).randint(1, 3));
    }
}
