//! Hyperbolic functions and their inverses: `sinh`, `cosh`, `tanh`, `asinh`, `acosh`,
//! `atanh`.
//!
//! sinh/cosh: |x| < 1 by odd/even polynomials (kiln's Remez fits, degree 3/6 and 2/5 in
//! x² for f32/f64); otherwise from exp's reduction kept as a double word,
//! H = e^|x|/2 = (h + l)·2^(k-1), sinh = H - 1/(4H), cosh = H + 1/(4H). The 2^(k-1)
//! scaling lets results up to the overflow limit come out right (no early overflow of
//! e^|x|). The exponential and its division are computed only where some lane needs
//! them (`unless_any`): over data below 1 in magnitude that is 4-5x faster, and every
//! lane gets the value it got before.
//! tanh: E/(E + 2) with E = expm1(2|x|) (one expm1 and one division; <= 2.5 ulp).
//! asinh/acosh/atanh, 64-bit: asinh and acosh take ln(x + √(x² ± 1)) directly
//! (`asinh_table`, `acosh_table`): the sum as a double word into pow's table
//! logarithm, which takes a low word, so one square root and one division per lane;
//! atanh is msun's log1p(2a/(1 - a))/2 (`e_atanh.c`) with the quotient as a double
//! word. ln(2x) for huge x adds 1 to the logarithm's exponent instead of forming 2x.
//! 32-bit (`asinh_f32`, `acosh` and `atanh_f32`): log1p of an argument computed in
//! f32 without double-word arithmetic (asinh: a + a²/(1 + √(1 + a²)); acosh:
//! t + √(t·(x + 1)), t = x - 1; atanh: 2a/(1 - a)), whose main rounding errors (an
//! exact residual each, by fma) go to the division-free log1p of f32
//! (`log1p_f32_core`) as a low word: asinh 1.34, acosh 1.01 and atanh 1.06 ulp at
//! most over every f32 (compiled, measured against f64), in about two thirds of the time of double words throughout (0.70,
//! 0.50 (computed in f64) and 0.68 ulp; docs/accuracy.md).

use super::common::*;
use super::exp_log::{exp_parts_dw, log1p_core, log1p_f32_core, log_specials_at};
use super::pow::log_table_dw;
use super::MathBuilder;

// sinh(x) = x + x^3 S(x^2), |x| <= 1 (relative error 2^-34.1 / 2^-63.2)
const SINH_32: [f64; 4] = [
    0.1666666716337204,
    0.008333350531756878,
    0.00019836057617794722,
    2.8175652460049605e-06,
];
const SINH_64: [f64; 7] = [
    0.16666666666666669,
    0.008333333333333137,
    0.000198412698414401,
    2.7557319154364362e-06,
    2.5052123582703092e-08,
    1.6057223930908436e-10,
    7.759866989490718e-13,
];
// cosh(x) = 1 + x^2/2 + x^4 C(x^2), |x| <= 1 (relative error 2^-30.1 / 2^-58.8)
const COSH_32: [f64; 3] = [
    0.041666749864816666,
    0.0013884881045669317,
    2.5396220735274255e-05,
];
const COSH_64: [f64; 6] = [
    0.0416666666666655,
    0.001388888888905056,
    2.4801587218616786e-05,
    2.7557340025585633e-07,
    2.0874018677043868e-09,
    1.1652483431187099e-11,
];

/// e^a/2 for 1 <= a <= ~711 as a normalised double word (Hh, Hl).
fn half_exp<B: MathBuilder>(b: &mut B, a: B::V) -> (B::V, B::V) {
    let (h, l, k) = exp_parts_dw(b, a);
    let one = b.ci(1);
    let km1 = b.isub(k, one);
    let hh = scale(b, h, km1);
    let hl = scale(b, l, km1);
    (hh, hl)
}

/// |x| above which sinh and cosh overflow (slightly above ln(2·MAX)).
fn overflow_cut<B: MathBuilder>(b: &mut B) -> B::V {
    cw(b, 90.0, 711.0)
}

