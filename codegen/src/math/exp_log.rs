//! Exponentials and logarithms: `exp`, `expm1`, `log`, `log1p`, `log2`, `log10`.
//!
//! exp/expm1: Cody–Waite reduction x = k·ln2 + r, |r| <= ln2/2, then
//! expm1(r) = r + r²·P(r) with a minimax P (degree 5 for f32, 10 for f64; coefficients
//! computed for kiln by a Remez exchange in mpmath, relative error 2^-32 / 2^-61.7 on
//! [-ln2/2, ln2/2]). exp has its own fit, e^r = 1 + r·(1 + r·Q(r)) by Horner's rule to
//! the end (Q of degree 4 / 9, error 2^-28 / 2^-56.3 relative to e^r: the result's
//! rounding dominates), then 2^k added to the exponent bits, with a scaled second step
//! only where the result is subnormal.
//!
//! log family: x = 2^k·(1 + f), 1 + f in [√½, √2), s = f/(2+f),
//! log(1+f) = f - f²/2 + s·(f²/2 + R(s²)) (the decomposition of FreeBSD msun's
//! `k_log.h`/`e_log.c`; R is kiln's own minimax fit, degree 3 for f32 and 6 for f64).
//! `log2`/`log10` keep log(1+f) as an unevaluated sum hi + lo and multiply by split
//! constants (as in msun's `e_log2.c`/`e_log10.c`, written here with fma) so that they
//! are as accurate as `log`. f32 `log1p` has its own division-free path: an exact
//! reduction to f in [-1/4, 1/2) and f + f²·P(f) (see `log1p_f32`).

use super::common::*;
use super::MathBuilder;

// expm1(r) = r + r^2 * P(r), |r| <= ln2/2 (Remez fit, relative error of expm1).
const EXPM1_32: [f64; 6] = [
    0.5,
    0.1666666567325592,
    0.041666362434625626,
    0.008333389647305012,
    0.001394063699990511,
    0.00019845878705382347,
];
const EXPM1_64: [f64; 11] = [
    0.5,
    0.16666666666666677,
    0.04166666666666651,
    0.008333333333321683,
    0.0013888888888962429,
    0.00019841269885993048,
    2.480158717246246e-05,
    2.755724434393987e-06,
    2.7557402674786685e-07,
    2.5108990366637533e-08,
    2.087533014140051e-09,
];
// exp(r) = 1 + r + r^2 P(r), |r| <= ln2/2 (tools/remez.py exp 4 f32 / exp 9 f64: error
// relative to exp(r) 2^-28.0 / 2^-56.3 with the coefficients rounded to the width).
const EXP_32: [f64; 5] = [
    0.4999999403953552,
    0.1666652113199234,
    0.04166838899254799,
    0.008368710055947304,
    0.001381461275741458,
];
const EXP_64: [f64; 10] = [
    0.5000000000000011,
    0.16666666666666413,
    0.041666666666530267,
    0.008333333333494333,
    0.001388888894359769,
    0.00019841269506779664,
    2.4801493136197254e-05,
    2.7557586266408486e-06,
    2.7630233914958636e-07,
    2.5000072292151244e-08,
];
// 2 atanh(s) = 2 s + s * R(z), R(z) = z * G(z), z = s^2 <= 0.0295 (Remez fit,
// absolute error of R: 2^-36.5 / 2^-58.4).
const LOG_32: [f64; 4] = [
    0.6666666269302368,
    0.40000346302986145,
    0.285366028547287,
    0.23596331477165222,
];
const LOG_64: [f64; 7] = [
    0.666666666666674,
    0.39999999999377966,
    0.2857142875130513,
    0.2222219758719899,
    0.18183618993039133,
    0.1531256980800778,
    0.14811540513073526,
];
// log1p(f) = f + f^2 P(f), f in [-1/4, 1/2] (tools/remez.py log1p 8 f32; relative
// error of the sum 2^-26.8 with the coefficients rounded to f32).
const LOG1P_32: [f64; 9] = [
    -0.5,
    0.3333345353603363,
    -0.250000536441803,
    0.19990606606006622,
    -0.16647766530513763,
    0.14482061564922333,
    -0.131622314453125,
    0.10448331385850906,
    -0.04490961506962776,
];

// ln 2 rounded to the width, and the remainder (for fma-based reduction).
pub(crate) const LN2_32: (f64, f64) = (0.6931471824645996, -1.9046542121259336e-09);
pub(crate) const LN2_64: (f64, f64) = (std::f64::consts::LN_2, 2.3190468138462996e-17);
// ln 2 with trailing zero bits (16 / 42 significant bits) so that k·hi is exact.
pub(crate) const LN2T_32: (f64, f64) = (0.693145751953125, 1.428606765330187e-06);
pub(crate) const LN2T_64: (f64, f64) = (0.6931471805598903, 5.497923018708371e-14);
pub(crate) const LOG2E_32: (f64, f64) = (1.4426950216293335, 1.925963033500011e-08);
pub(crate) const LOG2E_64: (f64, f64) = (std::f64::consts::LOG2_E, 2.0355273740931033e-17);
const LOG10E_32: (f64, f64) = (0.4342944920063019, -1.0103049952192578e-08);
const LOG10E_64: (f64, f64) = (std::f64::consts::LOG10_E, 1.098319650216765e-17);
// log10(2) with trailing zero bits (16 / 42 significant bits).
const LOG10_2T_32: (f64, f64) = (0.30103302001953125, -3.024355464731343e-06);
const LOG10_2T_64: (f64, f64) = (0.30102999566395283, 2.8363394551044964e-14);

