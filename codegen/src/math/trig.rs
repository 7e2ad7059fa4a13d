//! `sin`, `cos`, `tan`.
//!
//! Argument reduction: q = round(x·2/π) and r = x - q·π/2 computed Cody–Waite style
//! with π/2 split into four parts C1..C4 (each the width's rounding of the remainder,
//! ~4p bits in all). x - q·C1 is exact (fma, |x - q·C1| < 1), q·C2 is split exactly by
//! TwoSum/TwoProd, and the reduced argument is kept as a double-word rh + rl, so the
//! reduction adds well under 0.1 ulp (see docs/accuracy.md for the measured ranges).
//! Then sin(r) = r + r³·S(r²) and cos(r) = 1 - r²/2 + r⁴·C(r²) on |r| <= 0.93 (a
//! little beyond π/4, see below; kiln's own Remez fits: S degree 3/6, C degree 2/5 for
//! f32/f64; the cos summation follows FreeBSD msun's `k_cos.c`), and the quadrant q mod 4 picks and signs them.
//! tan(r) = sin(r)/cos(r) (or -cos/sin in odd quadrants), from the unrounded sin and
//! cos pairs with a compensated division.
//!
//! Accurate range: |x| < 2^21·π/2·0.95 ≈ 3.1e6 for f32 and |x| < 2^50 ≈ 1.1e15 for f64
//! (the quotient q must be an exact integer and x - q·C1 exact). Beyond it the
//! reduction is not performed (no Payne–Hanek: it needs table lookups); the result is
//! then sin/cos/tan of some number in [-π/4, π/4]: finite and in [-1, 1] (tan too), but
//! not an approximation of the true value. NaN and ±inf give NaN. Measured errors
//! (docs/accuracy.md): <= 0.84 ulp within the range, asserted <= 1.

use super::common::*;
use super::MathBuilder;

// sin(r) = r + r^3 S(r^2), |r| <= 0.93 (relative error 2^-35.0 / 2^-64.8). The
// interval exceeds π/4 because q = round(x·2/π) uses a rounded 2/π: for large |x| the
// quotient can be off by one near half-integers, so |r| reaches ~0.91 (f32, at the
// limit 3.1e6) / ~0.86 (f64, at 2^50).
const SIN_32: [f64; 4] = [
    -0.1666666716337204,
    0.00833332259207964,
    -0.00019837416766677052,
    2.7030257570004323e-06,
];
const SIN_64: [f64; 7] = [
    -0.16666666666666666,
    0.00833333333333325,
    -0.00019841269841187805,
    2.755731918548879e-06,
    -2.5052098708024487e-08,
    1.6057704933510183e-10,
    -7.550983840725858e-13,
];
// cos(r) = 1 - r^2/2 + r^4 C(r^2), |r| <= 0.93 (relative error 2^-30.5 / 2^-59.9)
const COS_32: [f64; 3] = [
    0.041666608303785324,
    -0.001388575998134911,
    2.4282884623971768e-05,
];
const COS_64: [f64; 6] = [
    0.04166666666666608,
    -0.0013888888888800453,
    2.4801587251297414e-05,
    -2.755730512093976e-07,
    2.0874664085369404e-09,
    -1.1312943032491472e-11,
];
// π/2 = C1 + C2 + C3 + C4 (+ ~2^-100 / ~2^-218)
const PIO2_32: [f64; 4] = [
    1.5707963705062866,
    -4.371138828673793e-08,
    -1.7151245100058819e-15,
    1.056299898220315e-23,
];
const PIO2_64: [f64; 4] = [
    std::f64::consts::FRAC_PI_2,
    6.123233995736766e-17,
    -1.4973849048591698e-33,
    5.562271104316826e-50,
];
const TWO_OVER_PI_32: f64 = 0.6366197466850281;
const TWO_OVER_PI_64: f64 = std::f64::consts::FRAC_2_PI;

/// Largest |x| reduced; beyond, see the module docs.
pub(crate) const TRIG_LIMIT_32: f64 = 3_100_000.0;
pub(crate) const TRIG_LIMIT_64: f64 = 1_125_899_906_842_624.0; // 2^50

