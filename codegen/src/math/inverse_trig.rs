//! `asin`, `acos`, `atan`, `atan2`.
//!
//! asin/acos: one polynomial asin(t) = t + t³·P(t²) on t in [0, 1/2] (kiln's Remez fit,
//! degree 4 / 12 for f32 / f64), applied to t = |x| for |x| <= 1/2 and to
//! t = sqrt((1 - |x|)/2) otherwise, with asin|x| = π/2 - 2·asin(t) (the classic
//! reduction of Cephes/FreeBSD msun, done branch-free by selecting the argument, as
//! SLEEF does). The sqrt's rounding error is recovered with an fma and π/2, π are split
//! in two words, so the subtractions do not lose the last bit.
//!
//! atan: f32 reduces |x| > 1 by atan|x| = π/2 - atan(1/|x|) (the reciprocal's rounding
//! error recovered with an fma), then takes one polynomial atan(v) = v + v³·Q(v²) on
//! [0, 1] (kiln's progressive Remez fit, degree 8, `atan_unit`). f64 has three ranges:
//! |x| <= tan(π/8) directly, |x| > tan(3π/8) by π/2 + atan(-1/|x|), between them by
//! π/4 + atan((|x| - 1)/(|x| + 1)), the quotients in double words (degree 10,
//! `atan_frac`). atan2 divides min(|x|,|y|) by max(|x|,|y|) (f32: `atan_unit`; f64: the
//! first or third range) and places the angle in its octant; its special lanes take a
//! branch (`atan2`).

use super::common::*;
use super::MathBuilder;

// asin(t) = t + t^3 P(t^2), t in [0, 0.5] (relative error 2^-27.6 / 2^-59.9)
const ASIN_32: [f64; 5] = [
    0.16666752099990845,
    0.07495288550853729,
    0.04547160863876343,
    0.02417295053601265,
    0.042178232222795486,
];
const ASIN_64: [f64; 13] = [
    0.1666666666666676,
    0.07499999999970633,
    0.04464285717477935,
    0.03038194269936277,
    0.022372215235118672,
    0.01735160739495084,
    0.013980877893785154,
    0.011398427480187585,
    0.010783053939854237,
    0.0036955191587247365,
    0.02173467525738056,
    -0.02103860833160833,
    0.03265397558132141,
];
// atan(v) = v + v^3 Q(v^2), |v| <= tan(π/8) (relative error 2^-59.1; f64 only)
const ATAN_64: [f64; 11] = [
    -0.33333333333333165,
    0.1999999999994399,
    -0.14285714279197168,
    0.11111110732157845,
    -0.09090896250623486,
    0.07692032929448576,
    -0.06662789285715276,
    0.058455703143468166,
    -0.050287446827516374,
    0.037793837762568845,
    -0.017608458108811814,
];
// atan(v) = v + v^3 Q(v^2), |v| <= 1 (relative error 2^-28.4; `tools/remez.py
// atan_unit 8 f32 --progressive`)
const ATAN_UNIT_32: [f64; 9] = [
    -0.33333298563957214,
    0.1999852955341339,
    -0.14264015853405,
    0.10950881987810135,
    -0.08399321883916855,
    0.0578819178044796,
    -0.031097691506147385,
    0.010869038291275501,
    -0.0017828542040660977,
];
const TAN_PI_8: f64 = 0.41421356237309503;
const TAN_3PI_8: f64 = 2.414213562373095;

pub(crate) const PIO2_32: (f64, f64) = (1.5707963705062866, -4.371138828673793e-08);
pub(crate) const PIO2_64: (f64, f64) = (std::f64::consts::FRAC_PI_2, 6.123233995736766e-17);
pub(crate) const PI_32: (f64, f64) = (3.1415927410125732, -8.742277657347586e-08);
pub(crate) const PI_64: (f64, f64) = (std::f64::consts::PI, 1.2246467991473532e-16);
pub(crate) const PIO4_32: (f64, f64) = (0.7853981852531433, -2.1855694143368964e-08);
pub(crate) const PIO4_64: (f64, f64) = (std::f64::consts::FRAC_PI_4, 3.061616997868383e-17);