/// The side of sinh (`minus`) and cosh for |x| >= 1: H - 1/(4H) or H + 1/(4H), where
/// lanes below 1 keep `ys` (their polynomial) and lanes past the overflow cut get inf.
fn exp_side<B: MathBuilder>(b: &mut B, a: B::V, ys: B::V, minus: bool) -> B::V {
    let (hh, hl) = half_exp(b, a);
    let q = b.c(0.25);
    let inv = b.div(q, hh);
    let lo = if minus {
        b.sub(hl, inv)
    } else {
        b.add(hl, inv)
    };
    let yb = b.add(hh, lo);
    let one = b.c(1.0);
    let small = b.lt(a, one);
    let y = b.select(small, ys, yb);
    let cut = overflow_cut(b);
    let over = b.gt(a, cut);
    let i = inf(b);
    b.select(over, i, y)
}

/// Hyperbolic sine. Special cases: NaN → NaN, ±0 → ±0, ±inf → ±inf.
pub fn sinh<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let a = b.abs(x);
    // |x| < 1: polynomial
    let z = b.mul(a, a);
    let s = if is64::<B>() {
        horner(b, z, &SINH_64)
    } else {
        horner(b, z, &SINH_32)
    };
    let az = b.mul(a, z);
    let ys = b.fma(az, s, a);
    // |x| >= 1 (or NaN) in some lane: H - 1/(4H) there. Where no lane needs it (data
    // of moderate size) the exponential and its division are skipped.
    let one = b.c(1.0);
    let big = b.nlt(a, one);
    let y = b.unless_any(big, ys, |b, ys| exp_side(b, a, ys, true));
    b.copysign(y, x)
}

/// Hyperbolic cosine. Special cases: NaN → NaN, ±0 → 1, ±inf → +inf.
pub fn cosh<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let a = b.abs(x);
    // |x| < 1: 1 + z/2 + z²·C(z), with 1 + z/2 split exactly
    let z = b.mul(a, a);
    let c = if is64::<B>() {
        horner(b, z, &COSH_64)
    } else {
        horner(b, z, &COSH_32)
    };
    let half = b.c(0.5);
    let hz = b.mul(half, z);
    let one = b.c(1.0);
    let (s, e) = fast_two_sum(b, one, hz);
    let z2 = b.mul(z, z);
    let t = b.fma(z2, c, e);
    let ys = b.add(s, t);
    // |x| >= 1 (or NaN) in some lane: H + 1/(4H) there (see `sinh`).
    let big = b.nlt(a, one);
    b.unless_any(big, ys, |b, ys| exp_side(b, a, ys, false))
}

/// Hyperbolic tangent. Special cases: NaN → NaN, ±0 → ±0, ±inf → ±1; tanh(-x) =
/// -tanh(x) exactly.
pub fn tanh<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let a = b.abs(x);
    let aa = b.add(a, a);
    // Beyond 2|x| = 20 (40 for f64) tanh rounds to 1, and so does E/(E + 2) at the cut
    // (E + 2 rounds to E): clamp there, one min. Written as cut < aa ? cut : aa, a NaN
    // stays NaN (the comparison is false for it).
    let cut = cw(b, 20.0, 40.0);
    let over = b.lt(cut, aa);
    let aa = b.select(over, cut, aa);
    // tanh|x| = E / (E + 2), E = expm1(2|x|): one expm1 and one division. 2|x| is in
    // [0, cut] or NaN here, where expm1 needs none of its fix-ups (±0 gives +0, and
    // copysign below restores the sign).
    let e = if is64::<B>() {
        super::exp_log::expm1_core(b, aa).0
    } else {
        // f32: 2^k·e + (2^k - 1) with e = r + q rounded once (the exact pair of
        // expm1_core costs four more operations; E's relative error is damped by
        // 2/(E + 2) in the quotient).
        super::exp_log::expm1_core_plain(b, aa)
    };
    let two = b.c(2.0);
    let d = b.add(e, two);
    let y = b.div(e, d);
    // y is +0 or positive (or NaN, which stays NaN): x's sign bit or-ed in is copysign
    // (two operations instead of three); ±0 keeps its sign.
    let sign = b.ci(if is64::<B>() {
        i64::MIN
    } else {
        i32::MIN as i64
    });
    let xb = b.to_bits(x);
    let s = b.iand(xb, sign);
    let yb = b.to_bits(y);
    let yb = b.ior(yb, s);
    b.from_bits(yb)
}