/// Cody–Waite reduction for exp: returns (r, rl, k) with x = k·ln2 + r + rl,
/// |r| <= ~ln2/2, |rl| <= ulp(r)/2. Meaningful for |x| < 2^(p-2) (the callers select
/// large |x| away).
pub(crate) fn exp_reduce<B: MathBuilder>(b: &mut B, x: B::V) -> (B::V, B::V, B::I) {
    let l2e = cw(b, LOG2E_32.0, LOG2E_64.0);
    let (kf, ki) = round_mul(b, x, l2e);
    let (h, l) = if is64::<B>() { LN2_64 } else { LN2_32 };
    let nh = b.c(-h);
    let nl = b.c(-l);
    // x - k·ln2_hi is exact (|k| < 2^11, result small); then r1 - k·ln2_lo as hi + lo.
    let r1 = b.fma(kf, nh, x);
    let r = b.fma(kf, nl, r1);
    let d = b.sub(r1, r);
    let rl = b.fma(kf, nl, d);
    (r, rl, ki)
}

/// The non-linear part q = r²·P(r) of expm1(r) = r + q, for |r| <= ~ln2/2 (relative
/// error of r + q before rounding ~2^-32 / 2^-61.7).
pub(crate) fn expm1_q<B: MathBuilder>(b: &mut B, r: B::V) -> B::V {
    let r2 = b.mul(r, r);
    let p = expm1_poly(b, r, r2);
    b.mul(r2, p)
}

/// P(r) of expm1(r) = r + r²·P(r), given r² (which the callers need too).
fn expm1_poly<B: MathBuilder>(b: &mut B, r: B::V, r2: B::V) -> B::V {
    if is64::<B>() {
        // Horner proper; Estrin measured 1.535 ulp on expm1 (1M samples), over its bound.
        horner_sequential(b, r, &EXPM1_64)
    } else {
        estrin_x2(b, r, r2, &EXPM1_32)
    }
}

/// Cody–Waite reduction x = k·ln2 + r for exp and expm1: returns r and k as the raw
/// bits of the rounding sum (`round_mul_shiftable`: good for building 2^k). ln2 in two
/// parts, or in one where `one_step` (r then carries an error of k·|ln2 - h|).
fn ln2_reduce<B: MathBuilder>(b: &mut B, x: B::V, one_step: bool) -> (B::V, B::I) {
    let l2e = cw(b, LOG2E_32.0, LOG2E_64.0);
    let (kf, kbits) = round_mul_shiftable(b, x, l2e);
    let (h, l) = if is64::<B>() { LN2_64 } else { LN2_32 };
    let nh = b.c(-h);
    let r = b.fma(kf, nh, x);
    if one_step {
        return (r, kbits);
    }
    let nl = b.c(-l);
    (b.fma(kf, nl, r), kbits)
}

/// exp(x) = (h + l)·2^k as (h, l, k) with h + l in [~0.7, ~1.42], |l| <= ulp(h)/2;
/// for |x| below the overflow limit. h + l = 1 + r + q + rl·(1 + r) is summed from the
/// exact pair 1 + r.
pub(crate) fn exp_parts_dw<B: MathBuilder>(b: &mut B, x: B::V) -> (B::V, B::V, B::I) {
    let (r, rl, k) = exp_reduce(b, x);
    let q = expm1_q(b, r);
    let one = b.c(1.0);
    let (h, l) = fast_two_sum(b, one, r);
    // e^(r + rl) ≈ e^r·(1 + rl)
    let c = b.fma(rl, r, rl);
    let q = b.add(q, c);
    let l = b.add(l, q);
    let (h, l) = fast_two_sum(b, h, l);
    (h, l, k)
}

/// exp(x + xl) = p·2^k as (p, k), for a double-word argument (|xl| <= ~ulp(x)).
pub(crate) fn exp_parts_xl<B: MathBuilder>(b: &mut B, x: B::V, xl: B::V) -> (B::V, B::I) {
    let (r, rl, k) = exp_reduce(b, x);
    let rl = b.add(rl, xl);
    let q = expm1_q(b, r);
    let one = b.c(1.0);
    let (h, l) = fast_two_sum(b, one, r);
    let l = b.add(l, q);
    // e^(r + rl) ≈ e^r·(1 + rl); rl can be ~2^-(p-9) here, so use e^r in full
    let er = b.add(h, l);
    let c = b.mul(rl, er);
    let l = b.add(l, c);
    (b.add(h, l), k)
}

/// e^r for |r| <= ~ln2/2 as 1 + r·(1 + r·P(r)), every step one fma: the last
/// rounding is the only one of full weight (the one before is scaled by |r| <= 0.35).
fn exp_r<B: MathBuilder>(b: &mut B, r: B::V) -> B::V {
    let c: &[f64] = if is64::<B>() { &EXP_64 } else { &EXP_32 };
    let p = horner_sequential(b, r, c);
    let one = b.c(1.0);
    let t = b.fma(p, r, one);
    b.fma(t, r, one)
}