/// Reduces x to (rh + rl) + q·π/2 with |rh + rl| <= ~π/4. Lanes with |x| beyond the
/// limit get q = 0 and some rh in [-π/4, π/4], rl = 0; NaN/inf lanes get NaN.
fn reduce<B: MathBuilder>(b: &mut B, x: B::V) -> (B::V, B::V, B::I) {
    let c = if is64::<B>() { PIO2_64 } else { PIO2_32 };
    let tpi = cw(b, TWO_OVER_PI_32, TWO_OVER_PI_64);
    let (qf, qi) = round_mul(b, x, tpi);
    let c1 = b.c(-c[0]);
    let c2 = b.c(-c[1]);
    let c3 = b.c(-c[2]);
    let c4 = b.c(-c[3]);
    let r1 = b.fma(qf, c1, x); // exact
    let (ph, pl) = two_prod(b, qf, c2); // q·(-C2) exactly
    let (s, e) = two_sum(b, r1, ph);
    let t = b.add(e, pl);
    let t = b.fma(qf, c3, t);
    let t = b.fma(qf, c4, t);
    let (rh, rl) = two_sum(b, s, t);
    // Beyond the limit: keep NaN, clamp into [-π/4, π/4], and use quadrant 0.
    let lim = cw(b, TRIG_LIMIT_32, TRIG_LIMIT_64);
    let ax = b.abs(x);
    let big = b.gt(ax, lim);
    let q4 = cw(
        b,
        std::f32::consts::FRAC_PI_4 as f64,
        std::f64::consts::FRAC_PI_4,
    );
    let nq4 = b.neg(q4);
    let too_hi = b.gt(rh, q4);
    let too_lo = b.lt(rh, nq4);
    let rc = b.select(too_lo, nq4, rh);
    let rc = b.select(too_hi, q4, rc);
    let rh = b.select(big, rc, rh);
    let z = b.c(0.0);
    let rl = b.select(big, z, rl);
    let zi = b.ci(0);
    let qi = b.select_i(big, zi, qi);
    (rh, rl, qi)
}

/// sin(rh + rl) for |rh| <= ~π/4, |rl| <= ~ulp(rh), as the unevaluated sum
/// (rh, u): sin = fl(rh + u), and rh + u carries a few more bits for tan.
fn sin_kernel<B: MathBuilder>(b: &mut B, rh: B::V, rl: B::V) -> (B::V, B::V) {
    let z = b.mul(rh, rh);
    let s = if is64::<B>() {
        horner(b, z, &SIN_64)
    } else {
        horner(b, z, &SIN_32)
    };
    let v = b.mul(z, rh);
    // rl·cos(rh) ≈ rl·(1 - z/2)
    let mh = b.c(-0.5);
    let rlz = b.mul(rl, mh);
    let corr = b.fma(rlz, z, rl);
    let u = b.fma(v, s, corr);
    (rh, u)
}

/// cos(rh + rl) for |rh| <= ~π/4, |rl| <= ~ulp(rh), as an unevaluated sum (w, corr)
/// with |w| >= |corr|.
fn cos_kernel<B: MathBuilder>(b: &mut B, rh: B::V, rl: B::V) -> (B::V, B::V) {
    let z = b.mul(rh, rh);
    let nz = b.neg(z);
    let ze = b.fma(rh, rh, nz); // rh² = z + ze exactly
    let c = if is64::<B>() {
        horner(b, z, &COS_64)
    } else {
        horner(b, z, &COS_32)
    };
    let half = b.c(0.5);
    let hz = b.mul(half, z);
    let one = b.c(1.0);
    let w = b.sub(one, hz);
    let corr = b.sub(one, w);
    let corr = b.sub(corr, hz); // exact: (1 - w) - hz
                                // tail = z²·C - (rh·rl + ze/2)
    let t = b.mul(rh, rl);
    let t = b.fma(half, ze, t);
    let z2 = b.mul(z, z);
    let nt = b.neg(t);
    let tail = b.fma(z2, c, nt);
    let corr = b.add(corr, tail);
    (w, corr)
}

fn quadrant_bits<B: MathBuilder>(b: &mut B, q: B::I) -> (B::M, B::M) {
    let one = b.ci(1);
    let two = b.ci(2);
    let q1 = b.iand(q, one);
    let odd = b.ieq(q1, one);
    let q2 = b.iand(q, two);
    let neg = b.ieq(q2, two);
    (odd, neg)
}

/// Sine. Special cases: NaN → NaN, ±0 → ±0, ±inf → NaN.
pub fn sin<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let (rh, rl, q) = reduce(b, x);
    let (sh, sl) = sin_kernel(b, rh, rl);
    let s = b.add(sh, sl);
    let (ch, cl) = cos_kernel(b, rh, rl);
    let c = b.add(ch, cl);
    let (odd, neg) = quadrant_bits(b, q);
    let y = b.select(odd, c, s);
    let y = neg_if(b, neg, y);
    let z = b.c(0.0);
    let is_zero = b.eq(x, z);
    b.select(is_zero, x, y)
}