/// Inverse hyperbolic sine. Special cases: NaN → NaN, ±0 → ±0, ±inf → ±inf.
pub fn asinh<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    if is64::<B>() {
        return asinh_table(b, x);
    }
    asinh_f32(b, x)
}

/// asinh for 32-bit builders: log1p(a + a²/(1 + √(1 + a²))) for a = |x| <= 2^12, with
/// a + q's rounding error carried into `log1p_f32_core` as its low word; beyond,
/// ln(2a) as log1p(a - 1) + ln2 (1/(4a²), the term left out, is below 2^-26 of it).
/// One square root, one division, and log1p's exact reduction: no double words.
fn asinh_f32<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let a = b.abs(x);
    let one = b.c(1.0);
    let p = b.mul(a, a);
    let w = b.add(p, one);
    let s = b.sqrt(w);
    let d = b.add(s, one);
    let q = b.div(p, d);
    // q = a²/(1 + √(1 + a²)) < a
    let (u, ul) = fast_two_sum(b, a, q);
    let am1 = b.sub(a, one);
    let (y, u) = log1p_or_ln_2a(b, a, am1, (u, ul), one);
    // u is +inf (x = ±inf) or NaN, or at least +0
    let y = log_specials_at(b, u, y, -1.0);
    b.copysign(y, x)
}

/// The point beyond which asinh and acosh take ln(2a) = ln(a) + ln2 (f64): there
/// 1/(4a²), the next term, is below 2^-58 of a result of at least 20, and a² cannot
/// overflow below it.
const BIG_64: f64 = 268435456.0;

/// ln(a + √(rh + rl)) as one value for a >= 0 and a double-word radicand (asinh:
/// a² + 1, acosh: a² - 1; `root_larger` says which of the root and a is larger, for
/// the exact sum), the root and the sum carried as double words into `log_table_dw`.
/// Beyond 2^28 (`BIG_64`), ln(a) + ln2, as ln(a/2) + 2·ln2 with a low word of 0: for a
/// near the largest f64, a itself would make `log_table_dw`'s 2^-k the bits of -inf
/// (and 0·-inf a NaN); a/2 makes it +0 at worst.
fn ln_plus_root<B: MathBuilder>(b: &mut B, a: B::V, rh: B::V, rl: B::V, root_larger: bool) -> B::V {
    let (s, sl) = sqrt_dw(b, rh, rl);
    let (v, vl) = if root_larger {
        fast_two_sum(b, s, a)
    } else {
        fast_two_sum(b, a, s)
    };
    let vl = b.add(vl, sl);
    let big_lim = b.c(BIG_64);
    let big = b.gt(a, big_lim);
    let half = b.c(0.5);
    let two_v = two(b);
    let zero = b.c(0.0);
    let ah = b.mul(a, half);
    let v = b.select(big, ah, v);
    let vl = b.select(big, zero, vl);
    let kadd = b.select(big, two_v, zero);
    let l = log_table_dw(b, v, vl, kadd);
    b.add(l.hi, l.lo)
}

