//! Float products with an unbounded exponent: the state of a product is a pair (m, e)
//! standing for m·2^e, with |m| in [1, 2) (or m zero, infinite or NaN, which then
//! decides the result whatever e is) and e an integer.
//!
//! Each factor multiplies into m, scaled by a power of two that keeps the product
//! normal (`product_step`), and m's exponent then moves into e. A scaling by a power of
//! two is exact, so every multiply rounds exactly as the plain product in the same
//! order would where that one neither overflows nor underflows; and where it would, the
//! product goes on as if the exponent range were unbounded. `product_finish` rounds
//! m·2^e into the float's range once. A product whose exact value is finite is then
//! finite in every order (the plain product of [1e300, 1e300, 1e-300] is inf in order
//! and 1e300 in another), and the partial products of lanes, blocks and chunks cannot
//! overflow to inf, or underflow to 0, where the whole product does not (an inf times
//! a 0 made NaN of a finite product).
//!
//! f64 only (`MathBuilder::BITS` = 64); f32 products multiply in f64.

use super::MathBuilder;

/// Biased exponent fields below this scale up by 2^64 before they multiply (zeros and
/// subnormals among them: a subnormal times 2^64 is normal).
const SMALL_FIELD: i64 = 64;
/// Biased exponent fields above this scale down by 2^-64 (x ≥ 2^960, inf, NaN).
const BIG_FIELD: i64 = 1983;

/// The biased exponent field of `x`, 0..=2047.
fn field<B: MathBuilder>(b: &mut B, bits: B::I) -> B::I {
    let f = b.ushr(bits, 52);
    let mask = b.ci(0x7ff);
    b.iand(f, mask)
}

/// (y, e) with y's exponent moved into e: |y| then in [1, 2); a zero, infinite or NaN
/// y stays as it is. (y normal, or the product's own value.)
pub fn product_renormalise<B: MathBuilder>(b: &mut B, y: B::V, e: B::I) -> (B::V, B::I) {
    let bits = b.to_bits(y);
    let f = field(b, bits);
    let zero_field = b.ci(0);
    let full_field = b.ci(0x7ff);
    let zero = b.ieq(f, zero_field);
    let full = b.ieq(f, full_field);
    let special = b.or(zero, full);
    let keep = b.ci(!(0x7ff_i64 << 52));
    let kept = b.iand(bits, keep);
    let one = b.ci(1023 << 52);
    let m = b.ior(kept, one);
    let m = b.from_bits(m);
    let m = b.select(special, y, m);
    let bias = b.ci(1023);
    let moved = b.isub(f, bias);
    let nothing = b.ci(0);
    let moved = b.select_i(special, nothing, moved);
    (m, b.iadd(e, moved))
}

/// The product (m, e) times the factor `x`.
pub fn product_step<B: MathBuilder>(b: &mut B, m: B::V, e: B::I, x: B::V) -> (B::V, B::I) {
    debug_assert_eq!(B::BITS, 64, "products multiply in f64");
    let bits = b.to_bits(x);
    let f = field(b, bits);
    let small_field = b.ci(SMALL_FIELD);
    let big_field = b.ci(BIG_FIELD);
    let small = b.ilt(f, small_field);
    let big = b.ilt(big_field, f);
    let (up, down, same) = (b.c(2f64.powi(64)), b.c(2f64.powi(-64)), b.c(1.0));
    let scale = b.select(big, down, same);
    let scale = b.select(small, up, scale);
    let (minus, plus, none) = (b.ci(-64), b.ci(64), b.ci(0));
    let moved = b.select_i(big, plus, none);
    let moved = b.select_i(small, minus, moved);
    // |m| < 2 and 2^-1010 ≤ |x · scale| < 2^960 (or x is 0, inf or NaN): normal.
    let x = b.mul(x, scale);
    let y = b.mul(m, x);
    let e = b.iadd(e, moved);
    product_renormalise(b, y, e)
}