/// e^x. Special cases per the Array API: exp(NaN) = NaN, exp(±0) = 1, exp(+inf) = +inf,
/// exp(-inf) = +0; overflows to +inf above ln(MAX), gradual underflow below ln(MIN).
///
/// The fast path of the library's hottest function: one Cody–Waite reduction, e^r by
/// `exp_r`, and 2^k added straight into the exponent bits. Only results that are
/// subnormal take a second, scaled step (selected, not branched). About 20 primitive
/// operations per vector; f32: 9 multiplies and fmas (the expm1 polynomial and
/// 1 + (r + q) it used before took 11 and two adds, and measured 0.935 ulp against
/// 0.862 now).
pub fn exp<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let (r, kbits) = ln2_reduce(b, x, false);
    // e^r in [~0.7, ~1.42].
    let p = exp_r(b, r);
    // p·2^k by adding k to the exponent field: exact while the result is normal.
    let pb = b.to_bits(p);
    let kb = b.shl(kbits, mant_bits::<B>());
    let yb = b.iadd(pb, kb);
    let y = b.from_bits(yb);
    // |x| beyond the subnormal threshold (which also covers everything above ln(MAX)),
    // or NaN: fix the lanes up (rarely taken; lanes in range come back unchanged).
    let ax = b.abs(x);
    let lim = cw(b, 86.5, 707.5);
    let special = b.nlt(ax, lim); // NaN too
    b.unless_any(special, y, |b, y| {
        let sub_t = cw(b, -86.5, -707.5);
        let hi = cw(b, 88.72283172607422, 709.782712893384);
        // Subnormal results: p·2^(k+s) is normal, then one rounding multiply by 2^-s.
        let s = if is64::<B>() { 512 } else { 64 };
        let sk = b.ci(s);
        let ks = b.iadd(kbits, sk); // only shifted: the raw bits serve as k
        let ksb = b.shl(ks, mant_bits::<B>());
        let y2b = b.iadd(pb, ksb);
        let y2 = b.from_bits(y2b);
        let down = b.c(2f64.powi(-(s as i32)));
        let y2 = b.mul(y2, down);
        let tiny = b.lt(x, sub_t);
        let y = b.select(tiny, y2, y);
        // Beyond ln(MAX) the true result overflows; below the underflow limit it is +0.
        let lo = cw(b, -104.0, -746.0);
        let over = b.gt(x, hi);
        let under = b.lt(x, lo);
        let i = inf(b);
        let z = b.c(0.0);
        let y = b.select(over, i, y);
        let y = b.select(under, z, y);
        let nan_in = b.is_nan(x);
        b.select(nan_in, x, y)
    })
}

/// e^x - 1, accurate near 0. Special cases per the Array API: expm1(NaN) = NaN,
/// expm1(±0) = ±0, expm1(+inf) = +inf, expm1(-inf) = -1.
///
/// One reduction x = k·ln2 + r, e = expm1(r) = r + r²·P(r), then
/// expm1(x) = 2^k·e + (2^k - 1) with one fused multiply-add (2^k - 1 is exact for the k
/// that matter), so k = 0 gives e itself and small |x| stays relatively accurate.
pub fn expm1<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let (y, e, ki) = expm1_core(b, x);
    let one = b.c(1.0);
    // Outside [-18, 80], at ±0 and for NaN: fix the lanes up (rarely taken).
    let neg = cw(b, -18.0, -40.0);
    let big = cw(b, 80.0, 700.0);
    let z = b.c(0.0);
    let below = b.nge(x, neg); // NaN too
    let above = b.nle(x, big);
    let outside = b.or(below, above);
    let is_zero = b.eq(x, z);
    let special = b.or(outside, is_zero);
    b.unless_any(special, y, |b, y| {
        // Near ln(MAX), 2^k itself would overflow: there the "- 1" is far below an ulp,
        // so use 2·(2^(k-1)·(1 + e)).
        let m1i = b.ci(-1);
        let kh = b.iadd(ki, m1i); // only shifted, in pow2i
        let th = pow2i(b, kh);
        let pe = b.add(one, e);
        let yb = b.mul(th, pe);
        let yb = b.add(yb, yb);
        let is_big = b.gt(x, big);
        let y = b.select(is_big, yb, y);
        // Below -18 (-40), e^x < ulp(1)/4 and the correctly rounded result is -1; above
        // ln(MAX) it overflows.
        let is_neg = b.lt(x, neg);
        let m1 = b.c(-1.0);
        let y = b.select(is_neg, m1, y);
        let hi = cw(b, 88.72283172607422, 709.782712893384);
        let over = b.gt(x, hi);
        let i = inf(b);
        let y = b.select(over, i, y);
        let y = b.select(is_zero, x, y);
        let nan_in = b.is_nan(x);
        b.select(nan_in, x, y)
    })
}

/// expm1(x) for x in [-18, 80] ([-40, 700] for f64) and NaN (→ NaN); a zero of either
/// sign for ±0. Also returns e (the reduced argument's expm1, hi part) and k (x ≈ k·ln2,
/// as `round_mul_shiftable`'s raw bits: only for building powers of two) for the
/// fix-ups outside that range.
pub(crate) fn expm1_core<B: MathBuilder>(b: &mut B, x: B::V) -> (B::V, B::V, B::I) {
    let (r, ki) = ln2_reduce(b, x, false);
    let q = expm1_q(b, r);
    // e = r + q as an exact pair, so that 2^k does not amplify its rounding error.
    let (e, el) = fast_two_sum(b, r, q);
    // 2^k is a normal number for every k used here (|x| below the cut-offs).
    let t = pow2i(b, ki);
    let one = b.c(1.0);
    let tm1 = b.sub(t, one);
    let y = b.fma(t, e, tm1);
    let y = b.fma(t, el, y);
    (y, e, ki)
}

/// expm1(x) as in `expm1_core`, with e = r + q rounded once instead of kept as an exact
/// pair: five operations fewer, about half an ulp less accurate where 2^k·e dominates.
/// For tanh only: f32 reduces in one step, accurate for |x| <= 20 where tanh damps
/// the error.
pub(crate) fn expm1_core_plain<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    // f32 in one step: for the |x| <= 20 tanh passes, k <= 29 and the error k·|ln2 - h|
    // <= 6e-8 in r is damped by 2/(E + 2) <= 2^(1-k) in tanh (under 0.03 ulp).
    let (r, kbits) = ln2_reduce(b, x, !is64::<B>());
    // e = r + r²·P(r) rounded once, r² shared with the polynomial.
    let r2 = b.mul(r, r);
    let p = expm1_poly(b, r, r2);
    let e = b.fma(r2, p, r);
    let t = pow2i(b, kbits); // 2^k: only the shifted bits of k matter
    let one = b.c(1.0);
    let tm1 = b.sub(t, one);
    b.fma(t, e, tm1)
}