/// asinh for 64-bit builders: asinh a = ln(a + √(a² + 1)) for a = |x|, the radicand,
/// square root and sum carried as double words (exact to ~2^-104 relative, so even
/// for tiny a, where the result is the sum's low word, log's argument holds it), and
/// the logarithm from pow's table with the sum's low word folded into its reduced
/// argument (`log_table_dw`). Beyond 2^28, ln(2a). Below 2^-26, a - a³/6 (the next
/// term is below 2^-104 of a): there the sum's low word, up to half an ulp of 1, is
/// as large as the result, and its roundings in the logarithm's low terms reach an
/// ulp of the result. Infinite and NaN lanes return a + a (the table's logarithm of
/// those is garbage).
fn asinh_table<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let a = b.abs(x);
    let one = b.c(1.0);
    let (p, pe) = two_prod(b, a, a);
    let (w, we) = two_sum(b, p, one);
    let wl = b.add(we, pe);
    // √(a² + 1) > a
    let y = ln_plus_root(b, a, w, wl, true);
    let tiny_lim = b.c(2f64.powi(-26));
    let tiny = b.lt(a, tiny_lim);
    let sixth = b.c(-1.0 / 6.0);
    let c = b.mul(p, sixth);
    let y_tiny = b.fma(a, c, a);
    let y = b.select(tiny, y_tiny, y);
    let i = inf(b);
    let finite = b.lt(a, i); // false for NaN
    let aa = b.add(a, a);
    let y = b.select(finite, y, aa);
    b.copysign(y, x)
}

/// acosh for 64-bit builders: ln(x + √(x² - 1)) as `asinh_table`, with the radicand
/// x² - 1 as a double word from t = x - 1 (exact) where x <= 2, 2t + t² (which keeps
/// its relative accuracy as x → 1), and from x·x - 1 above. Beyond 2^28, ln(2x).
fn acosh_table<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let (rh, rl) = acosh_radicand(b, x);
    // x > √(x² - 1)
    let y = ln_plus_root(b, x, rh, rl, false);
    acosh_specials(b, x, y)
}

/// acosh's special cases over y: +inf → +inf, 1 → +0, below 1 and NaN → NaN.
fn acosh_specials<B: MathBuilder>(b: &mut B, x: B::V, y: B::V) -> B::V {
    let one = b.c(1.0);
    let zero = b.c(0.0);
    let i = inf(b);
    let xinf = b.eq(x, i);
    let y = b.select(xinf, i, y);
    let xone = b.eq(x, one);
    let y = b.select(xone, zero, y);
    let ok = b.ge(x, one); // false for NaN
    let n = nan(b);
    b.select(ok, y, n)
}

/// x² - 1 as a double word for x >= 1: 2t + t² with t = x - 1 (exact) where x <= 2,
/// x·x - 1 above (x·x exact as a pair, less 1 exactly). Garbage from 2^512 (x·x
/// overflows) and below 1.
fn acosh_radicand<B: MathBuilder>(b: &mut B, x: B::V) -> (B::V, B::V) {
    let one = b.c(1.0);
    let two_v = two(b);
    let small = b.le(x, two_v);
    let t = b.sub(x, one);
    let t2 = b.add(t, t);
    let (p, pe) = two_prod(b, t, t);
    let (w, we) = two_sum(b, t2, p);
    let we = b.add(we, pe);
    let (p2, p2e) = two_prod(b, x, x);
    let mone = b.c(-1.0);
    let (w2, w2e) = fast_two_sum(b, p2, mone);
    let w2l = b.add(w2e, p2e);
    let rh = b.select(small, w, w2);
    let rl = b.select(small, we, w2l);
    (rh, rl)
}

fn two<B: MathBuilder>(b: &mut B) -> B::V {
    b.c(2.0)
}