/// The product of two products whose values m and m2 multiply to a normal number (or
/// a zero, infinity or NaN): renormalised ones, or one renormalised and the other a
/// fast product's partial within 2^±980 of [1, 2) (`FastProducts` in cpu/emit.rs).
pub fn product_join<B: MathBuilder>(
    b: &mut B,
    (m, e): (B::V, B::I),
    (m2, e2): (B::V, B::I),
) -> (B::V, B::I) {
    // |m · m2| in [1, 4): normal.
    let y = b.mul(m, m2);
    let e = b.iadd(e, e2);
    product_renormalise(b, y, e)
}

/// 2^k as a float, for k in [-1022, 1023].
fn power_of_two<B: MathBuilder>(b: &mut B, k: B::I) -> B::V {
    let bias = b.ci(1023);
    let biased = b.iadd(k, bias);
    let bits = b.shl(biased, 52);
    b.from_bits(bits)
}

/// m·2^e rounded to the float once: ±inf beyond the largest float, subnormal or ±0
/// below the smallest normal one. (m need not be renormalised, but must be normal,
/// zero, infinite or NaN: a fast product's partial.)
pub fn product_finish<B: MathBuilder>(b: &mut B, m: B::V, e: B::I) -> B::V {
    let (m, e) = product_renormalise(b, m, e);
    // Beyond these m·2^e is inf (|m| ≥ 1) or below half the smallest subnormal
    // (|m| < 2): clamped, the same.
    let (lowest, highest) = (b.ci(-1076), b.ci(2046));
    let below = b.ilt(e, lowest);
    let e = b.select_i(below, lowest, e);
    let above = b.ilt(highest, e);
    let e = b.select_i(above, highest, e);
    // m·2^e = (m·2^first)·2^s: the first multiply is exact (its result normal), the
    // second rounds once. Normal results: first = e (up to 1023, the rest in s, where
    // it overflows); subnormal ones: first = e + 54, s = -54.
    let (normal_low, top, none) = (b.ci(-1022), b.ci(1023), b.ci(0));
    let subnormal = b.ilt(e, normal_low);
    let over = b.ilt(top, e);
    let excess = b.isub(e, top);
    let s = b.select_i(over, excess, none);
    let down = b.ci(-54);
    let s = b.select_i(subnormal, down, s);
    let first = b.isub(e, s);
    let p = power_of_two(b, first);
    let q = power_of_two(b, s);
    let y = b.mul(m, p);
    b.mul(y, q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::scalar::Eval64;

    fn product(xs: &[f64]) -> f64 {
        let b = &mut Eval64;
        let (m, e) = xs
            .iter()
            .fold((1.0, 0), |(m, e), &x| product_step(b, m, e, x));
        product_finish(b, m, e)
    }

    /// 2^k exactly, for any k the product tests need.
    fn two(k: i32) -> f64 {
        2f64.powi(k)
    }

    #[test]
    fn in_range_products_are_the_plain_ones_bit_for_bit() {
        // The same multiplies in the same order: where nothing overflows or
        // underflows, every rounding is the plain product's.
        let mut s = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..2000 {
            let xs: Vec<f64> = (0..17)
                .map(|_| {
                    s = s
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let u = (s >> 11) as f64 / (1u64 << 53) as f64;
                    (u - 0.4) * 37.0
                })
                .collect();
            let plain = xs.iter().product::<f64>();
            assert_eq!(product(&xs).to_bits(), plain.to_bits(), "{xs:?}");
        }
    }

    #[test]
    fn products_do_not_overflow_or_underflow_on_the_way() {
        // In order, each of these overflows (or underflows) before the factor that
        // brings it back.
        // The reference multiplies the same factors in the same order, each scaled
        // by a power of two that keeps every partial product in range, then scales
        // back (exactly: the result is normal).
        let reference = |xs: &[f64], ks: &[i32]| {
            let p = xs.iter().zip(ks).fold(1.0, |p, (&x, &k)| p * (x * two(k)));
            let k: i32 = ks.iter().sum();
            p * two(-k / 2) * two(-k + k / 2)
        };
        let cases: [(&[f64], &[i32]); 4] = [
            (&[1e300, 1e300, 1e-300], &[-997, -997, 997]),
            (&[-1e300, 1e300, 1e-300, 1e-300], &[-997, -997, 997, 997]),
            (&[1e-300, 1e-300, 1e300], &[997, 997, -997]),
            (
                &[1e308, 1e308, 1e-308, 3.0, 1e-300],
                &[-1000, -1000, 1000, 0, 990],
            ),
        ];
        for (xs, ks) in cases {
            let (got, want) = (product(xs), reference(xs, ks));
            assert_eq!(
                got.to_bits(),
                want.to_bits(),
                "{xs:?}: {got:e} against {want:e}"
            );
        }
        assert!(product(&[1e300, 1e300, 1e-300]) > 0.99e300);
        assert_eq!(product(&[f64::MAX, 4.0, 0.25]), f64::MAX);
        // A subnormal factor keeps its bits: 2^-1074 · 2^1074 is 1.
        assert_eq!(product(&[two(-1074), two(1000), two(74)]), 1.0);
        assert_eq!(product(&[3.0 * two(-1074), 1.5 * two(1000), two(74)]), 4.5);
        // The product of [MAX, 0] is 0 and of [inf, 1e-300, 0] NaN, as in order.
        assert_eq!(product(&[f64::MAX, f64::MAX, 0.0]), 0.0);
        assert!(product(&[f64::INFINITY, 1e-300, 0.0]).is_nan());
        assert!(product(&[1.0, f64::NAN, 1e300]).is_nan());
        assert_eq!(
            product(&[-0.0, 1e300, 1e300]).to_bits(),
            (-0.0f64).to_bits()
        );
        assert_eq!(product(&[-1e300, f64::INFINITY]), f64::NEG_INFINITY);
        assert_eq!(product(&[]), 1.0);
    }

    #[test]
    fn the_result_rounds_once_into_range() {
        assert_eq!(product(&[1e300, 1e300]), f64::INFINITY);
        assert_eq!(product(&[-1e300, 1e300]), f64::NEG_INFINITY);
        assert_eq!(product(&[f64::MAX, 1.0]), f64::MAX);
        assert_eq!(product(&[1e-300, 1e-300]), 0.0);
        assert_eq!(product(&[-1e-300, 1e-300]).to_bits(), (-0.0f64).to_bits());
        // Subnormal results: one rounding. 3·2^-1076 is 0.75 of the smallest
        // subnormal: rounds to it; 2^-1075 is half of it: ties to even, 0.
        assert_eq!(product(&[3.0 * two(-538), two(-538)]), two(-1074));
        assert_eq!(product(&[two(-537), two(-538)]), 0.0);
        assert_eq!(product(&[1.5 * two(-537), two(-537)]), 2.0 * two(-1074));
        // (1 + 2^-52) · 2^-1030 keeps only 44 of its 53 bits: rounds to 2^-1030.
        let x = f64::from_bits(1.0f64.to_bits() + 1);
        assert_eq!(product(&[x * two(-515), two(-515)]), two(-1030));
        // A state whose value is not renormalised (a fast product's partial).
        let b = &mut Eval64;
        assert_eq!(product_finish(b, two(700), -1500), two(-800));
        assert_eq!(product_finish(b, -two(-700), 1500), -two(800));
        assert_eq!(product_finish(b, 1.5 * two(900), -1972), 1.5 * two(-1072));
        // The largest finite product, and the first beyond it.
        assert_eq!(product(&[f64::MAX / 2.0, 2.0]), f64::MAX);
        assert_eq!(product(&[f64::MAX, 1.0 + f64::EPSILON]), f64::INFINITY);
    }

    #[test]
    fn joined_products_are_products_of_all_factors() {
        let b = &mut Eval64;
        let left = [1e200, 1e200, 3.0];
        let right = [1e-200, 1e-190, 7.0];
        let part = |b: &mut Eval64, xs: &[f64]| {
            xs.iter()
                .fold((1.0, 0), |(m, e), &x| product_step(b, m, e, x))
        };
        let (l, r) = (part(b, &left), part(b, &right));
        let (m, e) = product_join(b, l, r);
        let expected = (1e200 * 1e-200) * (1e200 * 1e-190) * 21.0;
        let got = product_finish(b, m, e);
        assert!(
            (got - expected).abs() <= 4.0 * f64::EPSILON * expected,
            "{got} {expected}"
        );
    }
}
