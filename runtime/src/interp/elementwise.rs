//! Elementwise ops over whole vectors: dispatch on the element kind, then one map or zip.

use super::scalar_ops::{self as s, IntElem, RealFloat, C};
use crate::error::RuntimeError;
use kiln_ir::{BinaryOp, Data, Element, UnaryOp};
use num_traits::{Float, FloatConst};
use std::f64::consts::{FRAC_PI_2, FRAC_PI_4};

type R = Result<Data, RuntimeError>;

fn unsupported(op: &'static str, data: &Data) -> RuntimeError {
    RuntimeError::Unsupported {
        what: format!("{op} on {}", data.dtype()),
    }
}

fn map<T: Copy, U: Element>(v: &[T], f: impl Fn(T) -> U) -> Data {
    U::into_data(v.iter().map(|&x| f(x)).collect())
}

fn zip<T: Copy, U: Element>(a: &[T], b: &[T], f: impl Fn(T, T) -> U) -> Data {
    U::into_data(a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect())
}

pub fn unary(op: UnaryOp, x: &Data) -> R {
    match x {
        Data::Bool(v) => bool_unary(op, v).ok_or_else(|| unsupported(op.name(), x)),
        Data::I8(v) => int_unary(op, v),
        Data::I16(v) => int_unary(op, v),
        Data::I32(v) => int_unary(op, v),
        Data::I64(v) => int_unary(op, v),
        Data::U8(v) => int_unary(op, v),
        Data::U16(v) => int_unary(op, v),
        Data::U32(v) => int_unary(op, v),
        Data::U64(v) => int_unary(op, v),
        Data::F32(v) => Ok(float_unary(op, v)),
        Data::F64(v) => Ok(float_unary(op, v)),
        Data::C64(v) => complex_unary(op, v),
        Data::C128(v) => complex_unary(op, v),
    }
    .map_err(|e| match e {
        RuntimeError::Unsupported { .. } => unsupported(op.name(), x),
        other => other,
    })
}

fn bool_unary(op: UnaryOp, v: &[bool]) -> Option<Data> {
    use UnaryOp::*;
    Some(match op {
        BitwiseInvert | LogicalNot => map(v, |x| !x),
        _ => return None,
    })
}

fn int_unary<T: IntElem + Element>(op: UnaryOp, v: &[T]) -> R {
    use UnaryOp::*;
    Ok(match op {
        Abs => map(v, T::w_abs),
        BitwiseInvert => map(v, T::not),
        Ceil | Floor | Trunc | Round | Conj | Real | Positive => map(v, |x| x),
        Imag => map(v, |_| T::ZERO),
        IsFinite => map(v, |_| true),
        IsInf | IsNan => map(v, |_| false),
        Negative => map(v, T::w_neg),
        Sign => map(v, T::sign),
        Square => map(v, |x| x.w_mul(x)),
        _ => {
            return Err(RuntimeError::Unsupported {
                what: String::new(),
            })
        }
    })
}

fn float_unary<T: RealFloat + Element>(op: UnaryOp, v: &[T]) -> Data {
    use UnaryOp::*;
    match op {
        Abs => map(v, T::abs),
        Acos => map(v, T::acos),
        Acosh => map(v, s::acosh),
        Asin => map(v, T::asin),
        Asinh => map(v, s::asinh),
        Atan => map(v, T::atan),
        Atanh => map(v, T::atanh),
        Ceil => map(v, T::ceil),
        Cos => map(v, T::cos),
        Cosh => map(v, T::cosh),
        Exp => map(v, T::exp),
        Expm1 => map(v, T::exp_m1),
        Floor => map(v, T::floor),
        Log => map(v, T::ln),
        Log1p => map(v, T::ln_1p),
        Log2 => map(v, T::log2),
        Log10 => map(v, T::log10),
        Reciprocal => map(v, |x| T::ONE.div(x)),
        Round => map(v, T::round_ties_even),
        Sign => map(v, s::sign),
        Sin => map(v, T::sin),
        Sinh => map(v, T::sinh),
        Sqrt => map(v, T::sqrt),
        Tan => map(v, T::tan),
        Tanh => map(v, T::tanh),
        Trunc => map(v, T::trunc),
        Negative => map(v, T::neg),
        Positive | Conj | Real => map(v, |x| x),
        Imag => map(v, |_| T::ZERO),
        Square => map(v, |x| x.mul(x)),
        IsFinite => map(v, T::is_finite),
        IsInf => map(v, T::is_infinite),
        IsNan => map(v, T::is_nan),
        Signbit => map(v, T::is_sign_negative),
        // Rejected by the op's dtype rule before a graph can hold them.
        BitwiseInvert | LogicalNot => map(v, |_| false),
    }
}