/// Whether an argument of `log_reduce` may be subnormal.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Subnormals {
    /// Scale subnormals into the normal range first (five more operations).
    Scale,
    /// The caller knows x >= the smallest normal (log1p's 1 + x, for one).
    Absent,
}

/// Splits finite x > 0 as x = 2^k·(1 + f) with 1 + f in [√½, √2). Returns (f, k as
/// float). f is exact. Garbage for x <= 0, inf, NaN, and for subnormal x unless
/// `subnormals` is `Scale`.
pub(crate) fn log_reduce<B: MathBuilder>(
    b: &mut B,
    x: B::V,
    subnormals: Subnormals,
) -> (B::V, B::V) {
    let mb = mant_bits::<B>();
    let (xs, kadj) = if subnormals == Subnormals::Scale {
        let min_normal = cw(b, f32::MIN_POSITIVE as f64, f64::MIN_POSITIVE);
        let sub = b.lt(x, min_normal);
        let up = cw(b, 33554432.0, 18014398509481984.0); // 2^25, 2^54
        let xu = b.mul(x, up);
        let kadj_v = cw(b, -25.0, -54.0);
        let z = b.c(0.0);
        (b.select(sub, xu, x), Some(b.select(sub, kadj_v, z)))
    } else {
        (x, None)
    };
    // Offset the exponent so that mantissas >= √½ count toward the next binade
    // (the trick of musl's log).
    let (one_bits, sqrt_half_bits): (i64, i64) = if is64::<B>() {
        (0x3ff0_0000_0000_0000, 0x3fe6_a09e_667f_3bcd)
    } else {
        (0x3f80_0000, 0x3f35_04f3)
    };
    let bits = b.to_bits(xs);
    let off = b.ci(one_bits - sqrt_half_bits);
    let ix = b.iadd(bits, off);
    let ke = b.ushr(ix, mb); // ix > 0 for the x this is meaningful for
    let bi = b.ci(bias::<B>());
    let k = b.isub(ke, bi);
    let mmask = b.ci((1i64 << mb) - 1);
    let mbits = b.iand(ix, mmask);
    let shb = b.ci(sqrt_half_bits);
    let mbits = b.iadd(mbits, shb);
    let m = b.from_bits(mbits);
    let one = b.c(1.0);
    let f = b.sub(m, one);
    let kf = int_to_float(b, k);
    let kf = match kadj {
        Some(kadj) => b.add(kf, kadj),
        None => kf,
    };
    (f, kf)
}

/// The pieces of log(1 + f) for f in [√½ - 1, √2 - 1] (fdlibm's e_log.c): s = f/(2 + f),
/// f²/2, and R = s²·P(s²), with log(1 + f) = f - f²/2 + s·(f²/2 + R).
fn log_parts<B: MathBuilder>(b: &mut B, f: B::V) -> (B::V, B::V, B::V) {
    let two = b.c(2.0);
    let den = b.add(two, f);
    let s = b.div(f, den);
    let z = b.mul(s, s);
    let g = if is64::<B>() {
        horner(b, z, &LOG_64)
    } else {
        horner(b, z, &LOG_32)
    };
    let r = b.mul(z, g);
    let half = b.c(0.5);
    let hf = b.mul(half, f);
    let hfsq = b.mul(hf, f);
    (s, hfsq, r)
}

/// log(1 + f) for f in [√½ - 1, √2 - 1] as an unevaluated sum hi + lo, where hi = f -
/// f²/2 rounded, and |lo| is small. Also returns nothing else: callers add k·log(2).
pub(crate) fn log1p_hilo<B: MathBuilder>(b: &mut B, f: B::V) -> (B::V, B::V) {
    let (s, hfsq, r) = log_parts(b, f);
    // hi = f - hfsq; (f - hi) and ((f - hi) - hfsq) are exact (Sterbenz).
    let hi = b.sub(f, hfsq);
    let d = b.sub(f, hi);
    let d = b.sub(d, hfsq);
    let t = b.add(hfsq, r);
    let lo = b.fma(s, t, d);
    (hi, lo)
}

/// Natural logarithm. Special cases: NaN → NaN, x < 0 → NaN, ±0 → -inf, 1 → +0,
/// +inf → +inf.
///
/// The last step is fdlibm's (e_log.c): k·ln2_hi − ((f²/2 − (s·(f²/2 + R) + k·ln2_lo)) − f),
/// eight operations where the double-word sum of `log1p_hilo` + `log_finish` takes
/// fourteen; both stay under 1 ulp (tests below, docs/accuracy.md).
pub fn log<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let y = log_core(b, x, Subnormals::Scale);
    log_specials(b, x, y)
}

/// log(x) for finite x > 0 (normal unless `subnormals` is `Scale`); garbage elsewhere:
/// callers fix up the special cases.
fn log_core<B: MathBuilder>(b: &mut B, x: B::V, subnormals: Subnormals) -> B::V {
    let (f, kf) = log_reduce(b, x, subnormals);
    let (s, hfsq, r) = log_parts(b, f);
    let (h, l) = if is64::<B>() { LN2T_64 } else { LN2T_32 };
    let ll = b.c(l);
    let klo = b.mul(kf, ll);
    let t = b.add(hfsq, r);
    let t = b.fma(s, t, klo);
    let t = b.sub(hfsq, t);
    let t = b.sub(t, f);
    let lh = b.c(h);
    let khi = b.mul(kf, lh); // exact: ln2_hi has trailing zero bits
    b.sub(khi, t)
}

