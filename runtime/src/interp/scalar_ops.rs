//! Per-element semantics of every elementwise op, for each kind of element.
//!
//! This is the oracle's definition of each function: plain Rust over one element, built
//! on the platform libm (which follows C99 Annex F, whose special cases the standard's
//! tables repeat) and, where the standard differs from C or Rust, on the standard's text:
//! NaN-propagating maximum/minimum, round half to even, sign(±0) = 0, Python-style
//! remainder, floor_divide as the floor of the exact quotient (Python's //; floor(x1 / x2)
//! for infinite operands, as the standard's special cases).

use num_complex::Complex;

/// Real floating-point element (f32, f64): what the oracle needs from each.
pub trait RealFloat: Copy + PartialOrd + std::fmt::Debug + Send + Sync + 'static {
    const ZERO: Self;
    const ONE: Self;
    const NAN: Self;
    const LN_2: Self;
    /// From here on not every integer is a float: 2^53 (f64), 2^24 (f32).
    const INTEGER_FLOATS: f64;
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    fn div(self, o: Self) -> Self;
    fn neg(self) -> Self;
    fn abs(self) -> Self;
    fn acos(self) -> Self;
    fn acosh(self) -> Self;
    fn asin(self) -> Self;
    fn asinh(self) -> Self;
    fn atan(self) -> Self;
    fn atanh(self) -> Self;
    fn ceil(self) -> Self;
    fn cos(self) -> Self;
    fn cosh(self) -> Self;
    fn exp(self) -> Self;
    fn exp_m1(self) -> Self;
    fn floor(self) -> Self;
    fn ln(self) -> Self;
    fn ln_1p(self) -> Self;
    fn log2(self) -> Self;
    fn log10(self) -> Self;
    fn round_ties_even(self) -> Self;
    fn sin(self) -> Self;
    fn sinh(self) -> Self;
    fn sqrt(self) -> Self;
    fn tan(self) -> Self;
    fn tanh(self) -> Self;
    fn trunc(self) -> Self;
    fn is_nan(self) -> bool;
    fn is_finite(self) -> bool;
    fn is_infinite(self) -> bool;
    fn is_sign_negative(self) -> bool;
    fn atan2(self, o: Self) -> Self;
    fn copysign(self, o: Self) -> Self;
    fn hypot(self, o: Self) -> Self;
    fn powf(self, o: Self) -> Self;
    fn rem_c(self, o: Self) -> Self;
    /// self·a + b with one rounding (IEEE fma).
    fn mul_add(self, a: Self, b: Self) -> Self;
    fn next_up(self) -> Self;
    fn next_down(self) -> Self;
    fn to_f64(self) -> f64;
    fn from_f64(v: f64) -> Self;
}

