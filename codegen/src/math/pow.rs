//! `pow(x, y)`.
//!
//! |x|^y = exp(y·log|x|) with log|x| carried as a double word (the approach of SLEEF's
//! `xpow` and of Cephes/CORE-MATH-style double-double logarithms, written here for the
//! builder): x = 2^k·m, m in [√½, √2), s = (m - 1)/(m + 1) as a double word,
//! log m = 2s + (2/3)s³ + s⁵·Q(s²) with the first two terms in double-word arithmetic
//! and Q a Remez fit (degree 3 / 6, relative error of log m ~2^-44 / ~2^-66). The
//! product y·log|x| is a double word too, and exp takes its low word as a correction,
//! so the result is accurate even when |y·log|x|| is near the overflow limit. The sign
//! and the Array API's special-case table are applied with selects.

use super::common::*;
use super::exp_log::{exp_parts_xl, log_reduce, Subnormals, LN2T_32, LN2T_64};
use super::pow_tables::{
    EXP32_TABLE, EXP_TABLE, INV_LN2_128, LN2_128_HI, LN2_128_LO, LN2_HI, LN2_LO, LOG16_TABLE,
    LOG_OFF, LOG_TABLE,
};
use super::MathBuilder;

// log(m) = 2s + (2/3)s^3 + s^5 Q(s^2), s^2 <= 0.0295 (relative error of log m
// 2^-44.2 / 2^-66.2)
const PLOG_32: [f64; 4] = [
    0.3999999761581421,
    0.2857188880443573,
    0.2218424379825592,
    0.19481295347213745,
];
const PLOG_64: [f64; 7] = [
    0.4000000000000242,
    0.28571428570016594,
    0.22222222535378117,
    0.18181782963925144,
    0.15386824093725765,
    0.13255218102852812,
    0.13211557242339692,
];
const TWO_THIRDS_32: (f64, f64) = (0.6666666865348816, -1.9868215517249155e-08);
const TWO_THIRDS_64: (f64, f64) = (0.6666666666666666, 3.700743415417188e-17);

/// log(x) as a double word, for finite x > 0 (relative error ~2^-44 / ~2^-66).
pub(crate) fn log_dw<B: MathBuilder>(b: &mut B, x: B::V) -> Dw<B::V> {
    let (f, kf) = log_reduce(b, x, Subnormals::Scale);
    let zero = b.c(0.0);
    let two = b.c(2.0);
    // s = f/(2 + f), with 2 + f exact as a pair
    let (dh, dl) = fast_two_sum(b, two, f);
    let (s, sl) = div_dw(b, f, zero, dh, dl);
    let sd = Dw { hi: s, lo: sl };
    // z = s² as a pair
    let (z, zl) = two_prod(b, s, s);
    let s2 = b.add(s, s);
    let zl = b.fma(s2, sl, zl);
    let zd = Dw { hi: z, lo: zl };
    let s3 = dw_mul(b, zd, sd);
    let c = dw_const(b, TWO_THIRDS_32, TWO_THIRDS_64);
    let cs3 = dw_mul(b, s3, c);
    let q = if is64::<B>() {
        horner(b, z, &PLOG_64)
    } else {
        horner(b, z, &PLOG_32)
    };
    let s5 = b.mul(s3.hi, z);
    let t = b.mul(s5, q);
    let sl2 = b.add(sl, sl);
    let two_s = Dw { hi: s2, lo: sl2 };
    let l = dw_add(b, two_s, cs3);
    let l = dw_add_s(b, l, t);
    // k·ln2 with ln2 split so that k·hi is exact
    let (h, lo) = if is64::<B>() { LN2T_64 } else { LN2T_32 };
    let lh = b.c(h);
    let ll = b.c(lo);
    let kh = b.mul(kf, lh);
    let kl = b.mul(kf, ll);
    let (kh, kl) = fast_two_sum(b, kh, kl);
    let k = Dw { hi: kh, lo: kl };
    dw_add(b, k, l)
}

// log1p(r) = r - r²/2 + r³·(A1 + r·A2 + ...) as laid out in `log_table` (the Taylor
// coefficients; |r| < 2^-7.4, the first term left out is below 2^-66 of the result)
const A1: f64 = -2.0 / 3.0;
const A2: f64 = 0.5;
const A3: f64 = 0.8;
const A4: f64 = -2.0 / 3.0;
const A5: f64 = -8.0 / 7.0;
const A6: f64 = 1.0;
const A7: f64 = 16.0 / 9.0;