/// The shared argument preparation for asin/acos: returns (t, t_lo, tail, small) with
/// asin(t + t_lo) ≈ t + (t_lo + tail) where tail = t·z·P(z) (+ correction), and
/// `small` = |x| <= 1/2 (then t = |x|, t_lo = 0).
fn asin_core<B: MathBuilder>(b: &mut B, a: B::V) -> (B::V, B::V, B::V, B::M) {
    let half = b.c(0.5);
    let one = b.c(1.0);
    let small = b.le(a, half);
    let a2 = b.mul(a, a);
    let oma = b.sub(one, a); // exact for a >= 1/2
    let zb = b.mul(oma, half);
    let z = b.select(small, a2, zb);
    let tb = b.sqrt(zb);
    // sqrt rounding error: zb - tb² = 2·tb·t_lo
    let ntb = b.neg(tb);
    let rem = b.fma(ntb, tb, zb);
    let two_t = b.add(tb, tb);
    let tlo = b.div(rem, two_t);
    let zero = b.c(0.0);
    let tb_zero = b.eq(tb, zero);
    let tlo = b.select(tb_zero, zero, tlo);
    let t = b.select(small, a, tb);
    let tlo = b.select(small, zero, tlo);
    let p = if is64::<B>() {
        horner(b, z, &ASIN_64)
    } else {
        horner(b, z, &ASIN_32)
    };
    let tz = b.mul(t, z);
    let tail = b.mul(tz, p);
    // d/dt asin(t) = 1/sqrt(1 - t²) ≈ 1 + z/2 for the t_lo term
    let hz = b.mul(half, z);
    let corr = b.fma(tlo, hz, tlo);
    let tail = b.add(tail, corr);
    (t, tlo, tail, small)
}

/// Arcsine. Special cases: NaN → NaN, |x| > 1 → NaN, ±0 → ±0.
pub fn asin<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let a = b.abs(x);
    let (t, _tlo, tail, small) = asin_core(b, a);
    // small: t + tail
    let ys = b.add(t, tail);
    // large: π/2 - 2(t + tail), with π/2 - 2t split exactly (π/2 > 2t).
    let ph = cw(b, PIO2_32.0, PIO2_64.0);
    let pl = cw(b, PIO2_32.1, PIO2_64.1);
    let t2 = b.add(t, t);
    let nt2 = b.neg(t2);
    let (s, e) = fast_two_sum(b, ph, nt2);
    let tail2 = b.add(tail, tail);
    let lo = b.sub(pl, tail2);
    let lo = b.add(e, lo);
    let yb = b.add(s, lo);
    let y = b.select(small, ys, yb);
    // |x| > 1 gives NaN through sqrt of a negative number; NaN propagates.
    b.copysign(y, x)
}

/// Arccosine. Special cases: NaN → NaN, |x| > 1 → NaN, 1 → +0.
pub fn acos<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let a = b.abs(x);
    let (t, _tlo, tail, small) = asin_core(b, a);
    let ph = cw(b, PIO2_32.0, PIO2_64.0);
    let pl = cw(b, PIO2_32.1, PIO2_64.1);
    let pih = cw(b, PI_32.0, PI_64.0);
    let pil = cw(b, PI_32.1, PI_64.1);
    // small: π/2 - asin(x) = π/2 - (x + sign·tail)
    let stail = b.copysign(tail, x);
    let nx = b.neg(x);
    let (s1, e1) = fast_two_sum(b, ph, nx);
    let l1 = b.sub(pl, stail);
    let l1 = b.add(e1, l1);
    let y_small = b.add(s1, l1);
    // x > 1/2: 2·asin(t)
    let t2 = b.add(t, t);
    let tail2 = b.add(tail, tail);
    let y_pos = b.add(t2, tail2);
    // x < -1/2: π - 2·asin(t)
    let nt2 = b.neg(t2);
    let (s3, e3) = fast_two_sum(b, pih, nt2);
    let l3 = b.sub(pil, tail2);
    let l3 = b.add(e3, l3);
    let y_neg = b.add(s3, l3);
    let zero = b.c(0.0);
    let xneg = b.lt(x, zero);
    let y_big = b.select(xneg, y_neg, y_pos);
    b.select(small, y_small, y_big)
}