/// k·ln2 + hi + lo (+ extra) as an unevaluated pair (w, e), |e| <~ ulp(w).
fn log_finish_dw<B: MathBuilder>(
    b: &mut B,
    kf: B::V,
    hi: B::V,
    lo: B::V,
    extra: Option<B::V>,
) -> (B::V, B::V) {
    let (h, l) = if is64::<B>() { LN2T_64 } else { LN2T_32 };
    let lh = b.c(h);
    let ll = b.c(l);
    let y = b.mul(kf, lh); // exact
    let w = b.add(y, hi);
    // |y| >= |hi| or y == 0: FastTwoSum.
    let e = b.sub(y, w);
    let e = b.add(e, hi);
    let lo = match extra {
        Some(c) => b.add(lo, c),
        None => lo,
    };
    let lo = b.fma(kf, ll, lo);
    let e = b.add(e, lo);
    (w, e)
}

/// The special cases shared by log, log2, log10, behind one test: x <= 0, +inf, NaN.
fn log_specials<B: MathBuilder>(b: &mut B, x: B::V, y: B::V) -> B::V {
    log_specials_at(b, x, y, 0.0)
}

/// The special cases of a logarithm whose pole is at x = `pole` (0 for log, -1 for
/// log1p): x < pole and NaN give NaN, x = pole gives -inf, +inf gives +inf; `y`
/// elsewhere. One test on the fast path.
pub(crate) fn log_specials_at<B: MathBuilder>(b: &mut B, x: B::V, y: B::V, pole: f64) -> B::V {
    let z = b.c(pole);
    let i = inf(b);
    let not_above = b.ngt(x, z); // NaN too
    let not_fin = b.nlt(x, i);
    let special = b.or(not_above, not_fin);
    b.unless_any(special, y, |b, y| {
        let ni = b.neg(i);
        let n = nan(b);
        let is_pole = b.eq(x, z);
        let is_inf = b.eq(x, i);
        let y = b.select(is_inf, i, y);
        let y = b.select(is_pole, ni, y);
        let ok = b.ge(x, z); // false for NaN and below the pole
        b.select(ok, y, n)
    })
}

/// log(1 + x + xl) + kadd·ln2 as an unevaluated pair, for x > -1 finite,
/// |xl| <= ~ulp(x), kadd a small integer (as float) or 0. No special-case handling
/// (callers select).
pub(crate) fn log1p_core_dw<B: MathBuilder>(
    b: &mut B,
    x: B::V,
    xl: B::V,
    kadd: B::V,
) -> (B::V, B::V) {
    let one = b.c(1.0);
    let u = b.add(one, x);
    // u = 1 + x >= 2^-53 for every x > -1: never subnormal.
    let (fu, ku) = log_reduce(b, u, Subnormals::Absent);
    // c = (1 + x) - u exactly (FastTwoSum with the larger operand first), then
    // log(1 + x + xl) = log(u) + (c + xl)/u to first order.
    let u1 = b.sub(u, one);
    let c_small = b.sub(x, u1);
    let ux = b.sub(u, x);
    let c_big = b.sub(one, ux);
    let lt1 = b.lt(x, one);
    let c = b.select(lt1, c_small, c_big);
    // For x in [√½ - 1, √2 - 1) use f = x directly (no rounding at all).
    let lo_lim = b.c(-0.2928932188134524);
    let hi_lim = b.c(0.41421356237309503);
    let a = b.ge(x, lo_lim);
    let bq = b.lt(x, hi_lim);
    let direct = b.and(a, bq);
    let z = b.c(0.0);
    let c = b.select(direct, z, c);
    let c = b.add(c, xl);
    let c = b.div(c, u);
    let f = b.select(direct, x, fu);
    let kf = b.select(direct, z, ku);
    let kf = b.add(kf, kadd);
    let (hi, lo) = log1p_hilo(b, f);
    log_finish_dw(b, kf, hi, lo, Some(c))
}

/// log(1 + x + xl) + kadd·ln2, rounded (see `log1p_core_dw`).
pub(crate) fn log1p_core<B: MathBuilder>(b: &mut B, x: B::V, xl: B::V, kadd: B::V) -> B::V {
    let (w, e) = log1p_core_dw(b, x, xl, kadd);
    b.add(w, e)
}

/// log(1 + x), accurate for small x. Special cases per the Array API: log1p(NaN) = NaN,
/// log1p(x < -1) = NaN, log1p(-1) = -inf, log1p(±0) = ±0, log1p(+inf) = +inf.
///
/// u = 1 + x is rounded, and the rounding error is put back to first order:
/// log1p(x) = log(u) + (x - (u - 1)) / u (Goldberg, "What every computer scientist should
/// know about floating-point arithmetic", 1991, Theorem 4) — one `log`, a division and
/// four cheap operations, instead of a second, double-word logarithm.
pub fn log1p<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    if !is64::<B>() {
        return log1p_f32(b, x);
    }
    let one = b.c(1.0);
    let u = b.add(one, x);
    let um1 = b.sub(u, one);
    let d = b.sub(x, um1);
    let c = b.div(d, u);
    // u >= 2^-53 for every x > -1, so never subnormal; x <= -1, +inf and NaN (where u is
    // not a finite positive number) are fixed up below, so log's own fix-ups would be
    // dead code.
    let l = log_core(b, u, Subnormals::Absent);
    let y = b.add(l, c);
    // Tiny |x|, x <= -1, +inf and NaN are fixed up behind one test.
    let (t, coeffs): (f64, &[f64]) = if is64::<B>() {
        (2f64.powi(-12), &[-0.5, 1.0 / 3.0, -0.25, 0.2])
    } else {
        (2f64.powi(-9), &[-0.5, 1.0 / 3.0, -0.25])
    };
    let ax = b.abs(x);
    let tv = b.c(t);
    let small = b.lt(ax, tv);
    let m1 = b.c(-1.0);
    let i = inf(b);
    let not_above = b.ngt(x, m1); // NaN too
    let not_fin = b.nlt(x, i);
    let abnormal = b.or(not_above, not_fin);
    let special = b.or(small, abnormal);
    b.unless_any(special, y, |b, y| {
        // Tiny |x|: the series x - x²/2 + x³/3 - ..., whose truncation is far below an
        // ulp there (|x| < 2^-9: x⁴/5 < 2^-38 relative for f32; |x| < 2^-12 with one more
        // term for f64), where the formula above would lose up to half an ulp to u's
        // rounding. x + x²·P(x), rounded once at the end.
        let p = horner(b, x, coeffs);
        let x2 = b.mul(x, x);
        let series = b.fma(x2, p, x);
        let y = b.select(small, series, y);
        // Specials: where u is 0 or infinite the correction is 0/0 or inf - inf.
        let ni = b.neg(i);
        let n = nan(b);
        let z = b.c(0.0);
        let is_m1 = b.eq(x, m1);
        let is_inf = b.eq(x, i);
        let is_zero = b.eq(x, z);
        let y = b.select(is_inf, i, y);
        let y = b.select(is_m1, ni, y);
        let y = b.select(is_zero, x, y);
        let ok = b.ge(x, m1);
        b.select(ok, y, n)
    })
}

