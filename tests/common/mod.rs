//! Helpers shared by test binaries (`mod common;`).

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