/// Inverse hyperbolic cosine. Special cases: NaN → NaN, x < 1 → NaN, 1 → +0,
/// +inf → +inf.
pub fn acosh<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    if is64::<B>() {
        return acosh_table(b, x);
    }
    // 1 <= x <= 2^12: log1p(t + √(t·(x + 1))), t = x - 1 (exact), with the root's
    // and the sum's rounding errors as log1p's low word; beyond, ln(2x) = log1p(x - 1)
    // + ln2.
    let one = b.c(1.0);
    let t = b.sub(x, one);
    // x >= 1: x + 1 exactly as v + vl
    let (v, vl) = fast_two_sum(b, x, one);
    // r + rl = t·(v + vl): the product's rounding error exact by fma (t·vl's own is
    // far below it)
    let (r, rl) = two_prod(b, t, v);
    let rl = b.fma(t, vl, rl);
    // The root as a double word, NaN below 1: √(r + rl) = s + (r - s² + rl)/(2s).
    // s = √((x - 1)(x + 1)) >= x - 1.
    let (s, sl) = sqrt_dw(b, r, rl);
    let (u, ul) = fast_two_sum(b, s, t);
    let ul = b.add(ul, sl);
    let (y, _) = log1p_or_ln_2a(b, x, t, (u, ul), one);
    // x <= 1, +inf or NaN
    let i = inf(b);
    let not_above = b.ngt(x, one);
    let not_fin = b.nlt(x, i);
    let special = b.or(not_above, not_fin);
    b.unless_any(special, y, |b, y| acosh_specials(b, x, y))
}

/// Inverse hyperbolic tangent. Special cases: NaN → NaN, |x| > 1 → NaN, ±1 → ±inf,
/// ±0 → ±0.
pub fn atanh<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    if !is64::<B>() {
        return atanh_f32(b, x);
    }
    let a = b.abs(x);
    let one = b.c(1.0);
    let zero = b.c(0.0);
    let half = b.c(0.5);
    // atanh a = log1p(2a/(1 - a)) / 2
    let (u, ul) = atanh_quotient(b, a, one, zero);
    let ul_nan = b.is_nan(ul); // a = 1: inf·0
    let ul = b.select(ul_nan, zero, ul);
    let y = log1p_core(b, u, ul, zero);
    let y = b.mul(y, half);
    let y = atanh_specials(b, a, y, one);
    b.copysign(y, x)
}

/// 2a/(1 - a) as a double word for 0 <= a <= 1, atanh's argument of log1p: 1 - a
/// exact as a pair (1 >= a) and the quotient by `div_dw`, so that it is accurate from
/// tiny a up to a -> 1 (a = 1 gives inf and a NaN low word). `one` and `zero` are the
/// caller's constants.
fn atanh_quotient<B: MathBuilder>(b: &mut B, a: B::V, one: B::V, zero: B::V) -> (B::V, B::V) {
    let na = b.neg(a);
    let (d, dl) = fast_two_sum(b, one, na);
    let t = b.add(a, a);
    div_dw(b, t, zero, d, dl)
}

/// atanh's special cases over y for a = |x| (`one` the caller's 1): inf at 1, NaN
/// beyond 1 and for NaN; y elsewhere.
fn atanh_specials<B: MathBuilder>(b: &mut B, a: B::V, y: B::V, one: B::V) -> B::V {
    let i = inf(b);
    let is_one = b.eq(a, one);
    let y = b.select(is_one, i, y);
    let ok = b.le(a, one); // false for NaN
    let n = nan(b);
    b.select(ok, y, n)
}

/// log1p(u + ul) for 32-bit builders (`log1p_f32_core`), or where a > 2^12,
/// ln(2a) = log1p(a - 1) + ln2 (`am1` = a - 1; the term asinh and acosh leave out
/// there, ∓1/(4a²), is below 2^-26 of it), whose lanes' u and ul (a² may have
/// overflowed) are replaced. Returns the result and the u it took. `one` is the
/// caller's 1.
fn log1p_or_ln_2a<B: MathBuilder>(
    b: &mut B,
    a: B::V,
    am1: B::V,
    (u, ul): (B::V, B::V),
    one: B::V,
) -> (B::V, B::V) {
    let big_lim = b.c(4096.0);
    let big = b.gt(a, big_lim);
    let u = b.select(big, am1, u);
    let zero = b.c(0.0);
    let ul = b.select(big, zero, ul);
    let kadd = b.select(big, one, zero);
    (log1p_f32_core(b, u, Some(ul), Some(kadd)), u)
}