/// log1p for f32 without a division: 1 + x = 2^k·(1 + f) with 1 + f in [3/4, 3/2),
/// where f = x·2^-k + (2^-k - 1) comes out exact (the scaling of x is a subtraction
/// from its exponent bits; the case analysis is in docs/accuracy.md), so no correction
/// term for the rounding of 1 + x is needed; then log1p(f) = f + f²·P(f) with a degree-8
/// minimax P (tools/remez.py) and k·ln2 added by one fma. About 24 vector operations
/// where the general path takes about 37 and two divisions. (The reduction is the one
/// of Arm's optimized-routines `log1pf`; the polynomial and its evaluation are kiln's.)
fn log1p_f32<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let y = log1p_f32_core(b, x, None, None);
    log_specials_at(b, x, y, -1.0)
}

/// log1p(x + xl) + kadd·ln2 for f32 builders, x > -1 finite, before special cases
/// (callers select them): `log1p_f32`'s reduction and polynomial, with an optional
/// low word xl (|xl| <= ~ulp(x)) and an optional kadd (0 or a small integer, as a
/// float). With 1 + x = 2^k·(1 + f) (f exact), the low word enters as δ = xl·2^-k:
/// log1p(f + δ) = log1p(f) + δ/(1 + f), and δ/(1 + f) is taken as δ·(1 - f), within
/// δ·f²/(1 + f) <= δ/6 for f in [-1/4, 1/2) (δ is itself about an ulp of the result
/// or less). For the inverse hyperbolic functions, which carry their argument's
/// rounding error in xl and take ln(2a) as log1p(a - 1) + ln2 (`kadd`).
pub(crate) fn log1p_f32_core<B: MathBuilder>(
    b: &mut B,
    x: B::V,
    xl: Option<B::V>,
    kadd: Option<B::V>,
) -> B::V {
    debug_assert!(!is64::<B>(), "log1p_f32_core needs a 32-bit builder");
    let one = b.c(1.0);
    let m = b.add(x, one); // only to find k: its rounding does not reach f
    let mb = b.to_bits(m);
    // -k << 23 = -((bits(m) - bits(3/4)) & !(2^23 - 1)), computed as
    // ((bits(3/4) + 2^23 - 1) - bits(m)) & !(2^23 - 1) (masking floors, so the
    // negated operand is offset by 2^23 - 1).
    let c = b.ci(0x3f40_0000 + 0x7f_ffff);
    let nmi = b.isub(c, mb);
    let exp_field = b.ci(0xff80_0000u32 as i32 as i64);
    let nkb = b.iand(nmi, exp_field); // -k << 23
    let xb = b.to_bits(x);
    let xs = b.iadd(xb, nkb); // x·2^-k (x = 0 and tiny x have k = 0)
    let xs = b.from_bits(xs);
    let four = b.ci(0x4080_0000);
    let s4 = b.iadd(four, nkb); // 4·2^-k, a normal number for every k that occurs
    let s4 = b.from_bits(s4);
    let mquarter = b.c(-0.25);
    // 1 - 2^-k (+0 for k = 0)
    let c = b.fma(s4, mquarter, one);
    // x·2^-k - (1 - 2^-k): exact; a subtraction so that x = -0 keeps its sign.
    let f = b.sub(xs, c);
    let p = horner_sequential(b, f, &LOG1P_32);
    let f2 = b.mul(f, f);
    let y = match xl {
        // δ·(1 - f) = (xl·4·2^-k)·(1/4 - f/4), added to f²·P(f) before f
        Some(xl) => {
            let d4 = b.mul(xl, s4);
            let quarter = b.c(0.25);
            let w = b.fma(f, mquarter, quarter);
            let corr = b.mul(d4, w);
            let t = b.fma(f2, p, corr);
            b.add(f, t)
        }
        None => b.fma(f2, p, f),
    };
    // y + (-k·2^23)·(-ln2·2^-23): -k·2^23 converts exactly (+0 for k = 0), and for
    // k = 0 the product is -0, which leaves y, and its sign, unchanged.
    let nk = b.to_float(nkb);
    let nk = match kadd {
        Some(kadd) => {
            let scale = b.c(-8388608.0);
            b.fma(kadd, scale, nk)
        }
        None => nk,
    };
    let nln2 = b.c(-LN2_32.0 / 8388608.0);
    b.fma(nk, nln2, y)
}

/// Base-2 logarithm (same special cases as `log`; exact for powers of two).
pub fn log2<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let (f, kf) = log_reduce(b, x, Subnormals::Scale);
    let (hi, lo) = log1p_hilo(b, f);
    let (ch, cl) = if is64::<B>() { LOG2E_64 } else { LOG2E_32 };
    let y = scaled_log(b, hi, lo, ch, cl, kf, None);
    log_specials(b, x, y)
}