macro_rules! real_float {
    ($t:ident) => {
        impl RealFloat for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const NAN: Self = $t::NAN;
            const LN_2: Self = std::$t::consts::LN_2;
            const INTEGER_FLOATS: f64 = (1u64 << $t::MANTISSA_DIGITS) as f64;
            fn add(self, o: Self) -> Self {
                self + o
            }
            fn sub(self, o: Self) -> Self {
                self - o
            }
            fn mul(self, o: Self) -> Self {
                self * o
            }
            fn div(self, o: Self) -> Self {
                self / o
            }
            fn neg(self) -> Self {
                -self
            }
            fn abs(self) -> Self {
                $t::abs(self)
            }
            fn acos(self) -> Self {
                $t::acos(self)
            }
            fn acosh(self) -> Self {
                $t::acosh(self)
            }
            fn asin(self) -> Self {
                $t::asin(self)
            }
            fn asinh(self) -> Self {
                $t::asinh(self)
            }
            fn atan(self) -> Self {
                $t::atan(self)
            }
            fn atanh(self) -> Self {
                $t::atanh(self)
            }
            fn ceil(self) -> Self {
                $t::ceil(self)
            }
            fn cos(self) -> Self {
                $t::cos(self)
            }
            fn cosh(self) -> Self {
                $t::cosh(self)
            }
            fn exp(self) -> Self {
                $t::exp(self)
            }
            fn exp_m1(self) -> Self {
                $t::exp_m1(self)
            }
            fn floor(self) -> Self {
                $t::floor(self)
            }
            fn ln(self) -> Self {
                $t::ln(self)
            }
            fn ln_1p(self) -> Self {
                $t::ln_1p(self)
            }
            fn log2(self) -> Self {
                $t::log2(self)
            }
            fn log10(self) -> Self {
                $t::log10(self)
            }
            fn round_ties_even(self) -> Self {
                $t::round_ties_even(self)
            }
            fn sin(self) -> Self {
                $t::sin(self)
            }
            fn sinh(self) -> Self {
                $t::sinh(self)
            }
            fn sqrt(self) -> Self {
                $t::sqrt(self)
            }
            fn tan(self) -> Self {
                $t::tan(self)
            }
            fn tanh(self) -> Self {
                $t::tanh(self)
            }
            fn trunc(self) -> Self {
                $t::trunc(self)
            }
            fn is_nan(self) -> bool {
                $t::is_nan(self)
            }
            fn is_finite(self) -> bool {
                $t::is_finite(self)
            }
            fn is_infinite(self) -> bool {
                $t::is_infinite(self)
            }
            fn is_sign_negative(self) -> bool {
                $t::is_sign_negative(self)
            }
            fn atan2(self, o: Self) -> Self {
                $t::atan2(self, o)
            }
            fn copysign(self, o: Self) -> Self {
                $t::copysign(self, o)
            }
            fn hypot(self, o: Self) -> Self {
                $t::hypot(self, o)
            }
            fn powf(self, o: Self) -> Self {
                $t::powf(self, o)
            }
            fn mul_add(self, a: Self, b: Self) -> Self {
                $t::mul_add(self, a, b)
            }
            fn rem_c(self, o: Self) -> Self {
                self % o
            }
            fn next_up(self) -> Self {
                $t::next_up(self)
            }
            fn next_down(self) -> Self {
                $t::next_down(self)
            }
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn from_f64(v: f64) -> Self {
                v as $t
            }
        }
    };
}
real_float!(f32);
real_float!(f64);

/// sign: -1, 0 or 1; NaN stays NaN; ±0 → +0.
pub fn sign<T: RealFloat>(x: T) -> T {
    if x.is_nan() {
        x
    } else if x > T::ZERO {
        T::ONE
    } else if x < T::ZERO {
        T::ONE.neg()
    } else {
        T::ZERO
    }
}

/// 2^28: beyond it, asinh(x) and acosh(x) are ±(ln|x| + ln 2) to within 2^-58
/// relative (the neglected term is 1/(4x²)).
const LN_2X_FROM: f64 = 268_435_456.0;

/// asinh, also for |x| near the largest float: Rust's `asinh` forms 2|x| on the way,
/// which overflows there (asinh(-f32::MAX) gave -inf, not -89.4). Beyond 2^28,
/// asinh(x) = ±(ln|x| + ln 2) to within 2^-58 relative.
pub fn asinh<T: RealFloat>(x: T) -> T {
    if x.abs() > T::from_f64(LN_2X_FROM) && x.is_finite() {
        x.abs().ln().add(T::LN_2).copysign(x)
    } else {
        x.asinh()
    }
}

/// acosh, also for x near the largest float (Rust's `acosh` overflows as `asinh`
/// does): beyond 2^28, acosh(x) = ln x + ln 2 to within 2^-58 relative.
pub fn acosh<T: RealFloat>(x: T) -> T {
    if x > T::from_f64(LN_2X_FROM) && x.is_finite() {
        x.ln().add(T::LN_2)
    } else {
        x.acosh()
    }
}

/// maximum with NaN propagation (the standard), unlike f64::max which drops NaN. The
/// standard leaves the order of signed zeros open; kiln takes +0 > -0 (IEEE 754-2019
/// maximum, and what the compiled kernels' fmax does), so every backend agrees.
pub fn maximum<T: RealFloat>(a: T, b: T) -> T {
    if a.is_nan() || b.is_nan() {
        T::NAN
    } else if b > a || (a == b && a.is_sign_negative()) {
        b
    } else {
        a
    }
}

