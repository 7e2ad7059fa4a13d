//! Building blocks shared by the math library: width-dependent constants, polynomial
//! evaluation, the round-to-integer and 2^k bit tricks, and error-free transformations
//! ("double-word" arithmetic, after Dekker 1971 and Joldes–Muller–Popescu 2017) for the
//! few places that need more than working precision.
//!
//! Everything here is branch-free and uses only [`MathBuilder`] operations.

use super::MathBuilder;

/// Picks the constant for the builder's width.
#[inline]
pub(crate) fn cw<B: MathBuilder>(b: &mut B, c32: f64, c64: f64) -> B::V {
    b.c(if B::BITS == 64 { c64 } else { c32 })
}

/// Whether the builder works on 64-bit floats.
#[inline]
pub(crate) fn is64<B: MathBuilder>() -> bool {
    B::BITS == 64
}

/// Explicit mantissa bits (23 or 52).
#[inline]
pub(crate) fn mant_bits<B: MathBuilder>() -> u32 {
    if is64::<B>() {
        52
    } else {
        23
    }
}

/// Exponent bias (127 or 1023).
#[inline]
pub(crate) fn bias<B: MathBuilder>() -> i64 {
    if is64::<B>() {
        1023
    } else {
        127
    }
}

/// 1.5 * 2^mant: adding it rounds any |v| < 2^(mant-1) to an integer (ties to even),
/// and the integer then sits in the low bits of the sum.
#[inline]
pub(crate) fn magic<B: MathBuilder>() -> (f64, i64) {
    if is64::<B>() {
        (6755399441055744.0, 0x4338_0000_0000_0000)
    } else {
        (12582912.0, 0x4B40_0000)
    }
}

/// Horner evaluation with fma of `c[0] + x*(c[1] + x*(c[2] + ...))`.
pub(crate) fn horner<B: MathBuilder>(b: &mut B, x: B::V, c: &[f64]) -> B::V {
    if c.len() >= 5 {
        return estrin(b, x, c);
    }
    horner_sequential(b, x, c)
}

/// Horner's rule proper (one rounding per step, smallest error): for polynomials whose
/// error budget Estrin's differently ordered roundings would exceed (f64 expm1's).
pub(crate) fn horner_sequential<B: MathBuilder>(b: &mut B, x: B::V, c: &[f64]) -> B::V {
    let n = c.len();
    let mut acc = b.c(c[n - 1]);
    for &ci in c[..n - 1].iter().rev() {
        let k = b.c(ci);
        acc = b.fma(acc, x, k);
    }
    acc
}

/// The same polynomial by Estrin's scheme: pairs c_2i + c_2i+1·x, then pairs of those
/// with x², x⁴, ... Its dependency chain is log2(n) multiply-adds deep instead of n, so
/// the vector units are not left waiting on one long chain (latency, not throughput,
/// bounded the long polynomials of log and exp here).
fn estrin<B: MathBuilder>(b: &mut B, x: B::V, c: &[f64]) -> B::V {
    let x2 = b.mul(x, x);
    estrin_x2(b, x, x2, c)
}

/// Estrin's scheme with x² given (callers that need x² themselves compute it once).
pub(crate) fn estrin_x2<B: MathBuilder>(b: &mut B, x: B::V, x2: B::V, c: &[f64]) -> B::V {
    let mut terms: Vec<B::V> = c
        .chunks(2)
        .map(|p| {
            let c0 = b.c(p[0]);
            match p.get(1) {
                Some(&c1) => {
                    let c1 = b.c(c1);
                    b.fma(c1, x, c0)
                }
                None => c0,
            }
        })
        .collect();
    if terms.len() == 3 {
        // Three pairs: (t2·x² + t1)·x² + t0 is as deep as Estrin's (x⁴ would be computed
        // alongside) and one multiplication shorter.
        let u = b.fma(terms[2], x2, terms[1]);
        return b.fma(u, x2, terms[0]);
    }
    let mut power = x2;
    while terms.len() > 1 {
        let next: Vec<B::V> = terms
            .chunks(2)
            .map(|t| match t.get(1) {
                Some(&hi) => b.fma(hi, power, t[0]),
                None => t[0],
            })
            .collect();
        terms = next;
        if terms.len() > 1 {
            power = b.mul(power, power);
        }
    }
    terms[0]
}