fn complex_unary<T>(op: UnaryOp, v: &[C<T>]) -> R
where
    T: RealFloat + Element + Float + FloatConst,
    C<T>: Element,
{
    use UnaryOp::*;
    Ok(match op {
        Abs => map(v, |z| z.norm()),
        Real => map(v, |z| z.re),
        Imag => map(v, |z| z.im),
        IsFinite => map(v, |z| Float::is_finite(z.re) && Float::is_finite(z.im)),
        IsInf => map(v, |z| Float::is_infinite(z.re) || Float::is_infinite(z.im)),
        IsNan => map(v, |z| Float::is_nan(z.re) || Float::is_nan(z.im)),
        Acos => map(v, |z| complex_inverse(Inverse::Acos, z)),
        Acosh => map(v, |z| complex_inverse(Inverse::Acosh, z)),
        Asinh => map(v, |z| complex_inverse(Inverse::Asinh, z)),
        Atanh => map(v, |z| complex_inverse(Inverse::Atanh, z)),
        // As the standard defines them: asin(z) = -i·asinh(iz), atan(z) = -i·atanh(iz).
        Asin => map(v, |z| of_iz(z, |w| complex_inverse(Inverse::Asinh, w))),
        Atan => map(v, |z| of_iz(z, |w| complex_inverse(Inverse::Atanh, w))),
        Conj => map(v, |z| z.conj()),
        Cos => map(v, |z| complex_cosh(C::new(-z.im, z.re))),
        Cosh => map(v, complex_cosh),
        Exp => map(v, complex_exp),
        Expm1 => map(v, complex_expm1),
        Log => map(v, complex_log),
        Log1p => map(v, complex_log1p),
        Log2 | Log10 => {
            let base: f64 = if op == Log2 { 2.0 } else { 10.0 };
            let k = <T as RealFloat>::from_f64(base.ln());
            map(v, |z| {
                let l = complex_log(z);
                C::new(l.re / k, l.im / k)
            })
        }
        Negative => map(v, |z| -z),
        Positive => map(v, |z| z),
        Reciprocal => map(v, |z| complex_div(C::new(T::ONE, T::ZERO), z)),
        Round => map(v, |z| {
            C::new(
                RealFloat::round_ties_even(z.re),
                RealFloat::round_ties_even(z.im),
            )
        }),
        Sign => map(v, complex_sign),
        // As the standard defines them: sin(z) = -i·sinh(iz), cos(z) = cosh(iz).
        Sin => map(v, |z| of_iz(z, complex_sinh)),
        Sinh => map(v, complex_sinh),
        // (a - b)(a + b) + 2ab·i: z·z's a² - b² overflows to inf - inf (NaN) where the
        // difference is still large, and cancels where |a| ≈ |b|. Where |a| = |b| the
        // real part is +0 exactly, also when the other factor overflowed (0·inf). The
        // lowering's.
        Square => map(v, |z| {
            let (d, s) = (z.re - z.im, z.re + z.im);
            let re = if d == T::zero() || s == T::zero() {
                T::zero()
            } else {
                d * s
            };
            let ab = z.re * z.im;
            C::new(re, ab + ab)
        }),
        Sqrt => map(v, complex_sqrt),
        Tan => map(v, complex_tan),
        Tanh => map(v, complex_tanh),
        _ => {
            return Err(RuntimeError::Unsupported {
                what: String::new(),
            })
        }
    })
}

/// e^a·(cos b, sin b) with the standard's special cases (C99 cexp) where those
/// products are NaN (the lowering's `cexp`): b = ±0 gives (e^a, b), so 1e5 + 0j gives
/// inf + 0j (num_complex's gave inf + NaN j); a = -inf with b infinite or NaN gives
/// +0 + 0j, a = +inf gives +inf + NaN j.
fn complex_exp<T: RealFloat + Float>(z: C<T>) -> C<T> {
    let (a, b) = (z.re, z.im);
    let (r, m) = exp_split(a);
    if b == T::ZERO {
        return C::new(r * m, b);
    }
    if Float::is_infinite(a) && !RealFloat::is_finite(b) {
        return if a < T::ZERO {
            C::new(T::ZERO, T::ZERO)
        } else {
            C::new(a, T::NAN)
        };
    }
    C::new(r * RealFloat::cos(b) * m, r * RealFloat::sin(b) * m)
}

/// e^a as r·m, finite wherever e^a is: past 700 (f32: 85) r = m = e^(a/2), else r =
/// e^a and m = 1, so (r·c)·m of a factor |c| <= 1 stays finite where e^a·c is (e^89·cos
/// 8 is -6.5e37 in f32, e^89 alone overflows). The lowering's `exp_split`.
fn exp_split<T: RealFloat + Float>(a: T) -> (T, T) {
    let limit = if std::mem::size_of::<T>() == 4 {
        85.0
    } else {
        700.0
    };
    if a > <T as RealFloat>::from_f64(limit) {
        let r = RealFloat::exp(a * <T as RealFloat>::from_f64(0.5));
        (r, r)
    } else {
        (RealFloat::exp(a), T::ONE)
    }
}

/// (fix, a·s, b·s) with s a power of two that keeps hypot(a·s, b·s) = |z|·s a normal
/// float, and fix = -ln s: s = 1/2 where a part's magnitude passes 2^500 (f32: 2^60),
/// so that |z|·s stays finite when |z| itself passes the largest float (|max + max·i|
/// is √2·max); s = 2^500 (f32: 2^60) where both parts are below 2^-600 (f32: 2^-80),
/// so that |z|·s is not a subnormal that has lost digits (|5e-324 + 5e-324i| rounds
/// to 5e-324, and z/|z| gave 1 + 1i); else 1. Either scaling is exact, and the scaled
/// |z| stays far from 1 (`complex_log`'s near-circle side). The lowering's
/// `abs_scale`.
fn abs_scale<T: RealFloat + Float>(z: C<T>) -> (T, T, T) {
    let (big, tiny, up) = if std::mem::size_of::<T>() == 4 {
        (2f64.powi(60), 2f64.powi(-80), 60)
    } else {
        (2f64.powi(500), 2f64.powi(-600), 500)
    };
    let c = |v: f64| <T as RealFloat>::from_f64(v);
    let (aa, ab) = (RealFloat::abs(z.re), RealFloat::abs(z.im));
    let (s, fix) = if aa > c(big) || ab > c(big) {
        (0.5, std::f64::consts::LN_2)
    } else if aa < c(tiny) && ab < c(tiny) {
        (2f64.powi(up), -f64::from(up) * std::f64::consts::LN_2)
    } else {
        (1.0, 0.0)
    };
    (c(fix), z.re * c(s), z.im * c(s))
}