/// atanh for 32-bit builders: log1p(q)/2 with q = 2a/(1 - a) for a = |x|, 1 - a as
/// an exact pair and the quotient as a double word (`div_dw`: the residual
/// t - q·(1 - a), exact by fma, over 1 - a, a second division), its low word into
/// log1p. (log1p(a) - log1p(-a), two logarithms and no division, measured 3% faster
/// but 1.41 ulp.)
fn atanh_f32<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let a = b.abs(x);
    let one = b.c(1.0);
    let zero = b.c(0.0);
    let (q, ql) = atanh_quotient(b, a, one, zero);
    let l = log1p_f32_core(b, q, Some(ql), None);
    let half = b.c(0.5);
    let y = b.mul(l, half);
    // a >= 1 or NaN: ±inf at 1, NaN beyond
    let special = b.nlt(a, one);
    let y = b.unless_any(special, y, |b, y| atanh_specials(b, a, y, one));
    b.copysign(y, x)
}

#[cfg(test)]
mod tests {
    use super::super::scalar::{Eval32, Eval64};
    use super::super::testutil::*;
    use astro_float::Consts;

    const N: usize = 10000;

    fn ref_sinh(x: f64, cc: &mut Consts) -> Ref {
        val(bf(x).sinh(PREC, RM, cc))
    }
    fn ref_cosh(x: f64, cc: &mut Consts) -> Ref {
        val(bf(x).cosh(PREC, RM, cc))
    }
    fn ref_tanh(x: f64, cc: &mut Consts) -> Ref {
        if x.abs() > 50.0 {
            // 1 - tanh|x| < 2^-140: exact enough
            return Ref::Val(bf(x.signum()).sub(&bf(x.signum() * 2f64.powi(-150)), PREC, RM));
        }
        val(bf(x).tanh(PREC, RM, cc))
    }
    fn ref_asinh(x: f64, cc: &mut Consts) -> Ref {
        val(bf(x).asinh(PREC, RM, cc))
    }
    fn ref_acosh(x: f64, cc: &mut Consts) -> Ref {
        if x.is_nan() || x < 1.0 {
            return Ref::Nan;
        }
        val(bf(x).acosh(PREC, RM, cc))
    }
    fn ref_atanh(x: f64, cc: &mut Consts) -> Ref {
        if x.is_nan() || x.abs() > 1.0 {
            return Ref::Nan;
        }
        if x.abs() == 1.0 {
            return Ref::Val(bf(x * f64::INFINITY));
        }
        val(bf(x).atanh(PREC, RM, cc))
    }