/// base + atan(N/D) as an unevaluated pair (hi, lo), for double-word N = nh + nl,
/// D = dh + dl with |N/D| <= ~tan(π/8) and base in {0, π/4, π/2} (FreeBSD msun's
/// `s_atan.c` uses the same kind of octant offsets). The quotient v = nh/dh is rounded
/// once where `exact` holds, and is otherwise nh·(1/dh), a division for the reciprocal
/// only (the pair of divisions measured 8% slower on the AMD EPYC, 2026-12-06), off by
/// up to about two ulps. Either way its error is recovered by fma (to about 2^-105
/// relative) and divided by dh (or scaled by the same reciprocal), so only the final
/// additions round; that needs a residual that does not underflow, so callers take
/// `exact` where nh may be tiny and the result not (atan2's arguments below 2^-968; a
/// tiny nh next to a base of π/4 or π/2 does no harm). Without `exact`, 1/dh must not
/// overflow (dh above ~2^-1024); an infinite dh gives a NaN residual, which the guard
/// below zeroes, and a dh above 2^1022 a subnormal reciprocal, harmless only where
/// the base π/2 dominates the result (atan's outer range). f64 only: f32 takes
/// `atan_unit`, whose one polynomial needs no reduction.
#[allow(clippy::too_many_arguments)]
fn atan_frac<B: MathBuilder>(
    b: &mut B,
    nh: B::V,
    nl: B::V,
    dh: B::V,
    dl: B::V,
    base_h: B::V,
    base_l: B::V,
    exact: bool,
) -> (B::V, B::V) {
    debug_assert!(is64::<B>(), "atan_frac is the f64 path");
    let (v, rcp) = if exact {
        (b.div(nh, dh), None)
    } else {
        let one = b.c(1.0);
        let rcp = b.div(one, dh);
        (b.mul(nh, rcp), Some(rcp))
    };
    let nv = b.neg(v);
    let e = b.fma(nv, dh, nh);
    let e = b.add(e, nl);
    let e = b.fma(nv, dl, e);
    let vlo = match rcp {
        Some(rcp) => b.mul(e, rcp),
        None => b.div(e, dh),
    };
    let zero = b.c(0.0);
    let bad = b.is_nan(vlo); // 0·inf or 0/0 in degenerate lanes
    let vlo = b.select(bad, zero, vlo);
    let z = b.mul(v, v);
    let q = horner(b, z, &ATAN_64);
    let vz = b.mul(v, z);
    // d/dv atan(v) = 1/(1 + v²) ≈ 1 - z for the v_lo term
    let one = b.c(1.0);
    let d = b.sub(one, z);
    let corr = b.mul(vlo, d);
    let tail = b.fma(vz, q, corr);
    // |base_h| >= |v| whenever base_h != 0
    base_plus(b, base_h, base_l, v, tail)
}

/// (bh + bl) + (h + l) as an unevaluated pair, for |bh| >= |h| wherever bh != 0: bh + h
/// split exactly (`fast_two_sum`), the low words and its error added.
fn base_plus<B: MathBuilder>(b: &mut B, bh: B::V, bl: B::V, h: B::V, l: B::V) -> (B::V, B::V) {
    let (s, err) = fast_two_sum(b, bh, h);
    let lo = b.add(bl, l);
    let lo = b.add(err, lo);
    (s, lo)
}