/// The split of the table logarithms, 64-bit builders only: positive normal x =
/// 2^k·z with z in [Z0, 2·Z0) (Z0 the double whose bits are LOG_OFF), and the row of
/// z in a table of 2^`bits` rows (the top bits of z's bits less LOG_OFF). Returns
/// (row, k as a float, z, k·2^52 as an integer). The row is masked, so any x gives a
/// row of the table.
fn log_split<B: MathBuilder>(b: &mut B, ax: B::V, bits: u32) -> (B::I, B::V, B::V, B::I) {
    let ix = b.to_bits(ax);
    let off = b.ci(LOG_OFF);
    let tmp = b.isub(ix, off);
    let row = b.ushr(tmp, 52 - bits);
    let mask = b.ci((1 << bits) - 1);
    let row = b.iand(row, mask);
    let k = b.sshr(tmp, 52);
    let kd = int_to_float(b, k);
    let top = b.ci(-1 << 52);
    let high = b.iand(tmp, top);
    let iz = b.isub(ix, high);
    (row, kd, b.from_bits(iz), high)
}

/// log(x) as a double word for finite x > 0, 64-bit builders only (relative error
/// ~2^-68), from a table (the scheme of Szabolcs Nagy's `pow` in ARM's optimized
/// routines and glibc: the facts below, not its code). x = 2^k·z with z in
/// [0.706, 1.412); the top seven bits of z's mantissa (offset so that 1.0 sits inside a
/// row, not on an edge) pick a row with invc ≈ 1/z of at most nine significant bits,
/// so r = z·invc - 1 is exact in one fma and |r| < 2^-7.4. Then log x = k·ln2 -
/// log(invc) + log1p(r), where k·LN2_HI + logc is exact (both are multiples of 2^-42)
/// and the rounding errors of the first two terms of log1p are carried in the low word.
fn log_table<B: MathBuilder>(b: &mut B, ax: B::V) -> Dw<B::V> {
    // subnormals: into the normal range, k lowered by 52
    let tiny = b.c(f64::MIN_POSITIVE);
    let sub = b.lt(ax, tiny);
    let up = b.c(2f64.powi(52));
    let scaled = b.mul(ax, up);
    let ax = b.select(sub, scaled, ax);
    let zero = b.c(0.0);
    let m52 = b.c(-52.0);
    let kadj = b.select(sub, m52, zero);
    log_table_core(b, ax, None, kadj)
}

/// log(x + xl) + kadd·ln2 as a double word (relative error ~2^-60 with a low word,
/// see below; ~2^-68 without), 64-bit builders only, for normal x > 0, |xl| <=
/// ~ulp(x) and kadd a small integer as a float (or 0). The low word's scale 2^-k is
/// exact below 2^1022; above it is +0 up to about 1.27e308 and the bits of -inf
/// beyond, so there xl must be 0 and x below 1.27e308. `log_table` with a low word,
/// for callers that carry their argument as a double word (asinh, acosh). With x =
/// 2^k·z, the low word enters the reduced argument as rl = xl·2^-k·invc (r + rl = (z +
/// xl·2^-k)·invc - 1), and log1p(r + rl) = log1p(r) + rl·(1 - r) within about rl·r²
/// (2^-60 of the result at most: |r| < 2^-7.4, and where the result is small, it is
/// about r). No division.
pub(crate) fn log_table_dw<B: MathBuilder>(b: &mut B, x: B::V, xl: B::V, kadd: B::V) -> Dw<B::V> {
    log_table_core(b, x, Some(xl), kadd)
}

/// `log_table` and `log_table_dw` for normal x: the reduction, the table row and
/// log1p of the reduced argument (plus the low word's share where there is one).
fn log_table_core<B: MathBuilder>(b: &mut B, ax: B::V, xl: Option<B::V>, kadd: B::V) -> Dw<B::V> {
    let (row, kd, z, high) = log_split(b, ax, 7);
    let kd = b.add(kd, kadd);
    let [invc, logc, ctail] = b.lookup(&LOG_TABLE, row);
    let m1 = b.c(-1.0);
    let r = b.fma(z, invc, m1);
    let ln2h = b.c(LN2_HI);
    let ln2l = b.c(LN2_LO);
    let t1 = b.fma(kd, ln2h, logc);
    let t2 = b.add(t1, r);
    let lo1 = b.fma(kd, ln2l, ctail);
    // t2's rounding error: |t1| > |r| unless t1 = 0
    let d = b.sub(t1, t2);
    let lo2 = b.add(d, r);
    // The low terms are summed as they come (few values live at once: every one is
    // one register per unrolled copy)
    let lo = b.add(lo1, lo2);
    let mhalf = b.c(-0.5);
    let ar = b.mul(r, mhalf);
    let ar2 = b.mul(r, ar);
    let hi = b.add(t2, ar2);
    // ar2's and hi's rounding errors
    let nar2 = b.neg(ar2);
    let lo3 = b.fma(ar, r, nar2);
    let lo = b.add(lo, lo3);
    let d = b.sub(t2, hi);
    let lo4 = b.add(d, ar2);
    let lo = b.add(lo, lo4);
    let c = |b: &mut B, v: f64| b.c(v);
    let (a1, a2, a3, a4, a5, a6, a7) = (
        c(b, A1),
        c(b, A2),
        c(b, A3),
        c(b, A4),
        c(b, A5),
        c(b, A6),
        c(b, A7),
    );
    let inner = b.fma(r, a6, a5);
    let inner = b.fma(ar2, a7, inner);
    let mid = b.fma(r, a4, a3);
    let mid = b.fma(ar2, inner, mid);
    let outer = b.fma(r, a2, a1);
    let outer = b.fma(ar2, mid, outer);
    let ar3 = b.mul(r, ar2);
    let p = b.mul(ar3, outer);
    let lo = b.add(lo, p);
    let lo = match xl {
        Some(xl) => {
            // 2^-k from k's bits (1.0's exponent less k)
            let one = b.ci(1f64.to_bits() as i64);
            let sb = b.isub(one, high);
            let scale = b.from_bits(sb);
            let rl = b.mul(xl, scale);
            let rl = b.mul(rl, invc);
            let nrl = b.neg(rl);
            let rl = b.fma(nrl, r, rl);
            b.add(lo, rl)
        }
        None => lo,
    };
    // renormalised: y·lo must stay a correction of ~ulp(y·hi), within exp's reduced range
    let (hi, lo) = fast_two_sum(b, hi, lo);
    Dw { hi, lo }
}