/// Cosine. Special cases: NaN → NaN, ±0 → 1, ±inf → NaN.
pub fn cos<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let (rh, rl, q) = reduce(b, x);
    let (sh, sl) = sin_kernel(b, rh, rl);
    let s = b.add(sh, sl);
    let (ch, cl) = cos_kernel(b, rh, rl);
    let c = b.add(ch, cl);
    let one = b.ci(1);
    let q = b.iadd(q, one); // cos(x) = sin(x + π/2)
    let (odd, neg) = quadrant_bits(b, q);
    let y = b.select(odd, c, s);
    neg_if(b, neg, y)
}

/// Tangent. Special cases: NaN → NaN, ±0 → ±0, ±inf → NaN.
pub fn tan<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let (rh, rl, q) = reduce(b, x);
    let (sh, sl) = sin_kernel(b, rh, rl);
    let (sh, sl) = fast_two_sum(b, sh, sl);
    let (ch, cl) = cos_kernel(b, rh, rl);
    let (ch, cl) = fast_two_sum(b, ch, cl);
    let (odd, _) = quadrant_bits(b, q);
    let nh = b.select(odd, ch, sh);
    let nl = b.select(odd, cl, sl);
    let dh = b.select(odd, sh, ch);
    let dl = b.select(odd, sl, cl);
    // (nh + nl)/(dh + dl) = t + ((nh - t·dh) + nl - t·dl)/dh, with nh - t·dh exact.
    let t = b.div(nh, dh);
    let nt = b.neg(t);
    let e = b.fma(nt, dh, nh);
    let e = b.add(e, nl);
    let e = b.fma(nt, dl, e);
    let e = b.div(e, dh);
    let y = b.add(t, e);
    let y = neg_if(b, odd, y);
    let z = b.c(0.0);
    let is_zero = b.eq(x, z);
    b.select(is_zero, x, y)
}

#[cfg(test)]
mod tests {
    use super::super::scalar::{Eval32, Eval64};
    use super::super::testutil::*;
    use super::{TRIG_LIMIT_32, TRIG_LIMIT_64};
    use astro_float::Consts;

    const N: usize = 10000;

    fn limit(w: W) -> f64 {
        match w {
            W::F32 => TRIG_LIMIT_32,
            W::F64 => TRIG_LIMIT_64,
        }
    }

    /// Random x in the accurate range, with a share of points next to multiples of π/2
    /// (the hard cases of the reduction).
    fn trig_sample(rng: &mut Rng, w: W) -> f64 {
        let lim = limit(w);
        match rng.below(10) {
            0..=2 => gen(rng, G::Uni(-10.0, 10.0), w),
            3..=5 => gen(rng, G::Log(1e-300, lim, 0), w),
            6 => gen(rng, G::Log(1e-300, 1e-3, 0), w),
            7 => {
                // large x, where q = round(x·2/π) may be off by one and |r| exceeds π/4
                let lo = lim / 1024.0;
                gen(rng, G::Log(lo, lim, 0), w)
            }
            _ => {
                // nearest float to k·π/2 for k log-uniform in [1, lim/(π/2)], ± a few ulps
                let kmax = (lim / std::f64::consts::FRAC_PI_2).ln();
                let k = (rng.unit() * kmax).exp().floor().max(1.0);
                let x = k.mul_add(std::f64::consts::FRAC_PI_2, k * 6.123233995736766e-17);
                let x = w.round(x) * rng.sign();
                let d = rng.below(5) as i64 - 2;
                step_ulps(x, d, w)
            }
        }
    }

    fn ref_sin(x: f64, cc: &mut Consts) -> Ref {
        val(bf(x).sin(PREC, RM, cc))
    }
    fn ref_cos(x: f64, cc: &mut Consts) -> Ref {
        val(bf(x).cos(PREC, RM, cc))
    }
    fn ref_tan(x: f64, cc: &mut Consts) -> Ref {
        val(bf(x).tan(PREC, RM, cc))
    }

