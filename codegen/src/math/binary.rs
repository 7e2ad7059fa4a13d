//! Two-argument functions other than `pow`/`atan2`: `hypot`, `logaddexp`,
//! `floor_divide`.
//!
//! hypot: the larger and smaller magnitude are scaled by a power of two when the larger
//! is very large or very small (so no intermediate overflows or underflows, as the Array
//! API asks), a² + b² is formed exactly as a double word (TwoProd, TwoSum) and its square
//! root is corrected by one Newton step on the double word; the scale is undone with a
//! single rounding, so subnormal results are right too.
//!
//! logaddexp: max(x, y) + log1p(exp(-|x - y|)), with x - y, the exponential and the
//! log1p all carried as double words, so the final sum is nearly exact even when it
//! cancels. The function is ill-conditioned near the curve e^x + e^y = 1 where the
//! result passes through 0 (condition number ≈ 0.5/|result|); there the error is bounded
//! in absolute terms (a few 2^-p), not in ulps of the tiny result (docs/accuracy.md).

use super::common::*;
use super::exp_log::{exp_parts_dw, log1p_core_dw};
use super::MathBuilder;

/// Python's `x // y` for floats: the floor of the exact quotient, where the standard's
/// floor(x / y) floors the rounded one (1.0 // 0.1 is 9, floor(1.0 / 0.1) is 10, and a
/// tiny negative quotient that rounds to -0 floors to -1). The rounded quotient is at
/// most one integer too high (rounding cannot cross a representable integer downward),
/// so q = floor(x / y) drops by one where the residual x - q·y, exact in one fma (x and
/// q·y are multiples of the smallest subnormal, so it cannot round to 0), has the other
/// sign than y. Where |q| reaches 2^53 (f32: 2^24) q - 1 may not be a float and q
/// stands; infinities, NaN and division by zero keep floor(x / y) and the standard's
/// special cases (the residual is NaN there, so no comparison holds).
pub fn floor_divide<B: MathBuilder>(b: &mut B, x: B::V, y: B::V) -> B::V {
    let q = b.div(x, y);
    let q = b.floor(q);
    let nq = b.neg(q);
    let r = b.fma(nq, y, x);
    let zero = b.c(0.0);
    let r_neg = b.lt(r, zero);
    let r_pos = b.gt(r, zero);
    let y_neg = b.lt(y, zero);
    let y_pos = b.gt(y, zero);
    let below = b.and(r_neg, y_pos);
    let above = b.and(r_pos, y_neg);
    let over = b.or(below, above);
    let aq = b.abs(q);
    let limit = cw(b, 2f64.powi(24), 2f64.powi(53));
    let small = b.lt(aq, limit);
    let fix = b.and(over, small);
    let one = b.c(1.0);
    let q1 = b.sub(q, one);
    b.select(fix, q1, q)
}

/// sqrt(x² + y²) without undue overflow or underflow. Special cases: ±inf in either →
/// +inf (even with NaN), otherwise NaN in either → NaN; hypot(±0, y) = |y|.
pub fn hypot<B: MathBuilder>(b: &mut B, x: B::V, y: B::V) -> B::V {
    let ax = b.abs(x);
    let ay = b.abs(y);
    let sw = b.gt(ay, ax);
    let a = b.select(sw, ay, ax);
    let c = b.select(sw, ax, ay);
    // scaling: (threshold, scale) for large and small a
    let (big_t, big_s, small_t, small_s) = if is64::<B>() {
        (
            2f64.powi(500),
            2f64.powi(-600),
            2f64.powi(-500),
            2f64.powi(600),
        )
    } else {
        (
            2f64.powi(50),
            2f64.powi(-70),
            2f64.powi(-50),
            2f64.powi(100),
        )
    };
    let bt = b.c(big_t);
    let st = b.c(small_t);
    let is_big = b.gt(a, bt);
    let is_small = b.lt(a, st);
    let one = b.c(1.0);
    let bs = b.c(big_s);
    let ss = b.c(small_s);
    let s = b.select(is_big, bs, one);
    let s = b.select(is_small, ss, s);
    let bu = b.c(1.0 / big_s);
    let su = b.c(1.0 / small_s);
    let u = b.select(is_big, bu, one);
    let u = b.select(is_small, su, u);
    let a = b.mul(a, s);
    let c = b.mul(c, s);
    // a² + c² exactly as a double word
    let (p1, e1) = two_prod(b, a, a);
    let (p2, e2) = two_prod(b, c, c);
    let (w, we) = fast_two_sum(b, p1, p2); // p1 >= p2
    let e = b.add(e1, e2);
    let wl = b.add(we, e);
    let (h, hl) = sqrt_dw(b, w, wl);
    // undo the scale with one rounding
    let hlu = b.mul(hl, u);
    let r = b.fma(h, u, hlu);
    let i = inf(b);
    let xn = b.is_nan(x);
    let yn = b.is_nan(y);
    let any_nan = b.or(xn, yn);
    let nn = b.add(x, y);
    let r = b.select(any_nan, nn, r);
    let xi = is_inf(b, x);
    let yi = is_inf(b, y);
    let any_inf = b.or(xi, yi);
    b.select(any_inf, i, r)
}