// e^r - 1 - r = r²·(C2 + r·C3) + r⁴·(C4 + r·C5) for |r| <= ln2/256 (Taylor; the first
// term left out is below 2^-60 relative)
const C2: f64 = 0.5;
const C3: f64 = 1.0 / 6.0;
const C4: f64 = 1.0 / 24.0;
const C5: f64 = 1.0 / 120.0;

/// The exponential of pow's core: e^(x + xl) as the value itself where it is normal
/// (`fast`), and the parts the general path needs to build it as p·2^k.
struct CoreExp<V, I> {
    fast: V,
    late: Late<V, I>,
}

enum Late<V, I> {
    /// p and k.
    Parts(V, I),
    /// `exp_table`'s row (its first column), polynomial s, row index j and rounding
    /// sum bits ki.
    Table(V, V, I, I),
}

/// exp(x + xl), 64-bit builders only, from a table: x = (128k + j)·ln2/128 + r, e^x =
/// 2^k · 2^(j/128) · e^r with 2^(j/128) from the table as a rounded value and its
/// relative error, and e^r a degree-5 polynomial (|r| <= ln2/256). Accurate for |x|
/// below ~1400 (k·LN2_128_HI exact for |k| < 2^18), far beyond the results pow keeps
/// (|x| <= 746); callers select other results away (the row index is masked, so any
/// x is safe to evaluate). `fast` is right where the result is normal: 2^k goes into the row's
/// exponent bits before the last step (the row is stored less j·2^45, so one shift of
/// the rounding sum's bits adds both k and j's correction).
fn exp_table<B: MathBuilder>(b: &mut B, x: B::V, xl: B::V) -> CoreExp<B::V, B::I> {
    let c = b.c(INV_LN2_128);
    let (kd, ki) = round_mul_shiftable(b, x, c);
    let h = b.c(-LN2_128_HI);
    let l = b.c(-LN2_128_LO);
    let r = b.fma(kd, h, x);
    let r = b.fma(kd, l, r);
    let r = b.add(r, xl);
    let mask = b.ci(127);
    let j = b.iand(ki, mask);
    let [row, tail] = b.lookup(&EXP_TABLE, j);
    let c2 = b.c(C2);
    let c3 = b.c(C3);
    let c4 = b.c(C4);
    let c5 = b.c(C5);
    let r2 = b.mul(r, r);
    let lo = b.fma(r, c3, c2);
    let hi = b.fma(r, c5, c4);
    let r4 = b.mul(r2, r2);
    let t = b.mul(r2, lo);
    let t = b.fma(r4, hi, t);
    let s = b.add(tail, r);
    let s = b.add(s, t);
    let top = b.shl(ki, 45);
    let rb = b.to_bits(row);
    let sb = b.iadd(rb, top);
    let sc = b.from_bits(sb);
    CoreExp {
        fast: b.fma(sc, s, sc),
        late: Late::Table(row, s, j, ki),
    }
}

