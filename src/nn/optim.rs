//! Optimisers over the flat parameter tensors of `Network::params_mut`.

/// Plain stochastic gradient descent.
#[derive(Debug, Clone)]
pub struct Sgd {
    pub lr: f32,
}

impl Sgd {
    pub fn step(&self, params: Vec<&mut [f32]>, grads: &[Vec<f32>]) {
        for (p, g) in params.into_iter().zip(grads) {
            for (w, d) in p.iter_mut().zip(g) {
                *w -= self.lr * d;
            }
        }
    }
}

/// Adam (Kingma and Ba), with bias correction.
#[derive(Debug, Clone)]
pub struct Adam {
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    m: Vec<Vec<f32>>,
    v: Vec<Vec<f32>>,
    t: i32,
}

impl Adam {
    pub fn new(lr: f32, beta1: f32, beta2: f32) -> Adam {
        Adam {
            lr,
            beta1,
            beta2,
            eps: 1e-8,
            m: Vec::new(),
            v: Vec::new(),
            t: 0,
        }
    }

    pub fn step(&mut self, params: Vec<&mut [f32]>, grads: &[Vec<f32>]) {
        if self.m.is_empty() {
            self.m = grads.iter().map(|g| vec![0.0; g.len()]).collect();
            self.v = self.m.clone();
        }
        self.t += 1;
        let c1 = 1.0 - self.beta1.powi(self.t);
        let c2 = 1.0 - self.beta2.powi(self.t);
        for (k, (p, g)) in params.into_iter().zip(grads).enumerate() {
            let (m, v) = (&mut self.m[k], &mut self.v[k]);
            for i in 0..p.len() {
                m[i] = self.beta1 * m[i] + (1.0 - self.beta1) * g[i];
                v[i] = self.beta2 * v[i] + (1.0 - self.beta2) * g[i] * g[i];
                p[i] -= self.lr * (m[i] / c1) / ((v[i] / c2).sqrt() + self.eps);
            }
        }
    }
}