/// Base-10 logarithm (same special cases as `log`).
pub fn log10<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let (f, kf) = log_reduce(b, x, Subnormals::Scale);
    let (hi, lo) = log1p_hilo(b, f);
    let (ch, cl) = if is64::<B>() { LOG10E_64 } else { LOG10E_32 };
    let t = if is64::<B>() {
        LOG10_2T_64
    } else {
        LOG10_2T_32
    };
    let y = scaled_log(b, hi, lo, ch, cl, kf, Some(t));
    log_specials(b, x, y)
}

/// k·K + (hi + lo)·C where C = ch + cl, and K = 1 (log2) or the split constant `kc`
/// (log10: log10(2) with trailing zeros + remainder).
fn scaled_log<B: MathBuilder>(
    b: &mut B,
    hi: B::V,
    lo: B::V,
    ch: f64,
    cl: f64,
    kf: B::V,
    kc: Option<(f64, f64)>,
) -> B::V {
    let chv = b.c(ch);
    let clv = b.c(cl);
    let vh = b.mul(hi, chv);
    let nvh = b.neg(vh);
    let ve = b.fma(hi, chv, nvh); // exact rounding error of hi·ch
    let vl = b.fma(hi, clv, ve);
    let vl = b.fma(lo, chv, vl);
    let (y, yl) = match kc {
        None => (kf, None),
        Some((kh, kl)) => {
            let khv = b.c(kh);
            let klv = b.c(kl);
            (b.mul(kf, khv), Some(b.mul(kf, klv)))
        }
    };
    let vl = match yl {
        Some(t) => b.add(vl, t),
        None => vl,
    };
    // FastTwoSum(y, vh): |y| >= |vh| whenever y != 0.
    let w = b.add(y, vh);
    let e = b.sub(y, w);
    let e = b.add(e, vh);
    let e = b.add(e, vl);
    b.add(w, e)
}

#[cfg(test)]
mod tests {
    use super::super::scalar::{Eval32, Eval64};
    use super::super::testutil::*;
    use astro_float::{BigFloat, Consts};

    const N: usize = 10000;

    fn f32of(f: fn(&mut Eval32, f32) -> f32) -> impl Fn(f64) -> f64 {
        move |x| f(&mut Eval32, x as f32) as f64
    }
    fn f64of(f: fn(&mut Eval64, f64) -> f64) -> impl Fn(f64) -> f64 {
        move |x| f(&mut Eval64, x)
    }

    /// Taylor series sum c_k x^k (k >= 1) in big floats, for tiny |x|.
    fn series(x: f64, coef: &[f64]) -> BigFloat {
        let xb = bf(x);
        let mut acc = bf(0.0);
        let mut p = xb.clone();
        for &c in coef {
            acc = acc.add(&p.mul(&bf(c), PREC, RM), PREC, RM);
            p = p.mul(&xb, PREC, RM);
        }
        acc
    }

    pub(crate) fn ref_exp(x: f64, cc: &mut Consts) -> Ref {
        val(bf(x).exp(PREC, RM, cc))
    }
    pub(crate) fn ref_expm1(x: f64, cc: &mut Consts) -> Ref {
        if x.abs() < 2f64.powi(-40) {
            return val(series(x, &[1.0, 0.5, 1.0 / 6.0, 1.0 / 24.0]));
        }
        val(bf(x).exp(PREC, RM, cc).sub(&bf(1.0), PREC, RM))
    }
    pub(crate) fn ref_log(x: f64, cc: &mut Consts) -> Ref {
        if x < 0.0 || x.is_nan() {
            return Ref::Nan;
        }
        if x == 0.0 {
            return Ref::Val(bf(f64::NEG_INFINITY));
        }
        val(bf(x).ln(PREC, RM, cc))
    }
    pub(crate) fn ref_log1p(x: f64, cc: &mut Consts) -> Ref {
        if x < -1.0 || x.is_nan() {
            return Ref::Nan;
        }
        if x == -1.0 {
            return Ref::Val(bf(f64::NEG_INFINITY));
        }
        if x.abs() < 2f64.powi(-40) {
            return val(series(x, &[1.0, -0.5, 1.0 / 3.0, -0.25]));
        }
        val(bf(1.0).add(&bf(x), PREC, RM).ln(PREC, RM, cc))
    }
    fn ref_log2(x: f64, cc: &mut Consts) -> Ref {
        if x < 0.0 || x.is_nan() {
            return Ref::Nan;
        }
        if x == 0.0 {
            return Ref::Val(bf(f64::NEG_INFINITY));
        }
        val(bf(x).log2(PREC, RM, cc))
    }
    fn ref_log10(x: f64, cc: &mut Consts) -> Ref {
        if x < 0.0 || x.is_nan() {
            return Ref::Nan;
        }
        if x == 0.0 {
            return Ref::Val(bf(f64::NEG_INFINITY));
        }
        val(bf(x).log10(PREC, RM, cc))
    }

    fn exp_gens(w: W) -> Vec<(u32, G)> {
        let (hi, lo, sub) = match w {
            W::F32 => (88.72283905206835, -103.97207708399179, -87.3365447505531),
            W::F64 => (709.782712893384, -745.1332191019412, -708.3964185322641),
        };
        vec![
            (30, G::Uni(lo * 1.01, hi * 1.01)),
            (30, G::Log(1e-300, hi * 1.01, 0)),
            (8, G::Near(hi, 1e-3)),
            (8, G::Near(lo, 1e-3)),
            (8, G::Near(sub, 1e-2)),
            (8, G::Uni(-1.0, 1.0)),
            (8, G::Bits),
        ]
    }

    fn expm1_gens(w: W) -> Vec<(u32, G)> {
        let mut g = exp_gens(w);
        g.push((20, G::Log(1e-30, 1.0, 0)));
        g.push((10, G::Uni(-50.0, 50.0)));
        g
    }