/// The general path's p·2^k from `CoreExp::late`.
fn late_parts<B: MathBuilder>(b: &mut B, late: Late<B::V, B::I>) -> (B::V, B::I) {
    match late {
        Late::Parts(p, k) => (p, k),
        Late::Table(row, s, j, ki) => {
            // 2^(j/128) rounded, and k from the rounding sum's bits
            let jb = b.shl(j, 45);
            let rb = b.to_bits(row);
            let hb = b.iadd(rb, jb);
            let h = b.from_bits(hb);
            let p = b.fma(h, s, h);
            let (_, magic) = magic::<B>();
            let m = b.ci(magic);
            let kk = b.isub(ki, m);
            (p, b.sshr(kk, 7))
        }
    }
}

/// x^y. Special cases: exactly the Array API table (pow(x, ±0) = 1 even for NaN x,
/// pow(1, y) = 1 for every y including NaN, pow(±1, ±inf) = 1, the signed-zero and
/// infinity rules for x = ±0 and x = ±inf with odd-integer y, NaN for negative finite
/// x with non-integer finite y). Results overflow to inf and underflow gradually
/// through the subnormals.
pub fn pow<B: MathBuilder>(b: &mut B, x: B::V, y: B::V) -> B::V {
    let ax = b.abs(x);
    let l = if is64::<B>() {
        log_table(b, ax)
    } else {
        log_dw(b, ax)
    };
    // y·ln|x| = th + tl
    let th = b.mul(l.hi, y);
    let nth = b.neg(th);
    let e = b.fma(l.hi, y, nth);
    let tl = b.fma(l.lo, y, e);
    let core = if is64::<B>() {
        exp_table(b, th, tl)
    } else {
        let (p, k) = exp_parts_xl(b, th, tl);
        // 2^k straight into p's exponent field (right where the result is normal)
        let kb = b.shl(k, mant_bits::<B>());
        let pb = b.to_bits(p);
        let fast = b.iadd(pb, kb);
        CoreExp {
            fast: b.from_bits(fast),
            late: Late::Parts(p, k),
        }
    };
    // The usual case, 0 < x < inf with |y·ln x| small enough for a normal result
    // (which also rules out y infinite or NaN, and x = 1 with y infinite: th is NaN),
    // takes the core's value; anything else the general path, behind one branch.
    let lim = cw(b, 87.0, 708.0);
    let bad = not_usual(b, x, th, lim);
    b.unless_any(bad, core.fast, |b, _| {
        let (p, k) = late_parts(b, core.late);
        pow_general(b, x, y, p, k, th)
    })
}

/// x^y from the core's p·2^k and the plain product t0 = y·ln|x|, for any x and y: the
/// scaling in two steps (gradual underflow), overflow and underflow, and the special
/// cases.
fn pow_general<B: MathBuilder>(b: &mut B, x: B::V, y: B::V, p: B::V, k: B::I, t0: B::V) -> B::V {
    let r = scale(b, p, k);
    let hi = cw(b, 89.0, 710.0);
    let lo = cw(b, -104.0, -746.0);
    let r = over_under(b, t0, hi, lo, r);
    pow_specials(b, x, y, r)
}

/// The lanes pow's fast path cannot take: x <= 0, infinite or NaN, or |t| = |y·ln x|
/// above `lim` or NaN (which covers y infinite or NaN, and x = 1 with y infinite).
fn not_usual<B: MathBuilder>(b: &mut B, x: B::V, t: B::V, lim: B::V) -> B::M {
    let zero = b.c(0.0);
    let i = inf(b);
    let x_bad = b.ngt(x, zero); // x <= 0 or NaN
    let x_inf = b.nlt(x, i);
    let at = b.abs(t);
    let t_bad = b.nle(at, lim);
    let bad = b.or(x_bad, x_inf);
    b.or(bad, t_bad)
}

/// r, but +inf where t = y·ln|x| is above `hi` and +0 where it is below `lo`.
fn over_under<B: MathBuilder>(b: &mut B, t: B::V, hi: B::V, lo: B::V, r: B::V) -> B::V {
    let zero = b.c(0.0);
    let i = inf(b);
    let over = b.gt(t, hi);
    let under = b.lt(t, lo);
    let r = b.select(over, i, r);
    b.select(under, zero, r)
}

