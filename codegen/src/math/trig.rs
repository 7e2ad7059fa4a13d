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
//! That reduction is exact for |x| < 2^21·π/2·0.95 ≈ 3.1e6 (f32) and |x| < 2^50 ≈
//! 1.1e15 (f64): the quotient q must be an exact integer and x - q·C1 exact. Larger
//! finite arguments take a second, rarely run path (a branch around it, as for exp's
//! special cases): Payne–Hanek reduction in integer arithmetic. With x = M·2^(E-p+1)
//! (M the integer significand), x·2/π mod 4 = M·W(E)/2^(6h) mod 4, where W(E) is the
//! window of 6h bits of 2/π that matters at exponent E (bits above it add multiples
//! of 4, bits below it less than 2^-139 / 2^-72 of the result), looked up by E from
//! a table built from 2/π's binary expansion; h = 32 / 16 for f64 / f32, so the
//! product is schoolbook multiplication of h-bit limbs in the builder's integers. Its
//! top two bits are q mod 4, the next 4h - 2 the fraction. NaN and ±inf give NaN.
//! Measured errors (docs/accuracy.md): <= 0.84 ulp within the Cody–Waite range,
//! asserted <= 1 everywhere.
//!
//! The CPU backend computes f32 sin, cos and tan in f64 instead (`trig_f32_in_f64`, at
//! the end): one half-period or quadrant reduction and one polynomial, no double
//! words, rounded once to f32 (0.500 ulp measured). No CPU kernel runs the f32-width
//! functions above; they stay, tested, for a backend whose f64 is slow (the CUDA
//! backend of DESIGN.md would be one).

use super::common::*;
use super::{Cold, MathBuilder};

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

/// Reduces x to (rh + rl) + q·π/2 with |rh + rl| <= ~π/4 (Cody–Waite). Lanes with |x|
/// beyond the limit get meaningless values (`reduced` replaces them); NaN/inf lanes
/// get NaN.
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
    (rh, rl, qi)
}

/// The function `reduced` finishes: sin, cos or tan of the reduced argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Trig {
    Sin,
    Cos,
    Tan,
}

impl Trig {
    /// This function of rh + rl + q·π/2.
    fn finish<B: MathBuilder>(self, b: &mut B, rh: B::V, rl: B::V, q: B::I) -> B::V {
        match self {
            Trig::Sin => sin_in_quadrant(b, rh, rl, q),
            Trig::Cos => {
                let one = b.ci(1);
                let q = b.iadd(q, one); // cos(x) = sin(x + π/2)
                sin_in_quadrant(b, rh, rl, q)
            }
            Trig::Tan => tan_in_quadrant(b, rh, rl, q),
        }
    }
}

/// `kind` of x: Cody–Waite for every lane, then, where any finite lane is beyond its
/// range, Payne–Hanek for those lanes (`trig_huge`, which a builder may emit out of
/// line: it is three quarters of the code and rarely runs). `finish` is emitted
/// twice, on the fast path and in the branch: carrying (rh, rl, q) through the join to
/// emit it once compiled faster but ran about 8% slower (docs/architecture.md,
/// *Payne–Hanek reduction*).
fn reduced<B: MathBuilder>(b: &mut B, x: B::V, kind: Trig) -> B::V {
    let (rh, rl, q) = reduce(b, x);
    let y = kind.finish(b, rh, rl, q);
    let lim = cw(b, TRIG_LIMIT_32, TRIG_LIMIT_64);
    let ax = b.abs(x);
    let big = b.gt(ax, lim); // ±inf too; they keep the NaN the first reduction gives
    b.unless_any(big, y, |b, y| {
        b.cold(Cold::TrigHuge(kind), &[x, y], |b| trig_huge(b, kind, x, y))
    })
}

/// The slow side of `reduced`: `kind` of the finite lanes of x beyond the Cody–Waite
/// range, by Payne–Hanek (`reduce_huge`); the other lanes keep `y`.
pub fn trig_huge<B: MathBuilder>(b: &mut B, kind: Trig, x: B::V, y: B::V) -> B::V {
    let (rh, rl, q) = reduce_huge(b, x);
    let y2 = kind.finish(b, rh, rl, q);
    let lim = cw(b, TRIG_LIMIT_32, TRIG_LIMIT_64);
    let ax = b.abs(x);
    let big = b.gt(ax, lim);
    let i = inf(b);
    let finite = b.lt(ax, i);
    let huge = b.and(big, finite);
    b.select(huge, y2, y)
}