/// log(exp(x) + exp(y)). Special cases: NaN in either → NaN; +inf in either (and no NaN)
/// → +inf; logaddexp(-inf, -inf) = -inf; logaddexp(-inf, y) = y.
pub fn logaddexp<B: MathBuilder>(b: &mut B, x: B::V, y: B::V) -> B::V {
    let gt = b.gt(x, y);
    let m = b.select(gt, x, y);
    let mn = b.select(gt, y, x);
    // d = mn - m <= 0 exactly as a pair
    let nm = b.neg(m);
    let (d, dl) = two_sum(b, mn, nm);
    // e^d underflows to 0 long before this; keep the reduction's exponent in range
    let dmin = cw(b, -150.0, -1000.0);
    let low = b.lt(d, dmin);
    let d = b.select(low, dmin, d);
    let zero = b.c(0.0);
    let dl = b.select(low, zero, dl);
    let dl_nan = b.is_nan(dl);
    let dl = b.select(dl_nan, zero, dl);
    // t = e^(d + dl) as a double word
    let (h, l, k) = exp_parts_dw(b, d);
    let l = b.fma(h, dl, l);
    let t = scale(b, h, k);
    let tl = scale(b, l, k);
    // L = log1p(t) as a double word, then m + L
    let (lh, ll) = log1p_core_dw(b, t, tl, zero);
    let (s, e) = two_sum(b, m, lh);
    let e = b.add(e, ll);
    let r = b.add(s, e);
    // specials
    let i = inf(b);
    let ni = b.neg(i);
    let m_pinf = b.eq(m, i);
    let r = b.select(m_pinf, i, r);
    let m_ninf = b.eq(m, ni);
    let r = b.select(m_ninf, ni, r);
    let xn = b.is_nan(x);
    let yn = b.is_nan(y);
    let any_nan = b.or(xn, yn);
    let nn = b.add(x, y);
    b.select(any_nan, nn, r)
}

#[cfg(test)]
mod tests {
    use super::super::scalar::{Eval32, Eval64};
    use super::super::testutil::*;
    use astro_float::Consts;

    const N: usize = 10000;

    fn ref_hypot(x: f64, y: f64, _cc: &mut Consts) -> Ref {
        if x.is_infinite() || y.is_infinite() {
            return Ref::Val(bf(f64::INFINITY));
        }
        if x.is_nan() || y.is_nan() {
            return Ref::Nan;
        }
        let s = bf(x)
            .mul(&bf(x), PREC, RM)
            .add(&bf(y).mul(&bf(y), PREC, RM), PREC, RM);
        val(s.sqrt(PREC, RM))
    }