/// x^y from |x|^y computed for ordinary inputs (`r`, already infinite or zero where
/// it overflows or underflows): the sign for negative x and odd integer y, then the
/// Array API's special cases.
fn pow_specials<B: MathBuilder>(b: &mut B, x: B::V, y: B::V, r: B::V) -> B::V {
    let zero = b.c(0.0);
    let one = b.c(1.0);
    let i = inf(b);
    let ni = b.neg(i);
    let n = nan(b);
    let ax = b.abs(x);
    // y integer / odd integer (inf counts as an even integer here)
    let yt = b.trunc(y);
    let y_int = b.eq(yt, y);
    let half = b.c(0.5);
    let yh = b.mul(y, half);
    let yht = b.trunc(yh);
    let y_even = b.eq(yht, yh);
    let not_even = b.not(y_even);
    let y_odd = b.and(y_int, not_even);
    let x_neg = b.lt(x, zero);
    let neg_res = b.and(x_neg, y_odd);
    let r = neg_if(b, neg_res, r);
    // negative finite x, non-integer y: NaN
    let not_int = b.not(y_int);
    let bad = b.and(x_neg, not_int);
    let r = b.select(bad, n, r);
    let y_pos = b.gt(y, zero);
    // x = ±0: y > 0 → +0 (−0 for x = −0 and odd y); y < 0 → +inf (−inf likewise)
    let x_zero = b.eq(x, zero);
    let xs = sign_bit(b, x);
    let zv = b.select(y_pos, zero, i);
    let flip = b.and(xs, y_odd);
    let zv = neg_if(b, flip, zv);
    let r = b.select(x_zero, zv, r);
    // x = ±inf: y > 0 → +inf (−inf for x = −inf and odd y); y < 0 → +0 (−0 likewise)
    let x_inf = is_inf(b, x);
    let iv = b.select(y_pos, i, zero);
    let iv = neg_if(b, flip, iv);
    let r = b.select(x_inf, iv, r);
    // y = ±inf: |x| > 1 → (+inf, +0); |x| < 1 → (+0, +inf); |x| = 1 → 1
    let y_inf = is_inf(b, y);
    let gt1 = b.gt(ax, one);
    let same = b.eq(y, i); // y = +inf
    let up_a = b.and(gt1, same);
    let lt1 = b.lt(ax, one);
    let y_ninf = b.eq(y, ni);
    let up_b = b.and(lt1, y_ninf);
    let up = b.or(up_a, up_b);
    let yv = b.select(up, i, zero);
    let eq1 = b.eq(ax, one);
    let yv = b.select(eq1, one, yv);
    let r = b.select(y_inf, yv, r);
    // NaNs, then the two rules that beat them
    let xn = b.is_nan(x);
    let yn = b.is_nan(y);
    let any_nan = b.or(xn, yn);
    let nn = b.add(x, y);
    let r = b.select(any_nan, nn, r);
    let y_zero = b.eq(y, zero);
    let r = b.select(y_zero, one, r);
    let x_one = b.eq(x, one);
    b.select(x_one, one, r)
}

// log1p(r) = r + r²·(B2 + r·B3 + ...) for the f32 pow (Taylor; |r| <= 2^-4.7, the
// first term left out is below 2^-40 of the result)
const B_LOG1P: [f64; 7] = [-0.5, 1.0 / 3.0, -0.25, 0.2, -1.0 / 6.0, 1.0 / 7.0, -0.125];
// e^r - 1 = r + r²·(1/2 + r/6 + r²/24) for |r| <= ln2/64 (Taylor; the first term left
// out is below 2^-39)
const B_EXPM1: [f64; 3] = [0.5, 1.0 / 6.0, 1.0 / 24.0];

/// x^y for f32 x and y, computed by a 64-bit builder on their exact f64 values: the
/// result, rounded once to f32 by the caller, is within an f32 ulp (error of the f64
/// value ~2^-33 relative at worst, for |y·ln x| near 100). The reduction of
/// `log_table`/`exp_table` with small tables and no double-word arithmetic: log x = k·ln2 - ln(invc) + log1p(z·invc - 1) with 16
/// rows (|r| <= 2^-4.7, degree-8 polynomial), e^t = 2^k·2^(j/32)·e^r (|r| <= ln2/64,
/// degree 4). f32 values need no subnormal scaling in f64, and |y·ln x| up to 200
/// gives finite f64 results that round to f32's infinities and zeros, so only x <= 0,
/// infinite or NaN inputs and |y·ln x| > 200 take the general path.
pub fn pow_f32_in_f64<B: MathBuilder>(b: &mut B, x: B::V, y: B::V) -> B::V {
    debug_assert!(is64::<B>(), "pow_f32_in_f64 needs a 64-bit builder");
    let ax = b.abs(x);
    let (row, kd, z, _) = log_split(b, ax, 4);
    let [invc, logc] = b.lookup(&LOG16_TABLE, row);
    let m1 = b.c(-1.0);
    let r = b.fma(z, invc, m1);
    let ln2 = b.c(std::f64::consts::LN_2);
    let t1 = b.fma(kd, ln2, logc);
    let r2 = b.mul(r, r);
    let q = horner(b, r, &B_LOG1P);
    let l = b.fma(r2, q, r);
    let l = b.add(t1, l);
    let t = b.mul(l, y);
    // e^t
    let c = b.c(32.0 / std::f64::consts::LN_2);
    let (kd, ki) = round_mul_shiftable(b, t, c);
    let h = b.c(-std::f64::consts::LN_2 / 32.0);
    let r = b.fma(kd, h, t);
    let mask = b.ci(31);
    let j = b.iand(ki, mask);
    let [row] = b.lookup(&EXP32_TABLE, j);
    let top = b.shl(ki, 47);
    let rb = b.to_bits(row);
    let sb = b.iadd(rb, top);
    let sc = b.from_bits(sb);
    let r2 = b.mul(r, r);
    let q = horner(b, r, &B_EXPM1);
    let em1 = b.fma(r2, q, r);
    let fast = b.fma(sc, em1, sc);
    let lim = b.c(200.0);
    let bad = not_usual(b, x, t, lim);
    b.unless_any(bad, fast, |b, fast| {
        let mlim = b.neg(lim);
        let r = over_under(b, t, lim, mlim, fast);
        pow_specials(b, x, y, r)
    })
}