/// 2/π in binary: the first 1280 bits after the point, in hexadecimal (a fact about π;
/// checked against astro-float's π in the tests).
const TWO_OVER_PI_HEX: &str = concat!(
    "a2f9836e4e441529fc2757d1f534ddc0db6295993c439041fe5163abdebbc561",
    "b7246e3a424dd2e006492eea09d1921cfe1deb1cb129a73ee88235f52ebb4484",
    "e99c7026b45f7e413991d639835339f49c845f8bbdf9283b1ff897ffde05980f",
    "ef2f118b5a0a6d1f6d367ecf27cb09b74f463f669e5fea2d7527bac7ebe5f17b",
    "3d0739f78a5292ea6bfb5fb11f8d5d0856033046fc7b6babf0cfbc209af4361d",
);

/// Bit k (k >= 1) of 2/π = Σ b_k·2^-k.
fn two_over_pi_bit(k: i64) -> u64 {
    if k < 1 {
        return 0;
    }
    let k = (k - 1) as usize;
    let digit = TWO_OVER_PI_HEX.as_bytes()[k / 4];
    let v = (digit as char).to_digit(16).expect("hex digit") as u64;
    (v >> (3 - k % 4)) & 1
}

/// For each biased exponent e of the width (p significand bits, h-bit limbs): the six
/// limbs, least significant first, of W = floor(2^s·2/π) mod 2^(6h) with
/// s = 6h + e - bias - p - 1, so that for x = M·2^(e - bias - p + 1),
/// frac(x·2/π / 4) = frac(M·W / 2^(6h)) up to M·2^(-6h).
fn payne_hanek_table(p: i64, bias: i64, exponents: usize, h: i64) -> Vec<[f64; 6]> {
    (0..exponents as i64)
        .map(|e| {
            let s = 6 * h + e - bias - p - 1;
            assert!(s <= 4 * TWO_OVER_PI_HEX.len() as i64, "2/π needs more bits");
            let mut limbs = [0f64; 6];
            for (j, limb) in limbs.iter_mut().enumerate() {
                // limb j holds the bits of weight 2^(j·h) .. 2^((j+1)·h - 1) of W: bit
                // s - w of 2/π has weight 2^w in floor(2^s·2/π).
                let mut v = 0u64;
                for i in (0..h).rev() {
                    let w = j as i64 * h + i;
                    v = (v << 1) | two_over_pi_bit(s - w);
                }
                // As the bit pattern of a float of the width (a subnormal): a table
                // lookup then gives the integer by `to_bits`, no conversion needed
                // (Cranelift has no vector float-to-i64 conversion on x86-64).
                *limb = if h == 32 {
                    f64::from_bits(v)
                } else {
                    f32::from_bits(v as u32) as f64
                };
            }
            limbs
        })
        .collect()
}

fn payne_hanek_table_32() -> &'static [[f64; 6]] {
    static T: std::sync::OnceLock<Vec<[f64; 6]>> = std::sync::OnceLock::new();
    T.get_or_init(|| payne_hanek_table(24, 127, 256, 16))
}

fn payne_hanek_table_64() -> &'static [[f64; 6]] {
    static T: std::sync::OnceLock<Vec<[f64; 6]>> = std::sync::OnceLock::new();
    T.get_or_init(|| payne_hanek_table(53, 1023, 2048, 32))
}