/// (v, tail) with atan(n/d) ≈ v + tail, for f32 n and d with |n/d| <= 1: v = n/d
/// rounded, tail = v·z·Q(z) (z = v², `ATAN_UNIT_32`) plus the quotient's rounding
/// error (recovered with an fma) times atan's derivative 1/(1 + z), taken as 1 - z/2
/// (within 12.5% on [0, 1], on a term below 2^-24·|v|); v = 1 (n = d, so no rounding
/// error) gives π/4 exactly rounded. One polynomial on the whole of
/// [0, 1] instead of `atan_frac`'s reduction to [0, tan(π/8)] with double words:
/// about 30 vector operations fewer per f32 lane. `guard` zeroes a NaN error term
/// (0·inf, 0/0: infinite or zero denominators, which only special lanes have).
fn atan_unit<B: MathBuilder>(b: &mut B, n: B::V, d: B::V, guard: bool) -> (B::V, B::V) {
    let v = b.div(n, d);
    let nv = b.neg(v);
    let e = b.fma(nv, d, n);
    let vlo = b.div(e, d);
    let vlo = if guard {
        let zero = b.c(0.0);
        let bad = b.is_nan(vlo);
        b.select(bad, zero, vlo)
    } else {
        vlo
    };
    let z = b.mul(v, v);
    let q = horner_sequential(b, z, &ATAN_UNIT_32);
    let vz = b.mul(v, z);
    let mhalf = b.c(-0.5);
    let hz = b.mul(z, mhalf);
    let corr = b.fma(vlo, hz, vlo);
    let tail = b.fma(vz, q, corr);
    // v = 1 (n = d): π/4 as a pair, where v + tail can round to the wrong side
    let one = b.c(1.0);
    let diag = b.eq(v, one);
    let p4h = b.c(PIO4_32.0);
    let p4l = b.c(PIO4_32.1);
    let v = b.select(diag, p4h, v);
    let tail = b.select(diag, p4l, tail);
    (v, tail)
}

/// Arctangent. Special cases: NaN → NaN, ±0 → ±0, ±inf → ±π/2 (rounded).
pub fn atan<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    if !is64::<B>() {
        return atan_f32(b, x);
    }
    let a = b.abs(x);
    let one = b.c(1.0);
    let mone = b.c(-1.0);
    let zero = b.c(0.0);
    let t1 = b.c(TAN_PI_8);
    let t3 = b.c(TAN_3PI_8);
    let r1 = b.le(a, t1);
    let r3 = b.gt(a, t3);
    // middle range: atan a = π/4 + atan((a - 1)/(a + 1)), both exactly as pairs
    let (mh, ml) = two_sum(b, a, mone);
    let (ph, pl) = two_sum(b, a, one);
    // outer range: atan a = π/2 + atan(-1/a)
    let nh = b.select(r3, mone, mh);
    let nl = b.select(r3, zero, ml);
    let dh = b.select(r3, a, ph);
    let dl = b.select(r3, zero, pl);
    let nh = b.select(r1, a, nh);
    let nl = b.select(r1, zero, nl);
    let dh = b.select(r1, one, dh);
    let dl = b.select(r1, zero, dl);
    let p4h = b.c(PIO4_64.0);
    let p4l = b.c(PIO4_64.1);
    let p2h = b.c(PIO2_64.0);
    let p2l = b.c(PIO2_64.1);
    let bh = b.select(r3, p2h, p4h);
    let bl = b.select(r3, p2l, p4l);
    let bh = b.select(r1, zero, bh);
    let bl = b.select(r1, zero, bl);
    // a <= tan(π/8): N = a over D = 1, so v = a exactly; elsewhere N = a - 1 (0 or at
    // least 2^-54) over D >= 1, or -1 over D = a
    let (h, l) = atan_frac(b, nh, nl, dh, dl, bh, bl, false);
    let y = b.add(h, l);
    b.copysign(y, x)
}

/// f32 atan: atan a for a = |x| <= 1, π/2 + atan(-1/a) above (`atan_unit`).
fn atan_f32<B: MathBuilder>(b: &mut B, x: B::V) -> B::V {
    let a = b.abs(x);
    let one = b.c(1.0);
    let mone = b.c(-1.0);
    let zero = b.c(0.0);
    let small = b.le(a, one);
    let n = b.select(small, a, mone);
    let d = b.select(small, one, a);
    let (v, tail) = atan_unit(b, n, d, true);
    let p2h = b.c(PIO2_32.0);
    let p2l = b.c(PIO2_32.1);
    let bh = b.select(small, zero, p2h);
    let bl = b.select(small, zero, p2l);
    // |bh| >= |v| wherever bh != 0
    let (s, lo) = base_plus(b, bh, bl, v, tail);
    let y = b.add(s, lo);
    b.copysign(y, x)
}