/// minimum with NaN propagation; -0 < +0.
pub fn minimum<T: RealFloat>(a: T, b: T) -> T {
    if a.is_nan() || b.is_nan() {
        T::NAN
    } else if b < a || (a == b && b.is_sign_negative()) {
        b
    } else {
        a
    }
}

/// floor_divide: the floor of the exact quotient (Python's `a // b`, exactly) where it
/// is finite, the standard's floor(a / b) elsewhere. f32 computes it in f64 (exact
/// there for quotients below 2^53) and rounds once, as the compiled kernels do: past
/// 2^24 an f32 floor(a / b) could lie a spacing above the exact quotient (3 //
/// -1.368471629348278e-07 gave -21922266; the floor, -21922267, rounds to -21922268,
/// NumPy's value).
pub fn floor_divide<T: RealFloat>(a: T, b: T) -> T {
    if T::INTEGER_FLOATS < 2f64.powi(53) {
        return T::from_f64(floor_divide(a.to_f64(), b.to_f64()));
    }
    let q = a.div(b).floor();
    // Where integers are no longer all floats (|q| >= 2^53, f32 2^24), and where an
    // operand is infinite or NaN or b is zero, floor(a / b) and the standard's cases.
    if !(q.is_finite() && a.is_finite() && b.is_finite() && b != T::ZERO)
        || q.abs().to_f64() >= T::INTEGER_FLOATS
    {
        return q;
    }
    // a / b rounds at most across one integer, upward: q is one too high exactly where
    // the residual a - q·b (exact in one fma) has the other sign than b.
    let r = q.neg().mul_add(b, a);
    if (r < T::ZERO && b > T::ZERO) || (r > T::ZERO && b < T::ZERO) {
        q.sub(T::ONE)
    } else {
        q
    }
}

/// Python's `%`: the result has the sign of the divisor (standard, remainder).
pub fn remainder<T: RealFloat>(a: T, b: T) -> T {
    let r = a.rem_c(b);
    if r.is_nan() {
        return r;
    }
    if r == T::ZERO {
        return T::ZERO.copysign(b);
    }
    if r.is_sign_negative() != b.is_sign_negative() {
        r.add(b)
    } else {
        r
    }
}

/// log(exp(a) + exp(b)) without overflow: max + log1p(exp(-|a - b|)).
pub fn logaddexp<T: RealFloat>(a: T, b: T) -> T {
    if a.is_nan() || b.is_nan() {
        return T::NAN;
    }
    if a == b {
        // Also covers a = b = ±inf, where a - b would be NaN.
        return a.add(T::LN_2);
    }
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    hi.add(lo.sub(hi).exp().ln_1p())
}

/// The next representable value after a in the direction of b (C99 nextafter).
pub fn nextafter<T: RealFloat>(a: T, b: T) -> T {
    if a.is_nan() || b.is_nan() {
        T::NAN
    } else if a == b {
        b
    } else if b > a {
        a.next_up()
    } else {
        a.next_down()
    }
}

/// Integer element: wrapping arithmetic (overflow is unspecified by the standard; kiln
/// wraps, as NumPy does) and total definitions where Rust would panic.
pub trait IntElem: Copy + Ord + std::fmt::Debug + Send + Sync + 'static {
    const ZERO: Self;
    const ONE: Self;
    const BITS: u32;
    const SIGNED: bool;
    fn w_add(self, o: Self) -> Self;
    fn w_sub(self, o: Self) -> Self;
    fn w_mul(self, o: Self) -> Self;
    fn w_neg(self) -> Self;
    fn w_abs(self) -> Self;
    fn sign(self) -> Self;
    fn not(self) -> Self;
    fn and(self, o: Self) -> Self;
    fn or(self, o: Self) -> Self;
    fn xor(self, o: Self) -> Self;
    /// Floor division; division by zero gives 0 (unspecified by the standard).
    fn floor_div(self, o: Self) -> Self;
    /// Python remainder (sign of the divisor); by zero gives 0.
    fn py_rem(self, o: Self) -> Self;
    /// Power by squaring, wrapping; a negative exponent gives the truncated true value.
    fn pow(self, o: Self) -> Self;
    /// Shift by `o` bits; counts outside [0, BITS) shift everything out.
    fn shl(self, o: Self) -> Self;
    fn shr(self, o: Self) -> Self;
    fn to_i128(self) -> i128;
}