/// Payne–Hanek reduction of a finite x: (rh + rl) + q·π/2 = x with |rh + rl| <= π/4
/// (to about 2^-100 relative for f64, 2^-50 for f32). Meant for |x| beyond the
/// Cody–Waite range; lanes of other values get some (rh, rl, q) that callers discard.
fn reduce_huge<B: MathBuilder>(b: &mut B, x: B::V) -> (B::V, B::V, B::I) {
    let mb = mant_bits::<B>();
    let h = B::BITS / 2;
    let ax = b.abs(x);
    let bits = b.to_bits(ax);
    let e = b.ushr(bits, mb);
    let mant_mask = b.ci((1i64 << mb) - 1);
    let implicit = b.ci(1i64 << mb);
    let m = b.iand(bits, mant_mask);
    let m = b.ior(m, implicit); // the integer significand M (x is normal here)
    let limb_mask = b.ci((1i64 << h) - 1);
    let m0 = b.iand(m, limb_mask);
    let m1 = b.ushr(m, h);
    let table = if is64::<B>() {
        payne_hanek_table_64()
    } else {
        payne_hanek_table_32()
    };
    let w = b.lookup(table, e).map(|v| b.to_bits(v));
    // M·W in h-bit limbs: m0·w[k] lands in limbs k (low half) and k + 1 (high half),
    // m1·w[k] in limbs k + 1 and k + 2. Each product is below 2^(2h) = 2^BITS
    // (unsigned), each limb sum below 2^(h+3).
    let zero = b.ci(0);
    let mut col = [zero; 6];
    for k in 0..6 {
        let p0 = b.imul(m0, w[k]);
        let lo = b.iand(p0, limb_mask);
        col[k] = b.iadd(col[k], lo);
        if k + 1 < 6 {
            let hi = b.ushr(p0, h);
            col[k + 1] = b.iadd(col[k + 1], hi);
            let p1 = b.imul(m1, w[k]);
            let lo = b.iand(p1, limb_mask);
            col[k + 1] = b.iadd(col[k + 1], lo);
            if k + 2 < 6 {
                let hi = b.ushr(p1, h);
                col[k + 2] = b.iadd(col[k + 2], hi);
            }
        }
    }
    let mut limb = [zero; 6];
    let mut carry = zero;
    for k in 0..6 {
        let t = b.iadd(col[k], carry);
        limb[k] = b.iand(t, limb_mask);
        carry = b.ushr(t, h);
    }
    // limb 5: two bits of q mod 4, then the fraction's first h - 2 bits. A fraction of
    // 1/2 or more becomes fraction - 1 with q + 1, so that |fraction| <= 1/2.
    let q = b.ushr(limb[5], h - 2);
    let top_mask = b.ci((1i64 << (h - 2)) - 1);
    let top = b.iand(limb[5], top_mask);
    let half = b.ci(1i64 << (h - 3));
    let low_half = b.ilt(top, half);
    let one = b.ci(1);
    let q_up = b.iadd(q, one);
    let q = b.select_i(low_half, q, q_up);
    // fraction = top·2^-(h-2) (minus 1 where it was 1/2 or more) + limb4·2^-(2h-2) +
    // limb3·2^-(3h-2) + limb2·2^-(4h-2), each term exact; summed into hi + lo without
    // losing what cancels. Limbs (< 2^h) become floats exactly as the low bits of
    // 2^(p-1) (Cranelift has no vector i64-to-float conversion on x86-64).
    let magic = b.c(2f64.powi(mb as i32));
    let magic_bits = b.to_bits(magic);
    let term = |b: &mut B, v: B::I, k: i32| {
        let f = b.ior(v, magic_bits);
        let f = b.from_bits(f);
        let f = b.sub(f, magic);
        let s = b.c(2f64.powi(-(k * h as i32 - 2)));
        b.mul(f, s)
    };
    let t1 = term(b, top, 1);
    let one_f = b.c(1.0);
    let t1_wrapped = b.sub(t1, one_f);
    let t1 = b.select(low_half, t1, t1_wrapped);
    let t2 = term(b, limb[4], 2);
    let t3 = term(b, limb[3], 3);
    let t4 = term(b, limb[2], 4);
    let (s, e1) = two_sum(b, t1, t2);
    let (s, e2) = two_sum(b, s, t3);
    let lo = b.add(e1, e2);
    let lo = b.add(lo, t4);
    let (fh, fl) = fast_two_sum(b, s, lo);
    // r = fraction·π/2 in double-word arithmetic.
    let c = if is64::<B>() { PIO2_64 } else { PIO2_32 };
    let p0 = b.c(c[0]);
    let p1 = b.c(c[1]);
    let (rh, e) = two_prod(b, fh, p0);
    let e = b.fma(fh, p1, e);
    let e = b.fma(fl, p0, e);
    let (rh, rl) = fast_two_sum(b, rh, e);
    // Negative x: the reduction of -x, negated.
    let z = b.c(0.0);
    let neg = b.lt(x, z);
    let rh = neg_if(b, neg, rh);
    let rl = neg_if(b, neg, rl);
    let nq = b.isub(zero, q);
    let q = b.select_i(neg, nq, q);
    (rh, rl, q)
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
    // exact: (1 - w) - hz
    let corr = b.sub(corr, hz);
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

/// sin(rh + rl + q·π/2): ±sin or ±cos of the reduced argument, by quadrant.
fn sin_in_quadrant<B: MathBuilder>(b: &mut B, rh: B::V, rl: B::V, q: B::I) -> B::V {
    let (sh, sl) = sin_kernel(b, rh, rl);
    let s = b.add(sh, sl);
    let (ch, cl) = cos_kernel(b, rh, rl);
    let c = b.add(ch, cl);
    let (odd, neg) = quadrant_bits(b, q);
    let y = b.select(odd, c, s);
    neg_if(b, neg, y)
}

/// tan(rh + rl + q·π/2): ±sin/cos or ∓cos/sin of the reduced argument, by quadrant,
/// divided in double-word arithmetic.
fn tan_in_quadrant<B: MathBuilder>(b: &mut B, rh: B::V, rl: B::V, q: B::I) -> B::V {
    let (sh, sl) = sin_kernel(b, rh, rl);
    let (sh, sl) = fast_two_sum(b, sh, sl);
    let (ch, cl) = cos_kernel(b, rh, rl);
    let (ch, cl) = fast_two_sum(b, ch, cl);
    let (odd, _) = quadrant_bits(b, q);
    let nh = b.select(odd, ch, sh);
    let nl = b.select(odd, cl, sl);
    let dh = b.select(odd, sh, ch);
    let dl = b.select(odd, sl, cl);
    let (t, e) = div_dw(b, nh, nl, dh, dl);
    let y = b.add(t, e);
    neg_if(b, odd, y)
}

/// Sine. Special cases: NaN → NaN, ±0 → ±0, ±inf → NaN.
pub fn sin<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let y = reduced(b, x, Trig::Sin);
    let z = b.c(0.0);
    let is_zero = b.eq(x, z);
    b.select(is_zero, x, y)
}

