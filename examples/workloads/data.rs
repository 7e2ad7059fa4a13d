//! Deterministic input data for the workloads, reproducible outside Rust.
//!
//! The generator is SplitMix64 (Steele, Lea & Flood 2014), started at `state = seed`.
//! Each draw is
//!
//! ```text
//! state = state + 0x9E3779B97F4A7C15            (mod 2^64)
//! z = state
//! z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9      (mod 2^64)
//! z = (z ^ (z >> 27)) * 0x94D049BB133111EB      (mod 2^64)
//! z = z ^ (z >> 31)
//! u = (z >> 11) * 2^-53                         (uniform in [0, 1), exact in f64)
//! value = lo + (hi - lo) * u                    (f64 arithmetic, in that order)
//! ```
//!
//! so a few lines of Python reproduce any stream bit for bit:
//!
//! ```python
//! def uniform(n, seed, lo, hi):
//!     m, s, out = (1 << 64) - 1, seed, []
//!     for _ in range(n):
//!         s = (s + 0x9E3779B97F4A7C15) & m
//!         z = ((s ^ (s >> 30)) * 0xBF58476D1CE4E5B9) & m
//!         z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
//!         z ^= z >> 31
//!         out.append(lo + (hi - lo) * ((z >> 11) * 2.0**-53))
//!     return out
//! ```

/// SplitMix64's increment (the golden ratio in 64 bits).
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// 2^-53: scales the top 53 bits of a draw into [0, 1).
const TWO_POW_MINUS_53: f64 = 1.0 / (1u64 << 53) as f64;

/// The next 64 random bits of the SplitMix64 stream whose state is `state`.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(GAMMA);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `n` values uniform in `[lo, hi)` from the SplitMix64 stream of `seed` (one
/// independent stream per seed; the same seed always gives the same values).
pub fn uniform(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f64> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            let u = (splitmix64(&mut state) >> 11) as f64 * TWO_POW_MINUS_53;
            lo + (hi - lo) * u
        })
        .collect()
}