    pub(crate) fn ref_logaddexp(x: f64, y: f64, cc: &mut Consts) -> Ref {
        if x.is_nan() || y.is_nan() {
            return Ref::Nan;
        }
        let (m, mn) = if x > y { (x, y) } else { (y, x) };
        if m == f64::INFINITY || mn == f64::NEG_INFINITY {
            return Ref::Val(bf(m));
        }
        let d = bf(mn).sub(&bf(m), PREC, RM);
        if d.cmp(&bf(-5000.0)).unwrap_or(0) < 0 {
            return Ref::Val(bf(m));
        }
        let l = bf(1.0)
            .add(&d.exp(2 * PREC, RM, cc), 2 * PREC, RM)
            .ln(2 * PREC, RM, cc);
        val(bf(m).add(&l, 2 * PREC, RM))
    }

    fn pair_gens(rng: &mut Rng, w: W) -> (f64, f64) {
        let g = [
            G::Log(1e-320, 1e308, 0),
            G::Uni(-5.0, 5.0),
            G::Log(1e-3, 1e3, 0),
            G::Log(1e-320, 1e-300, 0),
            G::Bits,
        ];
        let gx = g[rng.below(5) as usize];
        let x = gen(rng, gx, w);
        let y = match rng.below(4) {
            0 => w.round(x * (1.0 + rng.sign() * 1e-3 * rng.unit())),
            _ => {
                let gy = g[rng.below(5) as usize];
                gen(rng, gy, w)
            }
        };
        (x, y)
    }

    #[test]
    fn hypot_f32_ulp() {
        let f = |x: f64, y: f64| super::hypot(&mut Eval32, x as f32, y as f32) as f64;
        check_binary("hypot", W::F32, samples(N), &pair_gens, &f, &ref_hypot, 1.5);
    }
    #[test]
    fn hypot_f64_ulp() {
        let f = |x: f64, y: f64| super::hypot(&mut Eval64, x, y);
        check_binary("hypot", W::F64, samples(N), &pair_gens, &f, &ref_hypot, 1.5);
    }

    /// Away from the zero curve of logaddexp (|result| >= 1/8): ulp bound.
    fn lae_pairs(rng: &mut Rng, w: W) -> (f64, f64) {
        loop {
            let (x, y) = pair_gens(rng, w);
            let m = x.max(y);
            let r = m + (-(x - y).abs()).exp().ln_1p();
            if r.is_nan() || r.abs() >= 0.125 {
                return (x, y);
            }
        }
    }

    #[test]
    fn logaddexp_f32_ulp() {
        let f = |x: f64, y: f64| super::logaddexp(&mut Eval32, x as f32, y as f32) as f64;
        check_binary(
            "logaddexp",
            W::F32,
            samples(N),
            &lae_pairs,
            &f,
            &ref_logaddexp,
            1.0,
        );
    }
    #[test]
    fn logaddexp_f64_ulp() {
        let f = |x: f64, y: f64| super::logaddexp(&mut Eval64, x, y);
        check_binary(
            "logaddexp",
            W::F64,
            samples(N),
            &lae_pairs,
            &f,
            &ref_logaddexp,
            1.0,
        );
    }

    const INF: f64 = f64::INFINITY;
    const NAN: f64 = f64::NAN;