/// Cosine. Special cases: NaN → NaN, ±0 → 1, ±inf → NaN.
pub fn cos<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    reduced(b, x, Trig::Cos)
}

/// Tangent. Special cases: NaN → NaN, ±0 → ±0, ±inf → NaN.
pub fn tan<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let y = reduced(b, x, Trig::Tan);
    let z = b.c(0.0);
    let is_zero = b.eq(x, z);
    b.select(is_zero, x, y)
}

// ---- f32 arguments in f64 lanes ------------------------------------------------------

// sin(r) = r·(1 + z·Q(z)), z = r², on |r| <= π/2 (+ a hair where n is off by one):
// kiln's own minimax fit (`python3 tools/remez.py sin_half 4 f64`), 2^-35.3 relative,
// 0.0004 ulp of an f32 result; Taylor's polynomial needs two terms more for 2^-37.
// Evaluated in f64, so rounding adds nothing that shows in an f32 result.
const SIN_HALF_PERIOD: [f64; 6] = [
    1.0,
    -0.1666666662614917,
    0.008333331108583327,
    -0.00019840868207310328,
    2.752538429122475e-06,
    -2.3888906913826722e-08,
];
// tan(r) = sin(r) / cos(r) on |r| <= π/4 (+ a hair), sin as above and cos(r) =
// 1 + z·Q(z): `tools/remez.py sin_quarter 3 f64` and `cos_quarter 4 f64`, 2^-37.5 and
// 2^-43.6 relative.
const SIN_QUARTER: [f64; 5] = [
    1.0,
    -0.1666666664079678,
    0.008333329304811645,
    -0.00019839312259504108,
    2.7181215323770246e-06,
];
const COS_QUARTER: [f64; 6] = [
    1.0,
    -0.49999999999489375,
    0.041666666553426254,
    -0.0013888880659368137,
    2.4798960721347445e-05,
    -2.7174788930654276e-07,
];
// π and π/2 as f64 pairs (hi + lo within ~2^-107 relative).
const PI_LO: f64 = 1.2246467991473532e-16;
const PIO2_LO: f64 = 6.123233995736766e-17;