/// exp(z) - 1 without the cancellation of `exp(z) - 1` near 0 (the standard asks for
/// accuracy there): re = expm1(a)·cos(b) - 2·sin²(b/2), im = exp(a)·sin(b), e^a as
/// `exp_split`'s r·m.
fn complex_expm1<T: RealFloat + Float>(z: C<T>) -> C<T> {
    let (a, b) = (z.re, z.im);
    if b == T::ZERO {
        // Real input: the real expm1, keeping the sign of the zero imaginary part.
        return C::new(RealFloat::exp_m1(a), b);
    }
    // The standard's cases (C99 cexp, minus one) where the formula gives NaN: an
    // infinite a with b infinite or NaN.
    if Float::is_infinite(a) && !RealFloat::is_finite(b) {
        return if a < T::ZERO {
            C::new(-T::ONE, T::ZERO)
        } else {
            C::new(a, T::NAN)
        };
    }
    let two = <T as RealFloat>::from_f64(2.0);
    let h = RealFloat::sin(b / two);
    let (r, m) = exp_split(a);
    let re = if m == T::ONE && a >= -T::ONE {
        RealFloat::exp_m1(a) * RealFloat::cos(b) - two * h * h
    } else {
        // e^a·cos b - 1, the same value, from r·m: past exp_split's limit, and below
        // a = -1, where |e^a·cos b| < 0.37 cancels nothing (and a = -inf gives the
        // standard's -1 exactly, where the form above rounds -cos b - 2·sin²(b/2))
        r * RealFloat::cos(b) * m - T::ONE
    };
    C::new(re, r * RealFloat::sin(b) * m)
}

/// log(1 + z). Where |1 + z|² - 1 = 2a + a² + b² is in [-3/4, 2], the real part is
/// log1p of it over 2, the sum taken from exact squares (`sum_exact`), so it stays
/// accurate where |1 + z| is near 1 (log(1 + z) rounded 1 + a first: 9 ulp at
/// -0.37 + 0.82j); the imaginary part atan2(b, 1 + a). Elsewhere `complex_log(1 + z)`.
/// The lowering's `clog1p`.
fn complex_log1p<T: RealFloat + Float>(z: C<T>) -> C<T> {
    let (a, b) = (z.re, z.im);
    let c = |v: f64| <T as RealFloat>::from_f64(v);
    let t = sum_exact(a + a, square_exact(a), square_exact(b));
    if t >= c(-0.75) && t <= c(2.0) {
        C::new(
            RealFloat::ln_1p(t) * c(0.5),
            RealFloat::atan2(b, T::ONE + a),
        )
    } else {
        // (1 + a, b): adding 1 + 0j would turn b = -0 into +0, across the branch cut
        complex_log(C::new(T::ONE + a, b))
    }
}

/// u + p + q for pairs p = (hi, lo) and q: two two-sums keep the rounding errors of the
/// high words, so only the last addition rounds (to within the low words' own error).
fn sum_exact<T: RealFloat + Float>(u: T, p: (T, T), q: (T, T)) -> T {
    let two_sum = |x: T, y: T| {
        let s = x + y;
        let bb = s - x;
        (s, (x - (s - bb)) + (y - bb))
    };
    let (s1, e1) = two_sum(u, p.0);
    let (s2, e2) = two_sum(s1, q.0);
    s2 + (((e1 + e2) + p.1) + q.1)
}

/// An inverse function: the standard's tables where a part is infinite or NaN;
/// elsewhere a formula on a folded argument, with the signs of the result's parts put
/// where the principal branch has them: the real part of asinh and atanh takes a's
/// sign, the imaginary part of asinh, atanh and acosh takes b's, and acos's takes the
/// opposite of b's.
///
/// asinh, acosh and acos take Kahan's formulas ("Branch cuts for complex elementary
/// functions", 1987; CPython's cmath takes the same) on |a| + i|b| (asinh) or a + i|b|
/// (acosh, acos): two square roots whose products' terms have one sign, so nothing
/// cancels, and the real asinh and atan2 of them. num_complex's ln(z + sqrt(1 + z²))
/// and its kin gave asinh(1e-300) = 0 and acos(1e5) off in the 7th digit. Past the
/// lowering's `inverse_far` they are ln(2z) (acos: -i·ln(2z)), whose neglected term
/// is below the precision. atanh: `atanh_first_quadrant`. The lowering's `inverse`
/// builds the same formulas from nodes.
fn complex_inverse<T: RealFloat + Float>(f: Inverse, z: C<T>) -> C<T> {
    let w = inverse_special(f, z).unwrap_or_else(|| {
        let abs = RealFloat::abs;
        let real = match std::mem::size_of::<T>() {
            4 => kiln_ir::DType::F32,
            _ => kiln_ir::DType::F64,
        };
        let (x, y) = match f {
            Inverse::Asinh | Inverse::Atanh => (abs(z.re), abs(z.im)),
            Inverse::Acosh | Inverse::Acos => (z.re, abs(z.im)),
        };
        if f == Inverse::Atanh {
            return atanh_first_quadrant(x, y, real);
        }
        let far = <T as RealFloat>::from_f64(kiln_ir::passes::complex::inverse_far(real));
        if abs(x) > far || y > far {
            let ln2 = <T as RealFloat>::from_f64(std::f64::consts::LN_2);
            // ln|z| as the lowering's `clog_far` takes it (`abs_scale`: finite past the
            // largest float), then + ln 2
            let (fix, sx, sy) = abs_scale(C::new(x, y));
            let l = C::new(
                (RealFloat::ln(RealFloat::hypot(sx, sy)) + fix) + ln2,
                RealFloat::atan2(y, x),
            );
            return match f {
                Inverse::Acos => C::new(l.im, -l.re),
                _ => l,
            };
        }
        let one = T::ONE;
        let two = one + one;
        match f {
            Inverse::Asinh => {
                let s1 = complex_sqrt(C::new(one + y, -x));
                let s2 = complex_sqrt(C::new(one - y, x));
                C::new(
                    s::asinh(s1.re * s2.im - s2.re * s1.im),
                    RealFloat::atan2(y, s1.re * s2.re - s1.im * s2.im),
                )
            }
            Inverse::Acosh => {
                let s1 = complex_sqrt(C::new(x - one, y));
                let s2 = complex_sqrt(C::new(x + one, y));
                C::new(
                    s::asinh(s1.re * s2.re + s1.im * s2.im),
                    two * RealFloat::atan2(s1.im, s2.re),
                )
            }
            _ => {
                let s1 = complex_sqrt(C::new(one - x, -y));
                let s2 = complex_sqrt(C::new(one + x, y));
                C::new(
                    two * RealFloat::atan2(s1.re, s2.re),
                    s::asinh(s2.re * s1.im - s2.im * s1.re),
                )
            }
        }
    });
    branch_signs(f, z, w)
}