    fn log_gens(_w: W) -> Vec<(u32, G)> {
        vec![
            (40, G::Log(1e-320, 1e308, 1)),
            (15, G::Uni(0.0, 4.0)),
            (15, G::Near(1.0, 1e-2)),
            (10, G::Log(1e-320, 1e-300, 1)),
            (10, G::BitsSigned(1)),
            (5, G::Near(std::f64::consts::SQRT_2, 1e-3)),
            (5, G::Near(std::f64::consts::FRAC_1_SQRT_2, 1e-3)),
        ]
    }

    fn log1p_gens(_w: W) -> Vec<(u32, G)> {
        vec![
            (30, G::Log(1e-320, 1e308, 1)),
            (20, G::Log(1e-320, 1.0, -1)),
            (15, G::Uni(-1.0, 3.0)),
            (10, G::Near(-1.0, 1e-3)),
            (5, G::Near(-0.2928932188134524, 1e-3)),
            (5, G::Near(0.41421356237309503, 1e-3)),
            (5, G::Near(1.0, 1e-3)),
            (10, G::Bits),
        ]
    }

    macro_rules! ulp_test {
        ($t32:ident, $t64:ident, $name:literal, $f:ident, $gens:ident, $ref:ident, $b32:expr, $b64:expr) => {
            #[test]
            fn $t32() {
                let f = f32of(super::$f::<Eval32>);
                check_unary($name, W::F32, samples(N), &$gens(W::F32), &f, &$ref, $b32);
            }
            #[test]
            fn $t64() {
                let f = f64of(super::$f::<Eval64>);
                check_unary($name, W::F64, samples(N), &$gens(W::F64), &f, &$ref, $b64);
            }
        };
    }

    ulp_test!(
        exp_f32_ulp,
        exp_f64_ulp,
        "exp",
        exp,
        exp_gens,
        ref_exp,
        1.0,
        1.0
    );
    ulp_test!(
        expm1_f32_ulp,
        expm1_f64_ulp,
        "expm1",
        expm1,
        expm1_gens,
        ref_expm1,
        1.5,
        1.5
    );
    ulp_test!(
        log_f32_ulp,
        log_f64_ulp,
        "log",
        log,
        log_gens,
        ref_log,
        1.0,
        1.0
    );
    ulp_test!(
        log1p_f32_ulp,
        log1p_f64_ulp,
        "log1p",
        log1p,
        log1p_gens,
        ref_log1p,
        1.5,
        1.5
    );
    ulp_test!(
        log2_f32_ulp,
        log2_f64_ulp,
        "log2",
        log2,
        log_gens,
        ref_log2,
        1.0,
        1.0
    );
    ulp_test!(
        log10_f32_ulp,
        log10_f64_ulp,
        "log10",
        log10,
        log_gens,
        ref_log10,
        1.0,
        1.0
    );

    const INF: f64 = f64::INFINITY;
    const NAN: f64 = f64::NAN;

    fn sp(
        name: &str,
        f32fn: fn(&mut Eval32, f32) -> f32,
        f64fn: fn(&mut Eval64, f64) -> f64,
        t: &[(f64, f64)],
    ) {
        check_specials1(
            name,
            &|x| f32fn(&mut Eval32, x),
            &|x| f64fn(&mut Eval64, x),
            t,
        );
    }

    #[test]
    fn exp_log_specials() {
        sp(
            "exp",
            super::exp,
            super::exp,
            &[
                (NAN, NAN),
                (0.0, 1.0),
                (-0.0, 1.0),
                (INF, INF),
                (-INF, 0.0),
                (1e6, INF),
                (-1e6, 0.0),
            ],
        );
        sp(
            "expm1",
            super::expm1,
            super::expm1,
            &[
                (NAN, NAN),
                (0.0, 0.0),
                (-0.0, -0.0),
                (INF, INF),
                (-INF, -1.0),
                (1e6, INF),
                (-1e6, -1.0),
            ],
        );
        for (n, f32fn, f64fn) in [
            (
                "log",
                super::log::<Eval32> as fn(&mut Eval32, f32) -> f32,
                super::log::<Eval64> as fn(&mut Eval64, f64) -> f64,
            ),
            ("log2", super::log2, super::log2),
            ("log10", super::log10, super::log10),
        ] {
            sp(
                n,
                f32fn,
                f64fn,
                &[
                    (NAN, NAN),
                    (-1.0, NAN),
                    (-INF, NAN),
                    (-1e-40, NAN),
                    (-0.0, -INF),
                    (0.0, -INF),
                    (1.0, 0.0),
                    (INF, INF),
                ],
            );
        }
        sp(
            "log1p",
            super::log1p,
            super::log1p,
            &[
                (NAN, NAN),
                (-1.5, NAN),
                (-INF, NAN),
                (-1.0, -INF),
                (-0.0, -0.0),
                (0.0, 0.0),
                (INF, INF),
                (1e-310, 1e-310),
            ],
        );
        // exact results
        for k in -1074..1024 {
            let x = if k >= -1022 {
                f64::from_bits(((k + 1023) as u64) << 52)
            } else {
                f64::from_bits(1u64 << (k + 1074))
            };
            assert_eq!(super::log2(&mut Eval64, x), k as f64);
        }
        for k in -149..128 {
            let x = if k >= -126 {
                f32::from_bits(((k + 127) as u32) << 23)
            } else {
                f32::from_bits(1u32 << (k + 149))
            };
            assert_eq!(super::log2(&mut Eval32, x), k as f32);
        }
        for k in 0..23 {
            assert_eq!(
                super::log10(&mut Eval64, 10f64.powi(k)),
                k as f64,
                "log10(1e{k})"
            );
        }
        for k in 0..11 {
            assert_eq!(
                super::log10(&mut Eval32, 10f32.powi(k)),
                k as f32,
                "log10f(1e{k})"
            );
        }
    }
}