/// atan2(y, x): the angle of the point (x, y), in [-π, π]. Special cases follow the
/// Array API table (signed zeros and infinities included); NaN in either → NaN.
///
/// One test finds the lanes that may need more than the usual path: a NaN, an
/// infinity, both arguments zero, and lanes whose |x| + |y| reaches 2^1022 (f64,
/// where the reduction's num ± den could overflow) or overflows (f32, finite
/// arguments near MAX, which the special path handles too). For f64 the test is
/// |x|, |y| > 2^-968 (zeros included) and |x| + |y| < 2^1022: the usual path divides
/// once, by way of a reciprocal (`atan_frac`), and the error of that quotient is
/// recovered only where the residual does not underflow; the special path divides
/// twice, correctly rounding the quotient. Such lanes are rare in data, and the code
/// that settles them (`atan2_angle` with `special`) runs only for vectors that hold
/// one, and only for those lanes: every other lane keeps the usual path's bits, so
/// no lane's result depends on its neighbours.
pub fn atan2<B: MathBuilder>(b: &mut B, y: B::V, x: B::V) -> B::V {
    let ay = b.abs(y);
    let ax = b.abs(x);
    // usual: f32 0 < |x| + |y| < inf, f64 as above (NaN fails every test)
    let s = b.add(ay, ax);
    let lim = cw(b, f64::INFINITY, 2f64.powi(1022));
    let over = b.nlt(s, lim);
    let bad = if is64::<B>() {
        let tiny = b.c(2f64.powi(-968));
        let y_tiny = b.ngt(ay, tiny);
        let x_tiny = b.ngt(ax, tiny);
        let tiny = b.or(y_tiny, x_tiny);
        b.or(tiny, over)
    } else {
        let zero = b.c(0.0);
        let not_pos = b.ngt(s, zero);
        b.or(not_pos, over)
    };
    let fast = atan2_angle(b, y, x, ay, ax, false);
    b.unless_any(bad, fast, |b, fast| {
        // only the lanes that need it: in f64 the special path's two divisions can
        // round an ordinary lane's last bit otherwise, making it depend on its
        // neighbours
        let special = atan2_angle(b, y, x, ay, ax, true);
        b.select(bad, special, fast)
    })
}