macro_rules! int_elem {
    ($t:ty, $signed:expr) => {
        impl IntElem for $t {
            const ZERO: Self = 0;
            const ONE: Self = 1;
            const BITS: u32 = <$t>::BITS;
            const SIGNED: bool = $signed;
            fn w_add(self, o: Self) -> Self {
                self.wrapping_add(o)
            }
            fn w_sub(self, o: Self) -> Self {
                self.wrapping_sub(o)
            }
            fn w_mul(self, o: Self) -> Self {
                self.wrapping_mul(o)
            }
            fn w_neg(self) -> Self {
                self.wrapping_neg()
            }
            fn w_abs(self) -> Self {
                if self.to_i128() < 0 {
                    self.wrapping_neg()
                } else {
                    self
                }
            }
            fn sign(self) -> Self {
                match self.to_i128().signum() {
                    1 => 1,
                    0 => 0,
                    _ => (0 as $t).wrapping_sub(1),
                }
            }
            fn not(self) -> Self {
                !self
            }
            fn and(self, o: Self) -> Self {
                self & o
            }
            fn or(self, o: Self) -> Self {
                self | o
            }
            fn xor(self, o: Self) -> Self {
                self ^ o
            }
            fn floor_div(self, o: Self) -> Self {
                if o == 0 {
                    return 0;
                }
                let (a, b) = (self.to_i128(), o.to_i128());
                let q = a / b;
                (if a % b != 0 && ((a < 0) != (b < 0)) {
                    q - 1
                } else {
                    q
                }) as $t
            }
            fn py_rem(self, o: Self) -> Self {
                if o == 0 {
                    return 0;
                }
                let (a, b) = (self.to_i128(), o.to_i128());
                let r = a % b;
                (if r != 0 && ((r < 0) != (b < 0)) {
                    r + b
                } else {
                    r
                }) as $t
            }
            fn pow(self, o: Self) -> Self {
                let e = o.to_i128();
                if e < 0 {
                    return match self.to_i128() {
                        1 => 1,
                        -1 => {
                            if e % 2 == 0 {
                                1
                            } else {
                                self
                            }
                        }
                        _ => 0,
                    };
                }
                let (mut base, mut e, mut acc) = (self, e as u128, 1 as $t);
                while e > 0 {
                    if e & 1 == 1 {
                        acc = acc.wrapping_mul(base);
                    }
                    base = base.wrapping_mul(base);
                    e >>= 1;
                }
                acc
            }
            fn shl(self, o: Self) -> Self {
                let s = o.to_i128();
                if s < 0 || s >= <$t>::BITS as i128 {
                    0
                } else {
                    self << (s as u32)
                }
            }
            fn shr(self, o: Self) -> Self {
                let s = o.to_i128();
                if s < 0 || s >= <$t>::BITS as i128 {
                    if self.to_i128() < 0 {
                        (0 as $t).wrapping_sub(1)
                    } else {
                        0
                    }
                } else {
                    self >> (s as u32)
                }
            }
            fn to_i128(self) -> i128 {
                self as i128
            }
        }
    };
}
int_elem!(i8, true);
int_elem!(i16, true);
int_elem!(i32, true);
int_elem!(i64, true);
int_elem!(u8, false);
int_elem!(u16, false);
int_elem!(u32, false);
int_elem!(u64, false);

/// Complex element over a real float.
pub type C<T> = Complex<T>;

/// x·y with each part accurate to a few ulps: (ac - bd) + (ad + bc)i with the rounding
/// error of bd and of bc put back by fused multiply-adds (Kahan's way; Jeannerod,
/// Louvet and Muller bound it by 2 ulps), where the textbook formula loses every digit
/// of a part that cancels. The lowering's `cmul`, step for step.
pub fn complex_mul<T: num_traits::Float>(x: C<T>, y: C<T>) -> C<T> {
    let (a, b, c, d) = (x.re, x.im, y.re, y.im);
    // ad + bc as ad - (-b)c: -w and e are then bd's own, and f - e keeps a zero f's
    // sign, which f + (bc - w) would not (the lowering's `cmul`).
    C::new(diff_of_products(a, c, b, d), diff_of_products(a, d, -b, c))
}