/// `kind` of an f32 argument x (exactly representable in f64; a 64-bit builder),
/// computed in f64 for the caller to round to f32 once. The CPU backend's f32 sin, cos
/// and tan: in f64 a reduction needs no double-word steps and a polynomial no
/// correction terms, so two f64 halves of an f32 vector cost less than the f32-width
/// algorithm (`sin`, which stays for builders whose f64 is slow) and round better.
///
/// For |x| <= 3.1e6 (`TRIG_LIMIT_32`): sin and cos reduce by half periods, n =
/// round(x/π) (cos: round(x/π - 1/2), r = x - (n + 1/2)·π), so one odd polynomial
/// serves every lane and the sign is n's parity; tan by quadrants, sin(r)/cos(r) or
/// -cos(r)/sin(r). x - n·π_hi is exact wherever n != 0 (fma; n·π_hi lies on a grid of
/// 2^-51, or 2^-52 for cos's n + 1/2 and tan's π/2, x on a coarser one, the result
/// below 2) and for sin and tan at n = 0 (x itself); cos of |x| < 2^-29 rounds it by
/// 2^-53 next to π/2, where sin is flat. The second fma's one rounding and the missing
/// 2^-107·n·π are far below any |r| an f32 argument in range can give. The f64 value
/// is within about 2^-35 of the true one (relative), so the rounded f32 is within
/// 0.501 ulp (measured: 0.500). Larger arguments take the cold side
/// (`trig_f32_wide`): the f64 algorithm. NaN and ±inf give NaN; ±0 gives ±0 (sin,
/// tan) and 1 (cos).
pub fn trig_f32_in_f64<B: MathBuilder>(b: &mut B, kind: Trig, x: B::V) -> B::V {
    debug_assert!(is64::<B>(), "trig_f32_in_f64 needs a 64-bit builder");
    let y = match kind {
        Trig::Sin => sin_by_half_periods(b, x, false),
        Trig::Cos => sin_by_half_periods(b, x, true),
        Trig::Tan => tan_by_quadrants(b, x),
    };
    let lim = b.c(TRIG_LIMIT_32);
    let ax = b.abs(x);
    let big = b.gt(ax, lim); // ±inf too: they keep the NaN the reduction gives
    b.unless_any(big, y, |b, y| {
        b.cold(Cold::TrigF32Wide(kind), &[x, y], |b| {
            trig_f32_wide(b, kind, x, y)
        })
    })
}

/// sin(x), or with `cos` cos(x) = sin(x - (n + 1/2)·π)·(-1)^(n+1), by one half-period
/// reduction and `SIN_HALF_PERIOD` (see `trig_f32_in_f64`).
fn sin_by_half_periods<B: MathBuilder>(b: &mut B, x: B::V, cos: bool) -> B::V {
    let ipi = b.c(std::f64::consts::FRAC_1_PI);
    // sb: the bits of n + the magic constant, whose low bit is n's parity
    let (sb, nh) = if cos {
        let (m, _) = magic::<B>();
        let mv = b.c(m);
        let mhalf = b.c(-0.5);
        let t = b.fma(x, ipi, mhalf);
        let s = b.add(t, mv);
        let n = b.sub(s, mv);
        let half = b.c(0.5);
        (b.to_bits(s), b.add(n, half))
    } else {
        let (n, sb) = round_mul_shiftable(b, x, ipi);
        (sb, n)
    };
    let r = minus_multiple(b, x, nh, std::f64::consts::PI, PI_LO);
    let z = b.mul(r, r);
    let p = horner_sequential(b, z, &SIN_HALF_PERIOD);
    // r·P rather than r + r·(P - 1): keeps sin(-0) = -0
    let y = b.mul(r, p);
    // sin flips where n is odd, cos where n is even
    let sb = if cos {
        let one = b.ci(1);
        b.iadd(sb, one)
    } else {
        sb
    };
    flip_if_odd(b, y, sb)
}

/// tan(x) = tan(r) or -1/tan(r) with r = x - n·π/2, by n's parity.
fn tan_by_quadrants<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let tpi = b.c(std::f64::consts::FRAC_2_PI);
    let (n, s) = round_mul_shiftable(b, x, tpi);
    let r = minus_multiple(b, x, n, std::f64::consts::FRAC_PI_2, PIO2_LO);
    let z = b.mul(r, r);
    let ps = horner_sequential(b, z, &SIN_QUARTER);
    let sin = b.mul(r, ps);
    let cos = horner_sequential(b, z, &COS_QUARTER);
    let (odd, _) = quadrant_bits(b, s);
    let num = b.select(odd, cos, sin);
    let den = b.select(odd, sin, cos);
    let t = b.div(num, den);
    flip_if_odd(b, t, s)
}