/// atan2's value from the arguments and their magnitudes; `special` adds what lanes
/// with NaN, infinite, zero or (f64) huge arguments need.
fn atan2_angle<B: MathBuilder>(
    b: &mut B,
    y: B::V,
    x: B::V,
    ay: B::V,
    ax: B::V,
    special: bool,
) -> B::V {
    let zero = b.c(0.0);
    let swap = b.gt(ay, ax);
    let num = b.select(swap, ax, ay);
    let den = b.select(swap, ay, ax);
    // the angle t = atan(num/den) in [0, π/4], as a pair
    let (th, tl) = if is64::<B>() {
        let (num, den) = if special {
            // keep num + den finite
            let big = b.c(2f64.powi(1022));
            let is_big = b.gt(den, big);
            let quarter = b.c(0.25);
            let one = b.c(1.0);
            let sc = b.select(is_big, quarter, one);
            (b.mul(num, sc), b.mul(den, sc))
        } else {
            (num, den)
        };
        let t1 = b.c(TAN_PI_8);
        let lim = b.mul(t1, den);
        let near = b.le(num, lim);
        // num <= den: both pairs split exactly with the larger operand first
        let nden = b.neg(den);
        let (mh, ml) = fast_two_sum(b, nden, num);
        let (ph, pl) = fast_two_sum(b, den, num);
        let nh = b.select(near, num, mh);
        let nl = b.select(near, zero, ml);
        let dh = b.select(near, den, ph);
        let dl = b.select(near, zero, pl);
        let p4h = b.c(PIO4_64.0);
        let p4l = b.c(PIO4_64.1);
        let bh = b.select(near, zero, p4h);
        let bl = b.select(near, zero, p4l);
        atan_frac(b, nh, nl, dh, dl, bh, bl, special)
    } else {
        atan_unit(b, num, den, special)
    };
    let (th, tl) = if special {
        // 0/0 → t = 0 (then ±0 or ±π), inf/inf → t = π/4 (±π/4, ±3π/4).
        let both_zero = b.eq(den, zero);
        let y_inf = is_inf(b, y);
        let x_inf = is_inf(b, x);
        let both_inf = b.and(y_inf, x_inf);
        let (p4h, p4l) = if is64::<B>() { PIO4_64 } else { PIO4_32 };
        let p4h = b.c(p4h);
        let p4l = b.c(p4l);
        let th = b.select(both_zero, zero, th);
        let tl = b.select(both_zero, zero, tl);
        let th = b.select(both_inf, p4h, th);
        let tl = b.select(both_inf, p4l, tl);
        (th, tl)
    } else {
        (th, tl)
    };
    // octant: base ± t with base in {0, π/2, π}
    let xneg = sign_bit(b, x);
    let (p2h, p2l) = if is64::<B>() { PIO2_64 } else { PIO2_32 };
    let (pih, pil) = if is64::<B>() { PI_64 } else { PI_32 };
    let p2h = b.c(p2h);
    let p2l = b.c(p2l);
    let pih = b.c(pih);
    let pil = b.c(pil);
    let bh = b.select(xneg, pih, zero);
    let bl = b.select(xneg, pil, zero);
    let bh = b.select(swap, p2h, bh);
    let bl = b.select(swap, p2l, bl);
    // subtract t when exactly one of (swap, xneg) holds
    let minus = b.xor(swap, xneg);
    let sth = neg_if(b, minus, th);
    let stl = neg_if(b, minus, tl);
    // |bh| >= |t| wherever bh != 0
    let (s, lo) = base_plus(b, bh, bl, sth, stl);
    let r = b.add(s, lo);
    let r = b.copysign(r, y);
    if special {
        let xn = b.is_nan(x);
        let yn = b.is_nan(y);
        let any_nan = b.or(xn, yn);
        let n = b.add(x, y);
        b.select(any_nan, n, r)
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    use super::super::scalar::{Eval32, Eval64};
    use super::super::testutil::*;
    use astro_float::Consts;

    const N: usize = 10000;

    fn ref_asin(x: f64, cc: &mut Consts) -> Ref {
        if x.is_nan() || x.abs() > 1.0 {
            return Ref::Nan;
        }
        val(bf(x).asin(PREC, RM, cc))
    }
    fn ref_acos(x: f64, cc: &mut Consts) -> Ref {
        if x.is_nan() || x.abs() > 1.0 {
            return Ref::Nan;
        }
        val(bf(x).acos(PREC, RM, cc))
    }
    fn ref_atan(x: f64, cc: &mut Consts) -> Ref {
        val(bf(x).atan(PREC, RM, cc))
    }
    /// atan2 via atan(|y|/|x|) at high precision and octant placement.
    pub(crate) fn ref_atan2(y: f64, x: f64, cc: &mut Consts) -> Ref {
        if x.is_nan() || y.is_nan() {
            return Ref::Nan;
        }
        let pi = bf(1.0).atan(PREC, RM, cc).mul(&bf(4.0), PREC, RM);
        if x == 0.0 && y == 0.0 {
            let v = if x.is_sign_negative() { pi } else { bf(0.0) };
            return Ref::Val(if y.is_sign_negative() { v.neg() } else { v });
        }
        let ay = bf(y.abs());
        let ax = bf(x.abs());
        // exact quotient precision: the exponent gap can be large, so use atan of the
        // quotient rounded at PREC bits (relative error 2^-192, harmless)
        let t = if x == 0.0 {
            pi.div(&bf(2.0), PREC, RM)
        } else {
            ay.div(&ax, PREC, RM).atan(PREC, RM, cc)
        };
        let v = if x.is_sign_negative() {
            pi.sub(&t, PREC, RM)
        } else {
            t
        };
        Ref::Val(if y.is_sign_negative() { v.neg() } else { v })
    }

    fn unit_gens() -> Vec<(u32, G)> {
        vec![
            (30, G::Uni(-1.0, 1.0)),
            (25, G::Log(1e-320, 1.0, 0)),
            (10, G::Near(1.0, 1e-3)),
            (10, G::Near(-1.0, 1e-3)),
            (10, G::Near(0.5, 1e-3)),
            (5, G::Near(-0.5, 1e-3)),
            (5, G::Log(1.0, 1e10, 0)),
            (5, G::Bits),
        ]
    }
    fn atan_gens() -> Vec<(u32, G)> {
        vec![
            (20, G::Uni(-4.0, 4.0)),
            (40, G::Log(1e-320, 1e308, 0)),
            (15, G::Near(1.0, 1e-3)),
            (15, G::Near(-1.0, 1e-3)),
            (10, G::Bits),
        ]
    }

    macro_rules! ulp_test {
        ($t32:ident, $t64:ident, $name:literal, $f:ident, $gens:expr, $ref:ident, $b32:expr, $b64:expr) => {
            #[test]
            fn $t32() {
                let f = |x: f64| super::$f(&mut Eval32, x as f32) as f64;
                check_unary($name, W::F32, samples(N), &$gens, &f, &$ref, $b32);
            }
            #[test]
            fn $t64() {
                let f = |x: f64| super::$f(&mut Eval64, x);
                check_unary($name, W::F64, samples(N), &$gens, &f, &$ref, $b64);
            }
        };
    }

    ulp_test!(
        asin_f32_ulp,
        asin_f64_ulp,
        "asin",
        asin,
        unit_gens(),
        ref_asin,
        1.0,
        1.0
    );
    ulp_test!(
        acos_f32_ulp,
        acos_f64_ulp,
        "acos",
        acos,
        unit_gens(),
        ref_acos,
        1.0,
        1.0
    );
    ulp_test!(
        atan_f32_ulp,
        atan_f64_ulp,
        "atan",
        atan,
        atan_gens(),
        ref_atan,
        1.0,
        1.0
    );

    fn atan2_pairs(rng: &mut Rng, w: W) -> (f64, f64) {
        let g = [
            G::Log(1e-320, 1e308, 0),
            G::Uni(-2.0, 2.0),
            G::Log(1e-3, 1e3, 0),
            G::Bits,
        ];
        let gx = g[rng.below(4) as usize];
        let x = gen(rng, gx, w);
        let y = match rng.below(4) {
            // near the diagonals |y| = |x|
            0 => w.round(x * (1.0 + rng.sign() * 1e-6 * rng.unit()) * rng.sign()),
            _ => {
                let gy = g[rng.below(4) as usize];
                gen(rng, gy, w)
            }
        };
        (y, x)
    }

    #[test]
    fn atan2_f32_ulp() {
        let f = |y: f64, x: f64| super::atan2(&mut Eval32, y as f32, x as f32) as f64;
        check_binary(
            "atan2",
            W::F32,
            samples(N),
            &atan2_pairs,
            &f,
            &ref_atan2,
            1.5,
        );
    }
    #[test]
    fn atan2_f64_ulp() {
        let f = |y: f64, x: f64| super::atan2(&mut Eval64, y, x);
        check_binary(
            "atan2",
            W::F64,
            samples(N),
            &atan2_pairs,
            &f,
            &ref_atan2,
            1.0,
        );
    }

    /// Quotients of a tiny numerator (a normal result that is not tiny): the usual
    /// path's residual would underflow there, leaving its reciprocal quotient up to
    /// two ulps off (1.24 ulp measured when these lanes took it), so they must take
    /// the correctly rounded division of the special path.
    #[test]
    fn atan2_f64_tiny_numerators_stay_accurate() {
        let f = |y: f64, x: f64| super::atan2(&mut Eval64, y, x);
        let pairs = |rng: &mut Rng, w: W| {
            // half below the threshold of 2^-968 (~1.6e-291), half just above it
            let hi = if rng.below(2) == 0 { 1e-301 } else { 1e-285 };
            let y = gen(rng, G::Log(2.2e-308, hi, 0), w);
            let x = gen(rng, G::Log(1e-4, 1.0, 0), w);
            if rng.below(2) == 0 {
                (y, x)
            } else {
                (x, y)
            }
        };
        check_binary(
            "atan2",
            W::F64,
            samples(10 * N),
            &pairs,
            &f,
            &ref_atan2,
            1.0,
        );
    }

    /// atan2 on the diagonals |y| = |x| is ±π/4 or ±3π/4 rounded, for every finite
    /// nonzero magnitude, and atan(±1) is ±π/4 rounded: exact results that the complex
    /// functions build on (acos(0) = π/2 is 2·atan2(1, 1)), checked apart from the ulp
    /// tests, which allow an ulp.
    #[test]
    fn atan2_is_exact_on_the_diagonals() {
        use std::f64::consts::FRAC_PI_4 as P4;
        let mut rng = Rng::new("atan2 diagonals");
        for w in [W::F32, W::F64] {
            let check = |y: f64, x: f64, want: f64| {
                let (got, want) = match w {
                    W::F32 => (
                        super::atan2(&mut Eval32, y as f32, x as f32) as f64,
                        want as f32 as f64,
                    ),
                    W::F64 => (super::atan2(&mut Eval64, y, x), want),
                };
                assert_eq!(got, want, "atan2({y:e}, {x:e}) in {w:?}");
            };
            for i in 0..20000 {
                let a = match i {
                    0 => 1.0,
                    1 => w.min_sub(),
                    2 => w.max(),
                    _ => gen(&mut rng, G::Log(1e-320, 1e308, 1), w),
                };
                check(a, a, P4);
                check(a, -a, 3.0 * P4);
                check(-a, a, -P4);
                check(-a, -a, -3.0 * P4);
            }
        }
        assert_eq!(super::atan(&mut Eval32, 1.0), P4 as f32);
        assert_eq!(super::atan(&mut Eval32, -1.0), -P4 as f32);
        assert_eq!(super::atan(&mut Eval64, 1.0), P4);
        assert_eq!(super::atan(&mut Eval64, -1.0), -P4);
    }

    const INF: f64 = f64::INFINITY;
    const NAN: f64 = f64::NAN;

    #[test]
    fn inverse_trig_specials() {
        use std::f64::consts::{FRAC_PI_2 as P2, FRAC_PI_4 as P4, PI};
        let sp = |n: &str,
                  f32fn: fn(&mut Eval32, f32) -> f32,
                  f64fn: fn(&mut Eval64, f64) -> f64,
                  t: &[(f64, f64)]| {
            check_specials1(n, &|x| f32fn(&mut Eval32, x), &|x| f64fn(&mut Eval64, x), t)
        };
        sp(
            "asin",
            super::asin,
            super::asin,
            &[
                (NAN, NAN),
                (1.5, NAN),
                (-1.5, NAN),
                (INF, NAN),
                (0.0, 0.0),
                (-0.0, -0.0),
                (1.0, P2),
                (-1.0, -P2),
            ],
        );
        sp(
            "acos",
            super::acos,
            super::acos,
            &[
                (NAN, NAN),
                (1.5, NAN),
                (-1.5, NAN),
                (-INF, NAN),
                (1.0, 0.0),
                (-1.0, PI),
                (0.0, P2),
                (-0.0, P2),
            ],
        );
        sp(
            "atan",
            super::atan,
            super::atan,
            &[
                (NAN, NAN),
                (0.0, 0.0),
                (-0.0, -0.0),
                (INF, P2),
                (-INF, -P2),
                (1.0, P4),
                (-1.0, -P4),
            ],
        );
        let t = [
            (NAN, 1.0, NAN),
            (1.0, NAN, NAN),
            (NAN, NAN, NAN),
            (1.0, 0.0, P2),
            (1.0, -0.0, P2),
            (0.0, 1.0, 0.0),
            (0.0, 0.0, 0.0),
            (0.0, -0.0, PI),
            (0.0, -1.0, PI),
            (-0.0, 1.0, -0.0),
            (-0.0, 0.0, -0.0),
            (-0.0, -0.0, -PI),
            (-0.0, -1.0, -PI),
            (-1.0, 0.0, -P2),
            (-1.0, -0.0, -P2),
            (1.0, INF, 0.0),
            (1.0, -INF, PI),
            (-1.0, INF, -0.0),
            (-1.0, -INF, -PI),
            (INF, 1.0, P2),
            (INF, -1.0, P2),
            (-INF, 1.0, -P2),
            (-INF, -1.0, -P2),
            (INF, 0.0, P2),
            (-INF, -0.0, -P2),
            (0.0, INF, 0.0),
            (-0.0, -INF, -PI),
            (INF, INF, P4),
            (INF, -INF, 3.0 * P4),
            (-INF, INF, -P4),
            (-INF, -INF, -3.0 * P4),
            (5e-324, 1e300, 0.0),
            (1e300, 1e-300, P2),
            (1e-300, -1e300, PI),
        ];
        check_specials2(
            "atan2",
            &|y, x| super::atan2(&mut Eval32, y, x),
            &|y, x| super::atan2(&mut Eval64, y, x),
            &t,
        );
    }
}