/// Round `x * c` to the nearest integer (ties to even) without a rounding instruction:
/// `fma(x, c, 1.5·2^p) - 1.5·2^p`. Returns the integer both as a float and as an
/// integer (read from the low bits of the sum). Valid for |x*c| < 2^(p-1)
/// (2^22 for f32, 2^51 for f64); outside it the result is some other number (callers
/// select it away).
pub(crate) fn round_mul<B: MathBuilder>(b: &mut B, x: B::V, c: B::V) -> (B::V, B::I) {
    let (m, mbits) = magic::<B>();
    let mv = b.c(m);
    let s = b.fma(x, c, mv);
    let kf = b.sub(s, mv);
    let sb = b.to_bits(s);
    let mb = b.ci(mbits);
    let ki = b.isub(sb, mb);
    (kf, ki)
}

/// `round_mul`, but the integer comes back as the raw bits of the rounding sum: k plus
/// the magic constant's bits, which are zero in every bit that survives a left shift by
/// the mantissa width. One operation fewer for callers that only build 2^k (exponent
/// fields) from k.
pub(crate) fn round_mul_shiftable<B: MathBuilder>(b: &mut B, x: B::V, c: B::V) -> (B::V, B::I) {
    let (m, _) = magic::<B>();
    let mv = b.c(m);
    let s = b.fma(x, c, mv);
    let kf = b.sub(s, mv);
    (kf, b.to_bits(s))
}

/// The float value of a small integer (|k| < 2^(p-1)), by the same bit trick.
pub(crate) fn int_to_float<B: MathBuilder>(b: &mut B, k: B::I) -> B::V {
    let (m, mbits) = magic::<B>();
    let mb = b.ci(mbits);
    let t = b.iadd(k, mb);
    let t = b.from_bits(t);
    let mv = b.c(m);
    b.sub(t, mv)
}

/// 2^k for an integer k in [1 - bias, bias], built from its exponent bits.
pub(crate) fn pow2i<B: MathBuilder>(b: &mut B, k: B::I) -> B::V {
    let bi = b.ci(bias::<B>());
    let e = b.iadd(k, bi);
    let e = b.shl(e, mant_bits::<B>());
    b.from_bits(e)
}

/// x * 2^k for an integer k in [2 - 2·bias, 2·bias], in two exact power-of-two steps so
/// that results near the overflow and (gradual) underflow limits round only once.
pub(crate) fn scale<B: MathBuilder>(b: &mut B, x: B::V, k: B::I) -> B::V {
    let k1 = b.sshr(k, 1);
    let k2 = b.isub(k, k1);
    let s1 = pow2i(b, k1);
    let s2 = pow2i(b, k2);
    let y = b.mul(x, s1);
    b.mul(y, s2)
}

/// +infinity.
#[inline]
pub(crate) fn inf<B: MathBuilder>(b: &mut B) -> B::V {
    b.c(f64::INFINITY)
}

/// A quiet NaN.
#[inline]
pub(crate) fn nan<B: MathBuilder>(b: &mut B) -> B::V {
    b.c(f64::NAN)
}

/// |x| == inf.
pub(crate) fn is_inf<B: MathBuilder>(b: &mut B, x: B::V) -> B::M {
    let a = b.abs(x);
    let i = inf(b);
    b.eq(a, i)
}

/// The sign bit of x is set (true for -0 and negative NaNs too).
pub(crate) fn sign_bit<B: MathBuilder>(b: &mut B, x: B::V) -> B::M {
    let bits = b.to_bits(x);
    let z = b.ci(0);
    b.ilt(bits, z)
}

/// `if m { -x } else { x }`.
pub(crate) fn neg_if<B: MathBuilder>(b: &mut B, m: B::M, x: B::V) -> B::V {
    let n = b.neg(x);
    b.select(m, n, x)
}

// ---- error-free transformations -------------------------------------------------------

/// s + e == a + b exactly, s = fl(a + b) (Knuth's TwoSum, no precondition).
pub(crate) fn two_sum<B: MathBuilder>(b: &mut B, x: B::V, y: B::V) -> (B::V, B::V) {
    let s = b.add(x, y);
    let bb = b.sub(s, x);
    let t = b.sub(s, bb);
    let da = b.sub(x, t);
    let db = b.sub(y, bb);
    let e = b.add(da, db);
    (s, e)
}