    fn sinh_gens(w: W) -> Vec<(u32, G)> {
        let hi = match w {
            W::F32 => 89.41598629223294,
            W::F64 => 710.4758600739439,
        };
        vec![
            (25, G::Uni(-3.0, 3.0)),
            (30, G::Log(1e-320, hi * 1.01, 0)),
            (10, G::Near(1.0, 1e-2)),
            (10, G::Near(-1.0, 1e-2)),
            (10, G::Near(hi, 1e-3)),
            (10, G::Uni(-hi, hi)),
            (5, G::Bits),
        ]
    }
    fn tanh_gens(_w: W) -> Vec<(u32, G)> {
        vec![
            (30, G::Uni(-3.0, 3.0)),
            (40, G::Log(1e-320, 30.0, 0)),
            (10, G::Near(0.55, 1e-1)),
            (10, G::Uni(-25.0, 25.0)),
            (10, G::Bits),
        ]
    }
    fn asinh_gens(_w: W) -> Vec<(u32, G)> {
        vec![
            (25, G::Uni(-3.0, 3.0)),
            (40, G::Log(1e-320, 1e308, 0)),
            (10, G::Near(1.0, 1e-2)),
            (5, G::Near(2.0, 1e-2)),
            (5, G::Near(268435456.0, 1e-2)),
            (5, G::Near(4096.0, 1e-2)),
            (10, G::Bits),
        ]
    }
    fn acosh_gens(_w: W) -> Vec<(u32, G)> {
        vec![
            (25, G::Uni(1.0, 3.0)),
            (30, G::Log(1.0, 1e308, 1)),
            (20, G::Near(1.0, 1e-2)),
            (5, G::Near(2.0, 1e-2)),
            (5, G::Near(268435456.0, 1e-2)),
            (5, G::Near(4096.0, 1e-2)),
            (5, G::Uni(-1.0, 1.0)),
            (5, G::Bits),
        ]
    }
    fn atanh_gens(_w: W) -> Vec<(u32, G)> {
        vec![
            (30, G::Uni(-1.0, 1.0)),
            (30, G::Log(1e-320, 1.0, 0)),
            (15, G::Near(1.0, 1e-2)),
            (10, G::Near(-1.0, 1e-2)),
            (10, G::Near(0.5, 1e-2)),
            (5, G::Bits),
        ]
    }

    macro_rules! ulp_test {
        ($t32:ident, $t64:ident, $name:literal, $f:ident, $gens:ident, $ref:ident, $b32:expr, $b64:expr) => {
            #[test]
            fn $t32() {
                let f = |x: f64| super::$f(&mut Eval32, x as f32) as f64;
                check_unary($name, W::F32, samples(N), &$gens(W::F32), &f, &$ref, $b32);
            }
            #[test]
            fn $t64() {
                let f = |x: f64| super::$f(&mut Eval64, x);
                check_unary($name, W::F64, samples(N), &$gens(W::F64), &f, &$ref, $b64);
            }
        };
    }

    ulp_test!(
        sinh_f32_ulp,
        sinh_f64_ulp,
        "sinh",
        sinh,
        sinh_gens,
        ref_sinh,
        1.0,
        1.0
    );
    ulp_test!(
        cosh_f32_ulp,
        cosh_f64_ulp,
        "cosh",
        cosh,
        sinh_gens,
        ref_cosh,
        1.0,
        1.0
    );
    ulp_test!(
        tanh_f32_ulp,
        tanh_f64_ulp,
        "tanh",
        tanh,
        tanh_gens,
        ref_tanh,
        2.5,
        2.5
    );
    ulp_test!(
        asinh_f32_ulp,
        asinh_f64_ulp,
        "asinh",
        asinh,
        asinh_gens,
        ref_asinh,
        1.5,
        1.0
    );
    ulp_test!(
        acosh_f32_ulp,
        acosh_f64_ulp,
        "acosh",
        acosh,
        acosh_gens,
        ref_acosh,
        1.5,
        1.0
    );
    ulp_test!(
        atanh_f32_ulp,
        atanh_f64_ulp,
        "atanh",
        atanh,
        atanh_gens,
        ref_atanh,
        1.5,
        1.0
    );

    /// The f32 inverse hyperbolics at the edges of their ranges: the largest f32
    /// (asinh, acosh: the ln(2a) side, where a² overflows), next to 1 (acosh's root and
    /// atanh's pole, where the low words matter most), and a subnormal (atanh's
    /// quotient 2a/(1 - a), halved back exactly, with its sign).
    #[test]
    fn f32_inverse_hyperbolic_edges() {
        let mut cc = Consts::new().expect("constants");
        let max = f32::MAX as f64;
        let below_one = 1.0 - 2f64.powi(-24);
        let cases: [(&str, F32Fn, RefFn, f64); 8] = [
            ("asinh", super::asinh, ref_asinh, max),
            ("asinh", super::asinh, ref_asinh, -max),
            ("acosh", super::acosh, ref_acosh, max),
            ("acosh", super::acosh, ref_acosh, 1.0 + f32::EPSILON as f64),
            ("acosh", super::acosh, ref_acosh, 4096.0),
            ("atanh", super::atanh, ref_atanh, below_one),
            ("atanh", super::atanh, ref_atanh, -below_one),
            ("atanh", super::atanh, ref_atanh, -1e-40),
        ];
        for (name, f, r, x) in cases {
            let y = f(&mut Eval32, x as f32) as f64;
            let e = ulp_err(y, &r(x, &mut cc), W::F32);
            assert!(e <= 1.5, "{name}({x:e}) = {y:e}: {e} ulp");
        }
        let y = super::atanh(&mut Eval32, -1e-40);
        assert!(y == -1e-40 && y.is_sign_negative(), "atanh(-1e-40) = {y:e}");
    }