    macro_rules! trig_test {
        ($t32:ident, $t64:ident, $name:literal, $f:ident, $ref:ident, $b32:expr, $b64:expr) => {
            #[test]
            fn $t32() {
                let f = |x: f64| super::$f(&mut Eval32, x as f32) as f64;
                let g = |rng: &mut Rng, w: W| (trig_sample(rng, w), 0.0);
                let ff = |x: f64, _: f64| f(x);
                let rf = |x: f64, _: f64, cc: &mut Consts| $ref(x, cc);
                check_binary($name, W::F32, samples(N), &g, &ff, &rf, $b32);
            }
            #[test]
            fn $t64() {
                let f = |x: f64| super::$f(&mut Eval64, x);
                let g = |rng: &mut Rng, w: W| (trig_sample(rng, w), 0.0);
                let ff = |x: f64, _: f64| f(x);
                let rf = |x: f64, _: f64, cc: &mut Consts| $ref(x, cc);
                check_binary($name, W::F64, samples(N), &g, &ff, &rf, $b64);
            }
        };
    }

    trig_test!(sin_f32_ulp, sin_f64_ulp, "sin", sin, ref_sin, 1.0, 1.0);
    trig_test!(cos_f32_ulp, cos_f64_ulp, "cos", cos, ref_cos, 1.0, 1.0);
    trig_test!(tan_f32_ulp, tan_f64_ulp, "tan", tan, ref_tan, 1.0, 1.0);

    const INF: f64 = f64::INFINITY;
    const NAN: f64 = f64::NAN;

    #[test]
    fn trig_specials() {
        let t0 = [
            (NAN, NAN),
            (0.0, 0.0),
            (-0.0, -0.0),
            (INF, NAN),
            (-INF, NAN),
        ];
        check_specials1(
            "sin",
            &|x| super::sin(&mut Eval32, x),
            &|x| super::sin(&mut Eval64, x),
            &t0,
        );
        check_specials1(
            "tan",
            &|x| super::tan(&mut Eval32, x),
            &|x| super::tan(&mut Eval64, x),
            &t0,
        );
        let t1 = [(NAN, NAN), (0.0, 1.0), (-0.0, 1.0), (INF, NAN), (-INF, NAN)];
        check_specials1(
            "cos",
            &|x| super::cos(&mut Eval32, x),
            &|x| super::cos(&mut Eval64, x),
            &t1,
        );
        // tiny and subnormal arguments
        for x in [1e-30, 1e-40, -3e-45] {
            assert_eq!(super::sin(&mut Eval32, x as f32), x as f32);
            assert_eq!(super::tan(&mut Eval32, x as f32), x as f32);
        }
        for x in [1e-200, 1e-310, -5e-324] {
            assert_eq!(super::sin(&mut Eval64, x), x);
            assert_eq!(super::tan(&mut Eval64, x), x);
        }
    }

    /// Beyond the accurate range: finite, sin/cos in [-1, 1].
    #[test]
    fn trig_huge_arguments_stay_bounded() {
        let mut rng = Rng::new("trig-huge");
        for i in 0..samples(N) {
            let x64 = match i % 3 {
                0 => gen(&mut rng, G::Log(TRIG_LIMIT_64, f64::MAX, 0), W::F64),
                1 => gen(&mut rng, G::Bits, W::F64),
                _ => [
                    f64::MAX,
                    -f64::MAX,
                    1e300,
                    2f64.powi(52),
                    2f64.powi(51) * 3.0,
                ][i % 5],
            };
            let x32 = match i % 3 {
                0 => gen(&mut rng, G::Log(TRIG_LIMIT_32, f32::MAX as f64, 0), W::F32) as f32,
                1 => gen(&mut rng, G::Bits, W::F32) as f32,
                _ => [f32::MAX, -f32::MAX, 1e30, 16777216.0, 8388608.0 * 3.0][i % 5],
            };
            for y in [super::sin(&mut Eval64, x64), super::cos(&mut Eval64, x64)] {
                assert!(y.is_finite() && y.abs() <= 1.0, "f64 x = {x64:e} gave {y}");
            }
            assert!(
                super::tan(&mut Eval64, x64).is_finite(),
                "tan f64 x = {x64:e}"
            );
            if x64.abs() > TRIG_LIMIT_64 {
                assert!(
                    super::tan(&mut Eval64, x64).abs() <= 1.0,
                    "tan f64 x = {x64:e}"
                );
            }
            for y in [super::sin(&mut Eval32, x32), super::cos(&mut Eval32, x32)] {
                assert!(y.is_finite() && y.abs() <= 1.0, "f32 x = {x32:e} gave {y}");
            }
            assert!(
                super::tan(&mut Eval32, x32).is_finite(),
                "tan f32 x = {x32:e}"
            );
            if x32.abs() as f64 > TRIG_LIMIT_32 {
                assert!(
                    super::tan(&mut Eval32, x32).abs() <= 1.0,
                    "tan f32 x = {x32:e}"
                );
            }
        }
    }
}