/// `complex_mul` with its fused multiply-adds as instructions where the CPU has them:
/// Rust's `mul_add` in code built for baseline x86-64 is a call into libm's `fma`, six
/// per product (a complex `prod` of 4000 × 1000 went 8 → 26 ms on them). The bits are
/// the same either way.
pub fn complex_mul_fast<T: num_traits::Float>() -> fn(C<T>, C<T>) -> C<T> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has the feature.
        return |x, y| unsafe { complex_mul_fma(x, y) };
    }
    complex_mul
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
fn complex_mul_fma<T: num_traits::Float>(x: C<T>, y: C<T>) -> C<T> {
    complex_mul(x, y)
}

/// p·q - r·s: w = r·s, e = r·s - w exactly, f = p·q - w rounded once, then f - e. An
/// e of +0 leaves f, and the sign of a zero f, as they are. Where w is not finite
/// (r·s overflowed, or a part is infinite or NaN) neither is e, and f is the result:
/// NumPy's contracted product, bit for bit (conformance runs: (-7 - 3.4e38i)(3.4e38 +
/// 9i) in complex64 has a real part of 6.8e38, +inf, where the textbook's fl(ac) -
/// fl(bd) = -inf + inf said NaN). Where both products overflow no formula without
/// scaling is right: (1e200 + 1e200i)² has a real part of 0, and f says -inf.
fn diff_of_products<T: num_traits::Float>(p: T, q: T, r: T, s: T) -> T {
    let w = r * s;
    let e = r.mul_add(s, -w);
    let f = p.mul_add(q, -w);
    if e.is_finite() {
        f - e
    } else {
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complex_mul_and_its_fast_copy_give_the_same_bits() {
        // Ordinary, cancelling, overflowing, infinite, NaN and signed-zero parts.
        let parts = [
            0.0,
            -0.0,
            1.5,
            -2.25,
            3.0e-310,
            1.0e300,
            -1.7e308,
            f64::INFINITY,
            f64::NAN,
            0.724448561668396,
            -3.614365339279175,
        ];
        let fast = complex_mul_fast::<f64>();
        let fast32 = complex_mul_fast::<f32>();
        let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
        for &a in &parts {
            for &b in &parts {
                for &c in &parts {
                    for &d in &parts {
                        let (x, y) = (C::new(a, b), C::new(c, d));
                        let (u, v) = (complex_mul(x, y), fast(x, y));
                        assert!(
                            same(u.re, v.re) && same(u.im, v.im),
                            "{x} * {y}: {u} vs {v}"
                        );
                        let (x, y) = (C::new(a as f32, b as f32), C::new(c as f32, d as f32));
                        let (u, v) = (complex_mul(x, y), fast32(x, y));
                        let same32 = |p: f32, q: f32| same(p as f64, q as f64);
                        assert!(same32(u.re, v.re) && same32(u.im, v.im), "{x} * {y}");
                    }
                }
            }
        }
    }

    #[test]
    fn python_style_integer_division() {
        assert_eq!(7i32.floor_div(2), 3);
        assert_eq!((-7i32).floor_div(2), -4);
        assert_eq!(7i32.floor_div(-2), -4);
        assert_eq!((-7i32).floor_div(-2), 3);
        assert_eq!((-7i32).py_rem(2), 1);
        assert_eq!(7i32.py_rem(-2), -1);
        assert_eq!(i8::MIN.floor_div(-1), i8::MIN);
        assert_eq!(5u8.floor_div(0), 0);
    }

    #[test]
    fn float_remainder_takes_the_divisor_sign() {
        assert_eq!(remainder(-7.0f64, 2.0), 1.0);
        assert_eq!(remainder(7.0f64, -2.0), -1.0);
        assert!(remainder(0.0f64, -2.0).is_sign_negative());
        assert_eq!(remainder(5.0f64, f64::INFINITY), 5.0);
        assert_eq!(remainder(5.0f64, f64::NEG_INFINITY), f64::NEG_INFINITY);
    }
}