#[cfg(test)]
mod tests {
    use super::super::scalar::{Eval32, Eval64};
    use super::super::testutil::*;
    use astro_float::Consts;

    const N: usize = 10000;

    fn ref_pow(x: f64, y: f64, cc: &mut Consts) -> Ref {
        if x.is_nan() || y.is_nan() || x.is_infinite() || y.is_infinite() || x == 0.0 {
            return Ref::Val(bf(x.powf(y))); // special cases: std agrees with the table
        }
        if y == 0.0 {
            return Ref::Val(bf(1.0));
        }
        let neg = x < 0.0;
        if neg && y.trunc() != y {
            return Ref::Nan;
        }
        let odd = neg && y.trunc() == y && (y * 0.5).trunc() != y * 0.5;
        // far beyond the range: decide overflow/underflow without astro-float
        let t = y * x.abs().log2();
        let v = if t > 1200.0 {
            bf(f64::INFINITY)
        } else if t < -1200.0 {
            bf(0.0)
        } else {
            // exp(y·ln|x|) (astro-float's own pow is very slow for large integral y)
            let p2 = PREC + 64;
            bf(x.abs())
                .ln(p2, RM, cc)
                .mul(&bf(y), p2, RM)
                .exp(PREC, RM, cc)
        };
        val(if odd { v.neg() } else { v })
    }

    fn pow_pairs(rng: &mut Rng, w: W) -> (f64, f64) {
        let (emax, emin) = match w {
            W::F32 => (89.0, -104.0),
            W::F64 => (710.0, -746.0),
        };
        match rng.below(10) {
            0..=2 => {
                // y·ln x spread over the whole exponent range, overflow and underflow
                let x = gen(rng, G::Log(1e-320, 1e308, 1), w);
                let t = emin + (emax - emin) * 1.02 * rng.unit();
                let y = w.round(t / x.ln());
                (x, y)
            }
            3 | 4 => {
                let x = gen(rng, G::Near(1.0, 1e-2), w);
                let y = gen(rng, G::Log(1.0, 1e17, 0), w);
                (x, y)
            }
            5 => (
                gen(rng, G::Uni(0.0, 10.0), w),
                gen(rng, G::Uni(-30.0, 30.0), w),
            ),
            6 => {
                // negative base, integer exponent
                let x = gen(rng, G::Log(1e-3, 1e3, -1), w);
                let y = (rng.unit() * 200.0 - 100.0).round();
                (x, y)
            }
            7 => {
                // subnormal bases
                let x = gen(rng, G::Log(1e-320, 1e-300, 1), w);
                let y = gen(rng, G::Uni(-1.2, 1.2), w);
                (x, y)
            }
            8 => (
                gen(rng, G::Log(1e-320, 1e308, 0), w),
                gen(rng, G::Uni(-4.0, 4.0), w),
            ),
            _ => (gen(rng, G::Bits, w), gen(rng, G::Bits, w)),
        }
    }

    #[test]
    fn pow_f32_ulp() {
        let f = |x: f64, y: f64| super::pow(&mut Eval32, x as f32, y as f32) as f64;
        check_binary("pow", W::F32, samples(N), &pow_pairs, &f, &ref_pow, 1.0);
    }
    #[test]
    fn pow_f32_in_f64_ulp() {
        let f = |x: f64, y: f64| super::pow_f32_in_f64(&mut Eval64, x, y) as f32 as f64;
        check_binary("pow", W::F32, samples(N), &pow_pairs, &f, &ref_pow, 1.0);
    }
    #[test]
    fn pow_f64_ulp() {
        let f = |x: f64, y: f64| super::pow(&mut Eval64, x, y);
        check_binary("pow", W::F64, samples(N), &pow_pairs, &f, &ref_pow, 1.0);
    }

