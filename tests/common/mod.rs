//! Helpers shared by test binaries (`mod common;`); each binary uses some of them.
#![allow(dead_code)]

/// `n` values in [-0.7, 1.3) from SplitMix64 seeded with `seed`: reproducible test data
/// that does not depend on a crate's generator staying the same across versions.
pub fn data(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 0.7
        })
        .collect()
}

/// SplitMix64 as a small, seedable generator for random tests (a crate's stream could
/// change across versions, and seeds in the docs would then find other cases).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n (0 for n = 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// True with probability p.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64) < p
    }
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

/// The bits of a computed array, one i128 per element (complex: the real parts, then
/// the imaginary ones), read through bool, u64, i64 or f64; with `same_nans` every NaN
/// reads as -1 (NaN signs and payloads are unspecified).
pub fn bits(a: &kiln::Array, same_nans: bool) -> kiln::Result<Vec<i128>> {
    use kiln::{DType, Mode};
    let d = a.dtype();
    if d.is_complex() {
        let mut re = bits(&kiln::real(a)?.compute_with(Mode::Interpreter)?, same_nans)?;
        re.extend(bits(
            &kiln::imag(a)?.compute_with(Mode::Interpreter)?,
            same_nans,
        )?);
        return Ok(re);
    }
    Ok(if d == DType::Bool {
        a.to_vec::<bool>()?.into_iter().map(i128::from).collect()
    } else if d == DType::U64 {
        a.to_vec::<u64>()?.into_iter().map(i128::from).collect()
    } else if !d.is_floating() {
        kiln::astype(a, DType::I64)?
            .compute_with(Mode::Interpreter)?
            .to_vec::<i64>()?
            .into_iter()
            .map(i128::from)
            .collect()
    } else {
        kiln::astype(a, DType::F64)?
            .compute_with(Mode::Interpreter)?
            .to_vec::<f64>()?
            .into_iter()
            .map(|x| match x.is_nan() && same_nans {
                true => -1,
                false => x.to_bits() as i128,
            })
            .collect()
    })
}

/// Rayon pools of these many threads each (bits that must not depend on the count).
pub fn pools(threads: &[usize]) -> Vec<rayon::ThreadPool> {
    threads
        .iter()
        .map(|&t| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
        })
        .collect()
}