/// atanh(x + yi) for finite x, y >= 0, as FreeBSD's catanh and Hull et al. take it:
/// re = log1p(4x / ((1 - x)² + y²))/4 and im = atan2(2y, (1 - x)(1 + x) - y²)/2, both
/// without cancellation; within `atanh_close` of 1, re = ln(4x)/4 - ln|1 - z|/2
/// (where (1 - x)² + y² underflows); past `atanh_far`, re = x/|z|² (scaled) and im =
/// π/2. num_complex's (ln(1 + z) - ln(1 - z))/2 lost the real part for small and large
/// z (atanh(1e-20 + 1e-20j) gave 0 + 1e-20j). The lowering's `atanh_first_quadrant`.
fn atanh_first_quadrant<T: RealFloat + Float>(x: T, y: T, real: kiln_ir::DType) -> C<T> {
    use kiln_ir::passes::complex::{atanh_close, atanh_far};
    let c = |v: f64| <T as RealFloat>::from_f64(v);
    let m = if x >= y { x } else { y };
    if m > c(atanh_far(real)) {
        let (xs, ys) = (x / m, y / m);
        return C::new(xs / (xs * xs + ys * ys) / m, c(FRAC_PI_2));
    }
    let omx = T::ONE - x;
    let h = RealFloat::hypot(omx, y);
    let re = if h < c(atanh_close(real)) {
        RealFloat::ln(c(4.0) * x) * c(0.25) - RealFloat::ln(h) * c(0.5)
    } else {
        RealFloat::ln_1p(c(4.0) * x / (omx * omx + y * y)) * c(0.25)
    };
    let im = RealFloat::atan2(y + y, omx * (T::ONE + x) - y * y) * c(0.5);
    C::new(re, im)
}