    /// The generated tables (tools/pow_tables.py, mpmath) against astro-float: what
    /// pow's exactness arguments assume of them.
    #[test]
    fn pow_tables_hold_what_the_algorithm_assumes() {
        use super::super::pow_tables::*;
        let q42 = |v: f64| (v * 2f64.powi(42)).fract() == 0.0;
        // |a - b| as an f64
        let dist = |a: &astro_float::BigFloat, b: &astro_float::BigFloat| {
            to_f64(&a.sub(b, PREC, RM).abs())
        };
        with_cc(|cc| {
            let ln2 = bf(2.0).ln(PREC, RM, cc);
            assert!(q42(LN2_HI) && q42(LN2_128_HI));
            assert!(dist(&bf(LN2_HI).add(&bf(LN2_LO), PREC, RM), &ln2) < 2f64.powi(-95));
            let ln2n = ln2.div(&bf(128.0), PREC, RM);
            let pair = bf(LN2_128_HI).add(&bf(LN2_128_LO), PREC, RM);
            assert!(dist(&pair, &ln2n) < 2f64.powi(-95));
            assert_eq!(INV_LN2_128, to_f64(&bf(128.0).div(&ln2, PREC, RM)));
            // the logarithm: rows, their ranges of z, exact z·invc - 1
            assert_eq!(LOG_TABLE[LOG_ONE_ROW], [1.0, 0.0, 0.0]);
            for (i, &[invc, logc, tail]) in LOG_TABLE.iter().enumerate() {
                assert_eq!(invc.to_bits() & ((1 << 44) - 1), 0, "row {i}: nine bits");
                assert!(q42(logc), "row {i}: logc a multiple of 2^-42");
                let minus_log = bf(invc).ln(PREC, RM, cc).neg();
                let sum = bf(logc).add(&bf(tail), PREC, RM);
                assert!(
                    dist(&sum, &minus_log) < 2f64.powi(-95),
                    "row {i}: -log(invc)"
                );
                let z0 = f64::from_bits((LOG_OFF + ((i as i64) << 45)) as u64);
                let z1 = f64::from_bits((LOG_OFF + ((i as i64 + 1) << 45)) as u64);
                let zs = [z0, z1.next_down(), 0.5 * (z0 + z1), z0.next_up()];
                for z in zs {
                    let r = z.mul_add(invc, -1.0);
                    let exact = bf(z).mul(&bf(invc), PREC, RM).sub(&bf(1.0), PREC, RM);
                    assert_eq!(
                        dist(&bf(r), &exact),
                        0.0,
                        "row {i}: z·invc - 1 exact at {z:e}"
                    );
                    assert!(r.abs() < 2f64.powi(-7), "row {i}: |r| < 2^-7 at {z:e}");
                }
                if (z0..z1).contains(&1.0) {
                    assert_eq!(i, LOG_ONE_ROW);
                }
            }
            // the exponential: 2^(j/128) rounded, less j·2^45 in its bits, and the error
            for (j, &[shifted, tail]) in EXP_TABLE.iter().enumerate() {
                let hi = f64::from_bits(shifted.to_bits() + ((j as u64) << 45));
                let exact = bf(2.0).pow(&bf(j as f64 / 128.0), PREC, RM, cc);
                assert_eq!(hi, to_f64(&exact), "row {j}: 2^(j/128) rounded");
                let corrected = bf(hi).mul(&bf(1.0).add(&bf(tail), PREC, RM), PREC, RM);
                assert!(
                    dist(&corrected, &exact) < 2f64.powi(-104),
                    "row {j}: the error"
                );
            }
            // the f32 pow's tables: rounded -ln(invc), |z·invc - 1| <= 2^-4.7 over each
            // row (1.0's row exactly [1, 0]), 2^(j/32) rounded
            for (i, &[invc, logc]) in LOG16_TABLE.iter().enumerate() {
                let want = to_f64(&bf(invc).ln(PREC, RM, cc).neg());
                assert_eq!(logc, want, "row {i}: -ln(invc) rounded");
                let z0 = f64::from_bits((LOG_OFF + ((i as i64) << 48)) as u64);
                let z1 = f64::from_bits((LOG_OFF + ((i as i64 + 1) << 48)) as u64);
                for z in [z0, z1.next_down()] {
                    let r = z.mul_add(invc, -1.0);
                    assert!(r.abs() <= 2f64.powf(-4.7), "row {i}: |r| at {z:e}");
                }
                if (z0..z1).contains(&1.0) {
                    assert_eq!([invc, logc], [1.0, 0.0], "1.0's row");
                }
            }
            for (j, &[shifted]) in EXP32_TABLE.iter().enumerate() {
                let hi = f64::from_bits(shifted.to_bits() + ((j as u64) << 47));
                let exact = bf(2.0).pow(&bf(j as f64 / 32.0), PREC, RM, cc);
                assert_eq!(hi, to_f64(&exact), "row {j}: 2^(j/32) rounded");
            }
        });
    }