/// x - n·(hi + lo) by two fmas, the first exact (see `trig_f32_in_f64`).
fn minus_multiple<B: MathBuilder>(b: &mut B, x: B::V, n: B::V, hi: f64, lo: f64) -> B::V {
    let nh = b.c(-hi);
    let nl = b.c(-lo);
    let r = b.fma(n, nh, x);
    b.fma(n, nl, r)
}

/// y with its sign flipped where the integer `k`'s low bit is set (adding it at the
/// sign bit; NaN stays NaN).
fn flip_if_odd<B: MathBuilder>(b: &mut B, y: B::V, k: B::I) -> B::V {
    let flip = b.shl(k, 63);
    let yb = b.to_bits(y);
    let yb = b.iadd(yb, flip);
    b.from_bits(yb)
}

/// The cold side of `trig_f32_in_f64`: the lanes of x beyond `TRIG_LIMIT_32` by the
/// f64 algorithm (`reduced`: Cody–Waite up to 2^50, then its own cold Payne–Hanek
/// side); the other lanes keep `y`. ±inf lanes get NaN either way.
pub(crate) fn trig_f32_wide<B: MathBuilder>(b: &mut B, kind: Trig, x: B::V, y: B::V) -> B::V {
    debug_assert!(is64::<B>(), "trig_f32_wide needs a 64-bit builder");
    let w = reduced(b, x, kind);
    let lim = b.c(TRIG_LIMIT_32);
    let ax = b.abs(x);
    let big = b.gt(ax, lim);
    b.select(big, w, y)
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

    /// A correctly rounded reference of one argument.
    type RefFn = fn(f64, &mut Consts) -> Ref;

    /// `kind` of an f32 value by the CPU backend's route: in f64, rounded once.
    fn in_f64(kind: super::Trig, x: f64) -> f64 {
        super::trig_f32_in_f64(&mut Eval64, kind, x as f32 as f64) as f32 as f64
    }

    /// f32 sin, cos and tan in f64 (`trig_f32_in_f64`): within 0.501 ulp of the true
    /// value over the fast range (the f32-width algorithm's bound is 1), next to
    /// multiples of π/2 too; beyond it, the f64 algorithm's cold side.
    #[test]
    fn trig_f32_in_f64_ulp() {
        use super::Trig;
        let rfs: [(&str, Trig, RefFn); 3] = [
            ("sin in f64", Trig::Sin, ref_sin),
            ("cos in f64", Trig::Cos, ref_cos),
            ("tan in f64", Trig::Tan, ref_tan),
        ];
        for (name, kind, rf) in rfs {
            let g = |rng: &mut Rng, w: W| (trig_sample(rng, w), 0.0);
            let ff = move |x: f64, _: f64| in_f64(kind, x);
            let r = move |x: f64, _: f64, cc: &mut Consts| rf(x, cc);
            check_binary(name, W::F32, samples(N), &g, &ff, &r, 0.501);
            // beyond the fast range, up to the largest f32
            let big = |rng: &mut Rng, w: W| (gen(rng, G::Log(TRIG_LIMIT_32, w.max(), 0), w), 0.0);
            let label = format!("{name} huge");
            check_binary(&label, W::F32, samples(N / 10), &big, &ff, &r, 0.501);
        }
    }

    #[test]
    fn trig_f32_in_f64_specials() {
        use super::Trig;
        for (kind, zero) in [(Trig::Sin, None), (Trig::Cos, Some(1.0)), (Trig::Tan, None)] {
            for x in [NAN, INF, -INF] {
                assert!(in_f64(kind, x).is_nan(), "{kind:?}({x})");
            }
            for x in [0.0, -0.0, 1e-30, -1e-40, 1.4e-45] {
                let y = in_f64(kind, x);
                let want = zero.unwrap_or(x as f32 as f64);
                assert!(same(y, want), "{kind:?}({x:e}) = {y:e}, want {want:e}");
            }
        }
        // the fast range's edge and the largest f32, each way of it
        let max = f32::MAX as f64;
        for x in [TRIG_LIMIT_32 - 0.25, TRIG_LIMIT_32 + 0.25, max, -max] {
            let mut cc = Consts::new().expect("constants");
            for (kind, rf) in [
                (Trig::Sin, ref_sin as RefFn),
                (Trig::Cos, ref_cos),
                (Trig::Tan, ref_tan),
            ] {
                let e = ulp_err(in_f64(kind, x), &rf(x, &mut cc), W::F32);
                assert!(e <= 0.501, "{kind:?}({x:e}): {e} ulp");
            }
        }
    }

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

    /// 2/π's digits against astro-float's π: the 1280 bits agree.
    #[test]
    fn two_over_pi_digits_are_right() {
        use astro_float::{BigFloat, RoundingMode};
        let mut cc = Consts::new().expect("constants");
        let p = 1400;
        let two = BigFloat::from_f64(2.0, p);
        let tpi = two.div(&cc.pi(p, RoundingMode::ToEven), p, RoundingMode::ToEven);
        let mut ours = BigFloat::from_f64(0.0, p);
        for k in 1..=1280 {
            if super::two_over_pi_bit(k) == 1 {
                let mut bit = BigFloat::from_f64(1.0, p);
                bit.set_exponent(1 - k as i32);
                ours = ours.add(&bit, p, RoundingMode::ToEven);
            }
        }
        let d = tpi.sub(&ours, p, RoundingMode::ToEven);
        // The rest of 2/π beyond bit 1280 is below 2^-1280.
        assert!(
            !d.is_negative() && d.exponent().is_none_or(|e| e <= -1279),
            "{d:?}"
        );
    }

    /// Beyond the Cody–Waite range (Payne–Hanek): within 1 ulp of the correctly
    /// rounded value, up to the largest float, next to multiples of π/2 too.
    #[test]
    fn trig_huge_arguments_ulp() {
        use astro_float::{BigFloat, RoundingMode};
        let p = 2400; // enough to reduce 2^1024 by π/2 with 1000 bits to spare
        let reference = |f: usize, x: f64, cc: &mut Consts| {
            let b = BigFloat::from_f64(x, p);
            let y = match f {
                0 => b.sin(p, RoundingMode::ToEven, cc),
                1 => b.cos(p, RoundingMode::ToEven, cc),
                _ => b.tan(p, RoundingMode::ToEven, cc),
            };
            val(y)
        };
        for (w, lim) in [(W::F32, TRIG_LIMIT_32), (W::F64, TRIG_LIMIT_64)] {
            for (f, name) in ["sin", "cos", "tan"].iter().enumerate() {
                let g = move |rng: &mut Rng, w: W| {
                    let x = match rng.below(4) {
                        0 => gen(rng, G::Log(lim, w.max(), 0), w),
                        1 => gen(rng, G::Log(lim, lim * 1e6, 0), w),
                        // the nearest float to k·π/2 for large k, ± a few ulps
                        2 => {
                            let k = (rng.unit() * 40.0).exp().floor() + (lim / 1.5).floor();
                            let x = w.round(k * std::f64::consts::FRAC_PI_2) * rng.sign();
                            step_ulps(x, rng.below(5) as i64 - 2, w)
                        }
                        _ => [w.max(), -w.max(), 2f64.powi(52) * 3.0, 1e30, -1e22]
                            [rng.below(5) as usize],
                    };
                    (w.round(x), 0.0)
                };
                let ff = move |x: f64, _: f64| match (w, f) {
                    (W::F32, 0) => super::sin(&mut Eval32, x as f32) as f64,
                    (W::F32, 1) => super::cos(&mut Eval32, x as f32) as f64,
                    (W::F32, _) => super::tan(&mut Eval32, x as f32) as f64,
                    (W::F64, 0) => super::sin(&mut Eval64, x),
                    (W::F64, 1) => super::cos(&mut Eval64, x),
                    (W::F64, _) => super::tan(&mut Eval64, x),
                };
                let rf = move |x: f64, _: f64, cc: &mut Consts| reference(f, x, cc);
                let label = format!("{name} huge");
                check_binary(&label, w, samples(N / 10), &g, &ff, &rf, 1.0);
            }
        }
    }
}