/// `w` with the signs the principal branch of `f` gives its parts: the real part of
/// asinh and atanh takes a's sign; the imaginary part of asinh, atanh and acosh takes
/// b's, acos's the opposite of b's.
fn branch_signs<T: RealFloat + Float>(f: Inverse, z: C<T>, w: C<T>) -> C<T> {
    let sign = RealFloat::copysign;
    match f {
        Inverse::Asinh | Inverse::Atanh => C::new(sign(w.re, z.re), sign(w.im, z.im)),
        Inverse::Acosh => C::new(w.re, sign(w.im, z.im)),
        Inverse::Acos => C::new(w.re, sign(w.im, -z.im)),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Inverse {
    Asinh,
    Atanh,
    Acosh,
    Acos,
}

/// The standard's special cases (C99 Annex G) of the inverse functions where a part of
/// z is infinite or NaN (None where both are finite: `complex_inverse`'s formulas hold
/// there), as the magnitudes of the tables' first quadrant; `branch_signs` puts the
/// signs from a and b (asinh and atanh are odd, all four conjugate-symmetric).
fn inverse_special<T: RealFloat + Float>(f: Inverse, z: C<T>) -> Option<C<T>> {
    let (a, b) = (z.re, z.im);
    if RealFloat::is_finite(a) && RealFloat::is_finite(b) {
        return None;
    }
    let c = |v: f64| <T as RealFloat>::from_f64(v);
    let (nan, inf, zero) = (T::NAN, <T as Float>::infinity(), T::ZERO);
    let (pi, pi2, pi4) = (c(std::f64::consts::PI), c(FRAC_PI_2), c(FRAC_PI_4));
    let (a_nan, b_nan) = (Float::is_nan(a), Float::is_nan(b));
    let (a_inf, b_inf) = (Float::is_infinite(a), Float::is_infinite(b));
    // The angle of the infinite cases of acosh and acos: π/4, 3π/4, π/2 for a = +inf,
    // -inf, finite; NaN for a NaN.
    let angle = if a_nan {
        nan
    } else if a_inf {
        if a > zero {
            pi4
        } else {
            c(3.0 * FRAC_PI_4)
        }
    } else {
        pi2
    };
    let (r, i) = match f {
        Inverse::Asinh => {
            if b_inf {
                (
                    inf,
                    if a_inf {
                        pi4
                    } else if a_nan {
                        nan
                    } else {
                        pi2
                    },
                )
            } else if a_inf {
                (inf, if b_nan { nan } else { zero })
            } else if a_nan {
                (nan, if b == zero { zero } else { nan })
            } else {
                (nan, nan)
            }
        }
        Inverse::Atanh => {
            if b_inf {
                (zero, pi2)
            } else if a_inf {
                (zero, if b_nan { nan } else { pi2 })
            } else if b_nan && a == zero {
                (zero, nan)
            } else {
                (nan, nan)
            }
        }
        Inverse::Acosh => {
            if b_inf {
                (inf, angle)
            } else if a_inf {
                (
                    inf,
                    if b_nan {
                        nan
                    } else if a > zero {
                        zero
                    } else {
                        pi
                    },
                )
            } else if b_nan && a == zero {
                (nan, pi2)
            } else {
                (nan, nan)
            }
        }
        Inverse::Acos => {
            if b_inf {
                (angle, inf)
            } else if a_inf {
                (
                    if b_nan {
                        nan
                    } else if a > zero {
                        zero
                    } else {
                        pi
                    },
                    inf,
                )
            } else if b_nan && a == zero {
                (pi2, nan)
            } else {
                (nan, nan)
            }
        }
    };
    Some(C::new(r, i))
}

/// sinh(a)·cos(b) + i·cosh(a)·sin(b) with the standard's special cases (C99 csinh):
/// b = ±0 gives (sinh a, b); a = ±0 or ±inf with b infinite or NaN gives (a, NaN).
fn complex_sinh<T: RealFloat + Float>(z: C<T>) -> C<T> {
    let (a, b) = (z.re, z.im);
    if b == T::ZERO {
        return C::new(RealFloat::sinh(a), b);
    }
    if (a == T::ZERO || Float::is_infinite(a)) && !RealFloat::is_finite(b) {
        return C::new(a, T::NAN);
    }
    if let Some((hs, hc, m)) = half_exp_abs(a) {
        return C::new(hs * RealFloat::cos(b) * m, hc * RealFloat::sin(b) * m);
    }
    C::new(
        RealFloat::sinh(a) * RealFloat::cos(b),
        RealFloat::cosh(a) * RealFloat::sin(b),
    )
}

/// Past `exp_split`'s limit, where sinh a and cosh a overflow before their products
/// with a cosine or sine do: (sign(a)·r/2, r/2, m) with r·m = e^|a| (e^-|a| is below
/// the precision there). The lowering's `half_exp_abs`.
fn half_exp_abs<T: RealFloat + Float>(a: T) -> Option<(T, T, T)> {
    let (r, m) = exp_split(RealFloat::abs(a));
    let hr = r * <T as RealFloat>::from_f64(0.5);
    (m != T::ONE).then(|| (RealFloat::copysign(hr, a), hr, m))
}

/// cosh(a)·cos(b) + i·sinh(a)·sin(b) with the standard's special cases (C99 ccosh):
/// b = ±0 gives (cosh a, ±0 with the sign of sinh(a)·b); a = ±0 with b infinite or NaN
/// gives (NaN, ±0); a = ±inf with b infinite or NaN gives (+inf, NaN).
fn complex_cosh<T: RealFloat + Float>(z: C<T>) -> C<T> {
    let (a, b) = (z.re, z.im);
    if b == T::ZERO {
        return C::new(RealFloat::cosh(a), RealFloat::copysign(T::ONE, a) * b);
    }
    if !RealFloat::is_finite(b) {
        if a == T::ZERO {
            return C::new(T::NAN, a);
        }
        if Float::is_infinite(a) {
            return C::new(RealFloat::abs(a), T::NAN);
        }
    }
    if let Some((hs, hc, m)) = half_exp_abs(a) {
        return C::new(hc * RealFloat::cos(b) * m, hs * RealFloat::sin(b) * m);
    }
    C::new(
        RealFloat::cosh(a) * RealFloat::cos(b),
        RealFloat::sinh(a) * RealFloat::sin(b),
    )
}

/// The principal square root, with the standard's special cases (C99 csqrt): a + inf j
/// → +inf + inf j for every a (NaN included), NaN + bj → NaN + NaN j, ±inf + bj for
/// finite b → +inf + 0j or +0 + inf j, +inf + NaN j → +inf + NaN j, -inf + NaN j → NaN
/// + inf j.
fn complex_sqrt<T: RealFloat + Float>(z: C<T>) -> C<T> {
    let (a, b) = (z.re, z.im);
    if Float::is_infinite(b) {
        return C::new(<T as Float>::infinity(), b);
    }
    if Float::is_nan(a) {
        return C::new(T::NAN, T::NAN);
    }
    if Float::is_infinite(a) && RealFloat::is_finite(b) {
        // +inf + bj → +inf + 0j, -inf + bj → +0 + inf j (b's sign on the zero or inf).
        return if a > T::ZERO {
            C::new(a, RealFloat::copysign(T::ZERO, b))
        } else {
            C::new(T::ZERO, RealFloat::copysign(<T as Float>::infinity(), b))
        };
    }
    if Float::is_nan(b) && Float::is_infinite(a) {
        return if a > T::ZERO {
            C::new(a, b)
        } else {
            C::new(T::NAN, <T as Float>::infinity())
        };
    }
    // t = sqrt(|a|/2 + |z|/2) (halved first, so |a| + |z| cannot overflow); a ≥ 0:
    // (t, b/2t), a < 0: (|b|/2t, ±t with b's sign); the lowering's `csqrt`. num_complex
    // takes the polar form, whose cos(θ/2) lost a small real part (sqrt(-1 + 1e-20j)).
    // Scaled by 4^k first and the root by 2^-k (`sqrt_scale`): |a|/2 + |z|/2 stays
    // finite past 2^500, and |z|/2 of a subnormal z does not round to 0.
    let (k_in, k_out) = sqrt_scale(a, b);
    let (a, b) = (a * k_in, b * k_in);
    let h = RealFloat::hypot(a, b);
    if h == T::ZERO {
        return C::new(T::ZERO, b * k_out);
    }
    let half = <T as RealFloat>::from_f64(0.5);
    let t = RealFloat::sqrt(RealFloat::abs(a) * half + h * half);
    let r = if RealFloat::is_sign_negative(a) {
        C::new(RealFloat::abs(b) / (t + t), RealFloat::copysign(t, b))
    } else {
        C::new(t, b / (t + t))
    };
    C::new(r.re * k_out, r.im * k_out)
}

/// (k_in, k_out) for complex_sqrt: 1/4 and 2 where a part's magnitude passes 2^500
/// (f32 2^60); 2^600 and 2^-300 (f32 2^80, 2^-40) where both are below 2^-500 (f32
/// 2^-60); else 1 and 1. The lowering's `sqrt_scale`.
fn sqrt_scale<T: RealFloat + Float>(a: T, b: T) -> (T, T) {
    let f32 = std::mem::size_of::<T>() == 4;
    let (big, small, up, down) = if f32 {
        (2f64.powi(60), 2f64.powi(-60), 2f64.powi(80), 2f64.powi(-40))
    } else {
        (
            2f64.powi(500),
            2f64.powi(-500),
            2f64.powi(600),
            2f64.powi(-300),
        )
    };
    let m = RealFloat::abs(a).to_f64().max(RealFloat::abs(b).to_f64());
    let (k_in, k_out) = if m > big {
        (0.25, 2.0)
    } else if m < small {
        (up, down)
    } else {
        (1.0, 1.0)
    };
    (
        <T as RealFloat>::from_f64(k_in),
        <T as RealFloat>::from_f64(k_out),
    )
}

/// tanh(z) that stays finite for a large real part (where sinh and cosh overflow and
/// their quotient is NaN): beyond |a| = 20, tanh(a) rounds to ±1 and the imaginary part
/// is 2·sin(2b)·exp(-2|a|).
fn complex_tanh<T: RealFloat + Float>(z: C<T>) -> C<T> {
    let (a, b) = (z.re, z.im);
    // A finite a with b infinite or NaN is NaN + NaN j (the standard), which Kahan's
    // form below gives (tan b is NaN); only an infinite a settles to ±1 + 0j there.
    let settles = RealFloat::is_finite(b) || Float::is_infinite(a);
    if RealFloat::abs(a) > <T as RealFloat>::from_f64(20.0) && settles {
        let two = <T as RealFloat>::from_f64(2.0);
        let im = if RealFloat::is_finite(b) {
            // sin 2b as 2 tan b/(1 + tan² b) (Kahan's t and β below): 2b overflows
            // past half the largest float
            let t = RealFloat::tan(b);
            let sin_2b = two * t / (T::ONE + t * t);
            two * sin_2b * RealFloat::exp(-(two * RealFloat::abs(a)))
        } else {
            T::ZERO
        };
        return C::new(RealFloat::copysign(T::ONE, a), im);
    }
    // The standard's cases num_complex misses (C99 ctanh): ±0 + (inf or NaN)j →
    // ±0 + NaN j, and NaN ± 0j → NaN ± 0j.
    if a == T::ZERO && !RealFloat::is_finite(b) {
        return C::new(a, T::NAN);
    }
    if Float::is_nan(a) && b == T::ZERO {
        return z;
    }
    // Kahan's form (as FreeBSD's ctanh): t = tan b, s = sinh a, β = 1 + t²,
    // tanh z = (β·s·sqrt(1 + s²) + i·t)/(1 + β·s²), whose denominator has no
    // cancellation; num_complex's (sinh 2a + i sin 2b)/(cosh 2a + cos 2b) lost digits
    // near the poles, where cos 2b ≈ -1 (the lowering's `ctanh`).
    let t = RealFloat::tan(b);
    let sh = RealFloat::sinh(a);
    let beta = T::ONE + t * t;
    let rho = RealFloat::sqrt(T::ONE + sh * sh);
    let den = T::ONE + beta * sh * sh;
    C::new(beta * rho * sh / den, t / den)
}

/// tan(z) = -i·tanh(iz), so a large imaginary part stays finite too.
fn complex_tan<T: RealFloat + Float>(z: C<T>) -> C<T> {
    of_iz(z, complex_tanh)
}

/// -i·f(iz), with iz = -b + ai: how the standard defines sin, tan, asin and atan from
/// sinh, tanh, asinh and atanh.
fn of_iz<T: RealFloat + Float>(z: C<T>, f: impl FnOnce(C<T>) -> C<T>) -> C<T> {
    let w = f(C::new(-z.im, z.re));
    C::new(w.im, -w.re)
}

/// z / |z|; 0 for 0; NaN + NaN j if either part is NaN (standard, sign).
fn complex_sign<T: RealFloat + Float>(z: C<T>) -> C<T> {
    if Float::is_nan(z.re) || Float::is_nan(z.im) {
        return C::new(T::NAN, T::NAN);
    }
    if z.re == T::ZERO && z.im == T::ZERO {
        return C::new(T::ZERO, T::ZERO);
    }
    // z·s/(|z|·s): finite past the largest float, accurate for subnormal parts
    // (`abs_scale`)
    let (_, a, b) = abs_scale(z);
    let h = RealFloat::hypot(a, b);
    C::new(a / h, b / h)
}

pub fn binary(op: BinaryOp, a: &Data, b: &Data) -> R {
    let out = match (a, b) {
        (Data::Bool(x), Data::Bool(y)) => bool_binary(op, x, y),
        (Data::I8(x), Data::I8(y)) => int_binary(op, x, y),
        (Data::I16(x), Data::I16(y)) => int_binary(op, x, y),
        (Data::I32(x), Data::I32(y)) => int_binary(op, x, y),
        (Data::I64(x), Data::I64(y)) => int_binary(op, x, y),
        (Data::U8(x), Data::U8(y)) => int_binary(op, x, y),
        (Data::U16(x), Data::U16(y)) => int_binary(op, x, y),
        (Data::U32(x), Data::U32(y)) => int_binary(op, x, y),
        (Data::U64(x), Data::U64(y)) => int_binary(op, x, y),
        (Data::F32(x), Data::F32(y)) => float_binary(op, x, y),
        (Data::F64(x), Data::F64(y)) => float_binary(op, x, y),
        (Data::C64(x), Data::C64(y)) => complex_binary(op, x, y),
        (Data::C128(x), Data::C128(y)) => complex_binary(op, x, y),
        _ => None,
    };
    out.ok_or_else(|| RuntimeError::Unsupported {
        what: format!("{} on {} and {}", op.name(), a.dtype(), b.dtype()),
    })
}

fn compare<T: PartialOrd + Copy>(op: BinaryOp, x: &[T], y: &[T]) -> Option<Data> {
    use BinaryOp::*;
    Some(match op {
        Equal => zip(x, y, |a, b| a == b),
        NotEqual => zip(x, y, |a, b| a != b),
        Less => zip(x, y, |a, b| a < b),
        LessEqual => zip(x, y, |a, b| a <= b),
        Greater => zip(x, y, |a, b| a > b),
        GreaterEqual => zip(x, y, |a, b| a >= b),
        _ => return None,
    })
}

fn bool_binary(op: BinaryOp, x: &[bool], y: &[bool]) -> Option<Data> {
    use BinaryOp::*;
    Some(match op {
        BitwiseAnd | LogicalAnd => zip(x, y, |a, b| a & b),
        BitwiseOr | LogicalOr => zip(x, y, |a, b| a | b),
        BitwiseXor | LogicalXor => zip(x, y, |a, b| a ^ b),
        Equal => zip(x, y, |a, b| a == b),
        NotEqual => zip(x, y, |a, b| a != b),
        _ => return None,
    })
}

fn int_binary<T: IntElem + Element>(op: BinaryOp, x: &[T], y: &[T]) -> Option<Data> {
    use BinaryOp::*;
    Some(match op {
        Add => zip(x, y, T::w_add),
        Subtract => zip(x, y, T::w_sub),
        Multiply => zip(x, y, T::w_mul),
        FloorDivide => zip(x, y, T::floor_div),
        Remainder => zip(x, y, T::py_rem),
        Pow => zip(x, y, T::pow),
        Maximum => zip(x, y, |a, b| a.max(b)),
        Minimum => zip(x, y, |a, b| a.min(b)),
        BitwiseAnd => zip(x, y, T::and),
        BitwiseOr => zip(x, y, T::or),
        BitwiseXor => zip(x, y, T::xor),
        BitwiseLeftShift => zip(x, y, T::shl),
        BitwiseRightShift => zip(x, y, T::shr),
        _ => return compare(op, x, y),
    })
}

fn float_binary<T: RealFloat + Element>(op: BinaryOp, x: &[T], y: &[T]) -> Option<Data> {
    use BinaryOp::*;
    Some(match op {
        Add => zip(x, y, T::add),
        Subtract => zip(x, y, T::sub),
        Multiply => zip(x, y, T::mul),
        Divide => zip(x, y, T::div),
        Atan2 => zip(x, y, T::atan2),
        Copysign => zip(x, y, T::copysign),
        FloorDivide => zip(x, y, s::floor_divide),
        Hypot => zip(x, y, T::hypot),
        Logaddexp => zip(x, y, s::logaddexp),
        Maximum => zip(x, y, s::maximum),
        Minimum => zip(x, y, s::minimum),
        Nextafter => zip(x, y, s::nextafter),
        Pow => zip(x, y, T::powf),
        Remainder => zip(x, y, s::remainder),
        _ => return compare(op, x, y),
    })
}

fn complex_binary<T>(op: BinaryOp, x: &[C<T>], y: &[C<T>]) -> Option<Data>
where
    T: RealFloat + Float,
    C<T>: Element,
{
    use BinaryOp::*;
    Some(match op {
        Add => zip(x, y, |a, b| a + b),
        Subtract => zip(x, y, |a, b| a - b),
        Multiply => zip(x, y, s::complex_mul_fast()),
        Divide => zip(x, y, complex_div),
        Pow => zip(x, y, complex_pow),
        Equal => zip(x, y, |a, b| a == b),
        NotEqual => zip(x, y, |a, b| a != b),
        _ => return None,
    })
}

/// z^w; z^0 = 1 for every z (the standard's first special case for pow). An integer w
/// with |w| <= 100 is NumPy's case: products by squaring (`powi_by_squaring`, which
/// the lowering uses for a constant exponent), and 1/that for negative w; others
/// exp(w·log z). The compiled modes multiply only for a constant exponent, and take
/// exp(w·log z) for an integer-valued array (the two agree to pow's rounding).
fn complex_pow<T: RealFloat + Float>(z: C<T>, w: C<T>) -> C<T> {
    if w.re == T::ZERO && w.im == T::ZERO {
        return C::new(T::ONE, T::ZERO);
    }
    let n = w.re;
    if w.im == T::ZERO && Float::fract(n) == T::ZERO && RealFloat::abs(n) <= T::from_f64(100.0) {
        let k = RealFloat::abs(n).to_f64() as u32;
        let r = kiln_ir::passes::complex::powi_by_squaring(k, z, s::complex_mul);
        return if n > T::ZERO {
            r
        } else {
            complex_div(C::new(T::ONE, T::ZERO), r)
        };
    }
    // In f64 whatever T (the lowering's `cpow`): an f32 angle w·log z carries its
    // rounding into the result's parts.
    let wide = |c: C<T>| C::new(c.re.to_f64(), c.im.to_f64());
    let r = complex_exp(s::complex_mul(wide(w), complex_log(wide(z))));
    C::new(T::from_f64(r.re), T::from_f64(r.im))
}

/// x / y by Smith's algorithm (as NumPy divides): the divisor's smaller part is scaled
/// by the larger, so neither |y|² nor the products overflow or underflow where the
/// quotient does not (the textbook formula gave 0 for 1/1e200 and inf + NaN j for
/// 1/1e-300); both parts are multiplied by one reciprocal, as NumPy's are. A zero
/// divisor gives (a·inf, b·inf), each part divided by +0 (NumPy's rule).
fn complex_div<T: RealFloat + Float>(x: C<T>, y: C<T>) -> C<T> {
    let (a, b, c, d) = (x.re, x.im, y.re, y.im);
    let abs = RealFloat::abs;
    let c_big = abs(c) >= abs(d);
    // p the larger part of the divisor, q the smaller; u, v the dividend's parts in
    // the matching order (the lowering's `cdiv`, step for step).
    let (p, q, u, v) = if c_big { (c, d, a, b) } else { (d, c, b, a) };
    // both parts zero (p alone is also zero for NaN + 0i)
    if c == T::ZERO && d == T::ZERO {
        let inf = <T as Float>::infinity();
        return C::new(a * inf, b * inf);
    }
    let r = q / p;
    // The divisor times down·up and the dividend by down before its sums and up after
    // them (`division_scale`), so that the denominator and its inverse are normal
    // floats: 1/(1e308 + 1e308i) gave 0 (p + q·r overflowed) and 1e-310/(1e-310 +
    // 1e-310i) inf - inf·i (1/(p + q·r) did).
    let (down, up) = division_scale(abs(p));
    let t = down * up;
    let inv = T::ONE / (p * t + (q * t) * r);
    // A zero numerator gives a signed zero even where 1/den overflows (0·inf is NaN:
    // 1/(5e-324 + 0j) had a NaN imaginary part); the lowering's `times_inverse`.
    let times = |n: T| {
        let n = n * up;
        if n == T::ZERO {
            n * RealFloat::copysign(T::ONE, inv)
        } else {
            n * inv
        }
    };
    let (u, v) = (u * down, v * down);
    let im = times(v - u * r);
    C::new(times(u + v * r), if c_big { im } else { -im })
}

/// The powers of two (down, up) by which complex division scales its divisor (by
/// down·up) and its dividend (by down before the sums, by up after them), from m, the
/// divisor's larger part magnitude: down = 2^-4 above 2^1000 (f32: 2^100), up = 2^600
/// (f32: 2^60) below 2^-1000 (f32: 2^-100), else 1; then p·t + (q·t)·r (|q·r| <= |p|)
/// and its inverse are normal for a finite nonzero divisor. Scaling the dividend loses
/// nothing that counts: by down it underflows only below 2^-1018, where the quotient
/// rounds to 0, and a sum times up overflows only where the quotient does. The
/// lowering's `division_scale`.
fn division_scale<T: RealFloat + Float>(m: T) -> (T, T) {
    let (big, tiny, up) = if std::mem::size_of::<T>() == 4 {
        (2f64.powi(100), 2f64.powi(-100), 2f64.powi(60))
    } else {
        (2f64.powi(1000), 2f64.powi(-1000), 2f64.powi(600))
    };
    let c = |v: f64| <T as RealFloat>::from_f64(v);
    let down = if m > c(big) { c(0.0625) } else { T::ONE };
    let up = if m < c(tiny) { c(up) } else { T::ONE };
    (down, up)
}

/// ln|z| + i·arg z. Near the unit circle (|z| in [0.71, 1.73], as CPython's cmath)
/// ln|z| = log1p(m² - 1 + n²)/2, m the larger part's magnitude and n the smaller,
/// with m² and n² exact pairs (`square_exact`) and m² - 1 exact, so only the last sum
/// rounds: ln(hypot) lost the digits of a small result there (log(1 + 1e-10j) gave
/// 0 + 1e-10j, its real part is 5e-21; log(0.8 - 0.6000001j) is 6.0000001e-8 + ..).
fn complex_log<T: RealFloat + Float>(z: C<T>) -> C<T> {
    let (a, b) = (z.re, z.im);
    let abs = RealFloat::abs;
    // |z|·s scaled past 2^500 or below 2^-600 (then far from the circle): ln|z| =
    // ln(|z|·s) - ln s
    let (fix, sa, sb) = abs_scale(z);
    let h = RealFloat::hypot(sa, sb);
    let c = |v: f64| <T as RealFloat>::from_f64(v);
    let re = if h >= c(0.71) && h <= c(1.73) {
        let (m, n) = if abs(a) >= abs(b) {
            (abs(a), abs(b))
        } else {
            (abs(b), abs(a))
        };
        let t = sum_exact(-T::ONE, square_exact(m), square_exact(n));
        RealFloat::ln_1p(t) * c(0.5)
    } else {
        RealFloat::ln(h) + fix
    };
    C::new(re, RealFloat::atan2(b, a))
}

/// x² = hi + lo exactly, without an fma: Veltkamp's split of x into halves of 26 (f64)
/// or 12 (f32) bits, whose products are exact (Dekker 1971). For |x| well inside the
/// range (the lowering's `square_exact` builds the same steps).
fn square_exact<T: RealFloat + Float>(x: T) -> (T, T) {
    let split = match std::mem::size_of::<T>() {
        4 => 4097.0,
        _ => 134_217_729.0,
    };
    let p = <T as RealFloat>::from_f64(split) * x;
    let xh = p - (p - x);
    let xl = x - xh;
    let hi = x * x;
    let cross = xh * xl;
    let lo = ((xh * xh - hi) + (cross + cross)) + xl * xl;
    (hi, lo)
}

/// a·b + c rounded once, elementwise (real floats).
pub fn fma(a: &Data, b: &Data, c: &Data) -> R {
    match (a, b, c) {
        (Data::F32(a), Data::F32(b), Data::F32(c)) => Ok(Data::F32(
            a.iter()
                .zip(b.iter().zip(c))
                .map(|(&a, (&b, &c))| a.mul_add(b, c))
                .collect(),
        )),
        (Data::F64(a), Data::F64(b), Data::F64(c)) => Ok(Data::F64(
            a.iter()
                .zip(b.iter().zip(c))
                .map(|(&a, (&b, &c))| a.mul_add(b, c))
                .collect(),
        )),
        _ => Err(RuntimeError::Unsupported {
            what: format!("fma on {}, {} and {}", a.dtype(), b.dtype(), c.dtype()),
        }),
    }
}

/// where(cond, x, y) over equal-length vectors.
pub fn select(cond: &Data, x: &Data, y: &Data) -> R {
    let Data::Bool(c) = cond else {
        return Err(RuntimeError::Unsupported {
            what: format!("where with a {} condition", cond.dtype()),
        });
    };
    macro_rules! pick {
        ($($v:ident),*) => {
            match (x, y) {
                $((Data::$v(a), Data::$v(b)) => Ok(Data::$v(
                    c.iter().zip(a.iter().zip(b)).map(|(&c, (&a, &b))| if c { a } else { b }).collect(),
                )),)*
                _ => Err(RuntimeError::Unsupported {
                    what: format!("where on {} and {}", x.dtype(), y.dtype()),
                }),
            }
        };
    }
    pick!(Bool, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64, C64, C128)
}