/// s + e == a + b exactly, s = fl(a + b), provided |a| >= |b| or a == 0 (Dekker's
/// FastTwoSum).
pub(crate) fn fast_two_sum<B: MathBuilder>(b: &mut B, x: B::V, y: B::V) -> (B::V, B::V) {
    let s = b.add(x, y);
    let z = b.sub(s, x);
    let e = b.sub(y, z);
    (s, e)
}

/// p + e == a * b exactly (barring underflow), p = fl(a * b).
pub(crate) fn two_prod<B: MathBuilder>(b: &mut B, x: B::V, y: B::V) -> (B::V, B::V) {
    let p = b.mul(x, y);
    let np = b.neg(p);
    let e = b.fma(x, y, np);
    (p, e)
}

/// A double-word number hi + lo with |lo| <= ulp(hi)/2 (roughly).
#[derive(Clone, Copy)]
pub(crate) struct Dw<V> {
    pub hi: V,
    pub lo: V,
}

/// (a.hi + a.lo) + (c.hi + c.lo), relative error ~ 2^-(2p-3) (Joldes et al., Alg. 6).
pub(crate) fn dw_add<B: MathBuilder>(b: &mut B, x: Dw<B::V>, y: Dw<B::V>) -> Dw<B::V> {
    let (s, e) = two_sum(b, x.hi, y.hi);
    let (t, f) = two_sum(b, x.lo, y.lo);
    let e = b.add(e, t);
    let (s, e) = fast_two_sum(b, s, e);
    let e = b.add(e, f);
    let (hi, lo) = fast_two_sum(b, s, e);
    Dw { hi, lo }
}

/// (x.hi + x.lo) + y for a single-word y, when |x| >= |y| is not guaranteed.
pub(crate) fn dw_add_s<B: MathBuilder>(b: &mut B, x: Dw<B::V>, y: B::V) -> Dw<B::V> {
    let (s, e) = two_sum(b, x.hi, y);
    let e = b.add(e, x.lo);
    let (hi, lo) = fast_two_sum(b, s, e);
    Dw { hi, lo }
}

/// (x.hi + x.lo) * (y.hi + y.lo) (Joldes et al., Alg. 12 without the last refinements).
pub(crate) fn dw_mul<B: MathBuilder>(b: &mut B, x: Dw<B::V>, y: Dw<B::V>) -> Dw<B::V> {
    let (p, e) = two_prod(b, x.hi, y.hi);
    let t = b.mul(x.hi, y.lo);
    let t = b.fma(x.lo, y.hi, t);
    let e = b.add(e, t);
    let (hi, lo) = fast_two_sum(b, p, e);
    Dw { hi, lo }
}

/// A double-word constant: the width's nearest value and the rounded remainder.
pub(crate) fn dw_const<B: MathBuilder>(b: &mut B, c32: (f64, f64), c64: (f64, f64)) -> Dw<B::V> {
    let (h, l) = if is64::<B>() { c64 } else { c32 };
    let hi = b.c(h);
    let lo = b.c(l);
    Dw { hi, lo }
}

/// sqrt(wh + wl) as a pair (s, s_lo) for wh >= 0 (s_lo = 0 when s = 0).
pub(crate) fn sqrt_dw<B: MathBuilder>(b: &mut B, wh: B::V, wl: B::V) -> (B::V, B::V) {
    let s = b.sqrt(wh);
    let ns = b.neg(s);
    let rem = b.fma(ns, s, wh);
    let rem = b.add(rem, wl);
    let s2 = b.add(s, s);
    let lo = b.div(rem, s2);
    let zero = b.c(0.0);
    let s_zero = b.eq(s, zero);
    let lo = b.select(s_zero, zero, lo);
    (s, lo)
}

/// (nh + nl)/(dh + dl) as a pair (q, q_lo).
pub(crate) fn div_dw<B: MathBuilder>(
    b: &mut B,
    nh: B::V,
    nl: B::V,
    dh: B::V,
    dl: B::V,
) -> (B::V, B::V) {
    let q = b.div(nh, dh);
    let nq = b.neg(q);
    let r = b.fma(nq, dh, nh);
    let r = b.add(r, nl);
    let r = b.fma(nq, dl, r);
    let lo = b.div(r, dh);
    (q, lo)
}