    const INF: f64 = f64::INFINITY;
    const NAN: f64 = f64::NAN;

    #[test]
    fn pow_specials() {
        let t = [
            // y NaN, x != 1
            (2.0, NAN, NAN),
            (0.0, NAN, NAN),
            (-1.0, NAN, NAN),
            (INF, NAN, NAN),
            // y ±0, even for NaN x
            (NAN, 0.0, 1.0),
            (NAN, -0.0, 1.0),
            (0.0, 0.0, 1.0),
            (-INF, -0.0, 1.0),
            (-3.5, 0.0, 1.0),
            // x NaN, y != 0
            (NAN, 1.0, NAN),
            (NAN, -INF, NAN),
            (NAN, INF, NAN),
            // |x| > 1 / < 1 / = 1 with y = ±inf
            (1.5, INF, INF),
            (-1.5, INF, INF),
            (1.5, -INF, 0.0),
            (-1e300, -INF, 0.0),
            (1.0, INF, 1.0),
            (-1.0, INF, 1.0),
            (1.0, -INF, 1.0),
            (-1.0, -INF, 1.0),
            (0.5, INF, 0.0),
            (-0.5, INF, 0.0),
            (0.5, -INF, INF),
            (-0.5, -INF, INF),
            (0.0, INF, 0.0),
            (-0.0, -INF, INF),
            // x = 1
            (1.0, 3.0, 1.0),
            (1.0, -1e300, 1.0),
            (1.0, NAN, 1.0),
            // x = +inf
            (INF, 0.5, INF),
            (INF, 3.0, INF),
            (INF, -0.5, 0.0),
            (INF, -3.0, 0.0),
            // x = -inf
            (-INF, 3.0, -INF),
            (-INF, 5.0, -INF),
            (-INF, 2.0, INF),
            (-INF, 0.5, INF),
            (-INF, 1e300, INF),
            (-INF, -3.0, -0.0),
            (-INF, -2.0, 0.0),
            (-INF, -0.5, 0.0),
            // x = +0
            (0.0, 0.5, 0.0),
            (0.0, 3.0, 0.0),
            (0.0, -0.5, INF),
            (0.0, -3.0, INF),
            // x = -0
            (-0.0, 3.0, -0.0),
            (-0.0, 1.0, -0.0),
            (-0.0, 2.0, 0.0),
            (-0.0, 0.5, 0.0),
            (-0.0, -3.0, -INF),
            (-0.0, -1.0, -INF),
            (-0.0, -2.0, INF),
            (-0.0, -0.5, INF),
            // x < 0 finite, y finite non-integer
            (-2.0, 0.5, NAN),
            (-1.0, 1.5, NAN),
            (-1e-30, -0.25, NAN),
            // negative x, integer y
            (-2.0, 3.0, -8.0),
            (-2.0, 2.0, 4.0),
            (-2.0, -1.0, -0.5),
            (-1.0, 1e300, 1.0),
            (-1.0, 3.0, -1.0),
            // exact values, overflow, underflow
            (2.0, 10.0, 1024.0),
            (10.0, 2.0, 100.0),
            (4.0, 0.5, 2.0),
            (2.0, -1074.0, 5e-324),
            (2.0, 1024.0, INF),
            (2.0, -1076.0, 0.0),
            (-2.0, 1025.0, -INF),
            (-2.0, -1075.0, -0.0),
        ];
        // f32 versions of the last rows differ; check f64 fully and f32 on the finite-exact
        // independent rows via the shared table minus the width-specific tail.
        let f64fn = |x: f64, y: f64| super::pow(&mut Eval64, x, y);
        for &(x, y, want) in &t {
            let got = f64fn(x, y);
            assert!(
                same(got, want),
                "pow_f64({x:e}, {y:e}) = {got:e}, want {want:e}"
            );
        }
        let f32fn = |x: f32, y: f32| super::pow(&mut Eval32, x, y);
        for &(x, y, want) in &t[..t.len() - 8] {
            let got = f32fn(x as f32, y as f32) as f64;
            let want = want as f32 as f64;
            assert!(
                same(got, want),
                "pow_f32({x:e}, {y:e}) = {got:e}, want {want:e}"
            );
        }
        let t32 = [
            (2.0f32, 10.0f32, 1024.0f32),
            (2.0, -149.0, 1e-45),
            (2.0, 128.0, f32::INFINITY),
            (2.0, -151.0, 0.0),
            (-2.0, 129.0, f32::NEG_INFINITY),
            (-2.0, -151.0, -0.0),
        ];
        for &(x, y, want) in &t32 {
            let got = f32fn(x, y);
            assert!(
                same(got as f64, want as f64),
                "pow_f32({x:e}, {y:e}) = {got:e}, want {want:e}"
            );
        }
    }
}