    type RefFn = fn(f64, &mut Consts) -> Ref;
    type F32Fn = fn(&mut Eval32, f32) -> f32;

    const INF: f64 = f64::INFINITY;
    const NAN: f64 = f64::NAN;

    #[test]
    fn hyperbolic_specials() {
        let sp = |n: &str,
                  f32fn: fn(&mut Eval32, f32) -> f32,
                  f64fn: fn(&mut Eval64, f64) -> f64,
                  t: &[(f64, f64)]| {
            check_specials1(n, &|x| f32fn(&mut Eval32, x), &|x| f64fn(&mut Eval64, x), t)
        };
        sp(
            "sinh",
            super::sinh,
            super::sinh,
            &[
                (NAN, NAN),
                (0.0, 0.0),
                (-0.0, -0.0),
                (INF, INF),
                (-INF, -INF),
                (1e4, INF),
                (-1e4, -INF),
            ],
        );
        sp(
            "cosh",
            super::cosh,
            super::cosh,
            &[
                (NAN, NAN),
                (0.0, 1.0),
                (-0.0, 1.0),
                (INF, INF),
                (-INF, INF),
                (-1e4, INF),
            ],
        );
        sp(
            "tanh",
            super::tanh,
            super::tanh,
            &[
                (NAN, NAN),
                (0.0, 0.0),
                (-0.0, -0.0),
                (INF, 1.0),
                (-INF, -1.0),
                (1e300, 1.0),
                (-30.0, -1.0),
            ],
        );
        sp(
            "asinh",
            super::asinh,
            super::asinh,
            &[
                (NAN, NAN),
                (0.0, 0.0),
                (-0.0, -0.0),
                (INF, INF),
                (-INF, -INF),
            ],
        );
        sp(
            "acosh",
            super::acosh,
            super::acosh,
            &[
                (NAN, NAN),
                (0.5, NAN),
                (-0.0, NAN),
                (-1.0, NAN),
                (-3.0, NAN),
                (-INF, NAN),
                (1.0, 0.0),
                (INF, INF),
            ],
        );
        sp(
            "atanh",
            super::atanh,
            super::atanh,
            &[
                (NAN, NAN),
                (-1.5, NAN),
                (1.5, NAN),
                (INF, NAN),
                (-1.0, -INF),
                (1.0, INF),
                (0.0, 0.0),
                (-0.0, -0.0),
            ],
        );
        // symmetry: exact for all inputs
        let mut rng = Rng::new("hyp-sym");
        for _ in 0..2000 {
            let x = gen(&mut rng, G::Log(1e-300, 800.0, 1), W::F64);
            let e = &mut Eval64;
            assert_eq!(super::sinh(e, -x), -super::sinh(e, x));
            assert_eq!(super::cosh(e, -x), super::cosh(e, x));
            assert_eq!(super::tanh(e, -x), -super::tanh(e, x));
            let x = x as f32;
            let e = &mut Eval32;
            assert_eq!(super::sinh(e, -x), -super::sinh(e, x));
            assert_eq!(super::cosh(e, -x), super::cosh(e, x));
            assert_eq!(super::tanh(e, -x), -super::tanh(e, x));
        }
    }
}