    #[test]
    fn binary_specials() {
        let h = [
            (INF, NAN, INF),
            (NAN, -INF, INF),
            (-INF, 1.0, INF),
            (1.0, INF, INF),
            (-INF, -INF, INF),
            (NAN, 1.0, NAN),
            (1.0, NAN, NAN),
            (NAN, NAN, NAN),
            (0.0, NAN, NAN),
            (0.0, -3.0, 3.0),
            (-0.0, 2.5, 2.5),
            (7.0, 0.0, 7.0),
            (-7.0, -0.0, 7.0),
            (0.0, 0.0, 0.0),
            (-0.0, -0.0, 0.0),
            (3.0, 4.0, 5.0),
            (-3.0, 4.0, 5.0),
            (1e-45, 0.0, 1e-45),
            (5e-324, 0.0, 5e-324),
            (1e300, 1e300, 1.4142135623730952e300),
            (1e-310, 1e-310, 1.414213562373e-310),
        ];
        // the f32 rounding of some rows' inputs changes them; compare f64 fully and
        // f32 on rows whose inputs are f32 values
        let f64fn = |x: f64, y: f64| super::hypot(&mut Eval64, x, y);
        for &(x, y, want) in &h[..h.len() - 2] {
            let got = f64fn(x, y);
            assert!(
                same(got, want),
                "hypot_f64({x:e}, {y:e}) = {got:e}, want {want:e}"
            );
        }
        let f32fn = |x: f32, y: f32| super::hypot(&mut Eval32, x, y);
        for &(x, y, want) in &h[..h.len() - 3] {
            let got = f32fn(x as f32, y as f32) as f64;
            let want = want as f32 as f64;
            assert!(
                same(got, want),
                "hypot_f32({x:e}, {y:e}) = {got:e}, want {want:e}"
            );
        }
        assert_eq!(f64fn(1e300, 1e300), 1e300 * std::f64::consts::SQRT_2);
        assert_eq!(f32fn(3e38, 3e38), 3e38f32 * std::f32::consts::SQRT_2);
        assert!(f64fn(f64::MAX, f64::MAX).is_infinite());
        assert_eq!(f64fn(f64::MAX, 1.0), f64::MAX);
        // symmetry
        let mut rng = Rng::new("hypot-sym");
        for _ in 0..1000 {
            let (x, y) = pair_gens(&mut rng, W::F64);
            let v = f64fn(x, y);
            for (a, c) in [(y, x), (x, -y), (-x, y), (-x, -y)] {
                assert_eq!(f64fn(a, c).to_bits(), v.to_bits());
            }
        }
        let l = [
            (NAN, 1.0, NAN),
            (1.0, NAN, NAN),
            (NAN, INF, NAN),
            (INF, NAN, NAN),
            (INF, 1.0, INF),
            (1.0, INF, INF),
            (INF, -INF, INF),
            (INF, INF, INF),
            (-INF, -INF, -INF),
            (-INF, 2.0, 2.0),
            (-3.0, -INF, -3.0),
            (0.0, 0.0, std::f64::consts::LN_2),
            (1e308, 1e308, 1e308),
            (-1e308, 1e308, 1e308),
        ];
        check_specials2(
            "logaddexp",
            &|x, y| super::logaddexp(&mut Eval32, x, y),
            &|x, y| super::logaddexp(&mut Eval64, x, y),
            &l[..l.len() - 2],
        );
        let g = |x: f64, y: f64| super::logaddexp(&mut Eval64, x, y);
        assert_eq!(g(1e308, 1e308), 1e308);
        assert_eq!(g(-1e308, 1e308), 1e308);
    }

    /// Near the zero curve e^x + e^y = 1: the absolute error stays within a few 2^-p.
    #[test]
    fn logaddexp_near_zero_abs() {
        for w in [W::F32, W::F64] {
            let mut rng = Rng::new(&format!("lae-zero-{}", w.name()));
            let mut worst: f64 = 0.0;
            for _ in 0..samples(N) / 4 {
                // x in (-ln 2... ), y = ln(1 - e^x) (on the curve), then perturb
                let x = -(rng.unit() * 6.0 + 1e-3);
                let y = w.round((-x.exp()).ln_1p());
                let y = step_ulps(y, rng.below(9) as i64 - 4, w);
                let x = w.round(x);
                let got = match w {
                    W::F32 => super::logaddexp(&mut Eval32, x as f32, y as f32) as f64,
                    W::F64 => super::logaddexp(&mut Eval64, x, y),
                };
                let r = with_cc(|cc| ref_logaddexp(x, y, cc));
                if let Ref::Val(v) = r {
                    let d = bf(got).sub(&v, PREC, RM);
                    let e = to_f64(&d).abs() * 2f64.powi(w.p());
                    worst = worst.max(e);
                }
            }
            println!(
                "ABS logaddexp {} near zero: max |err| = {worst:.3} * 2^-p",
                w.name()
            );
            assert!(
                worst <= 1.0,
                "logaddexp {} near zero: {worst} * 2^-p",
                w.name()
            );
        }
    }
}
