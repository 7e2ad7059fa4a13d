//! Reductions and scans, the obvious way: move the reduced axes last (a gather), then
//! reduce each contiguous row.
//!
//! Floating sums are pairwise in f64 (error O(log n · ε) for f64, exact-ish for f32);
//! var is two-pass (mean, then the sum of squared deviations), never sum-of-squares.

use super::movement::permute;
use super::scalar_ops::{self as s, IntElem, RealFloat, C};
use crate::error::RuntimeError;
use kiln_ir::{Data, Element, ReduceOp, ScanOp, Shape};

type R = Result<Data, RuntimeError>;

/// Rows to reduce: `data` holds `rows` rows of `len` elements each.
struct Rows<'a, T> {
    data: &'a [T],
    rows: usize,
    len: usize,
}

impl<'a, T: Copy> Rows<'a, T> {
    fn map<U: Element>(&self, f: impl Fn(&[T]) -> U) -> Data {
        U::into_data(
            (0..self.rows)
                .map(|r| f(&self.data[r * self.len..(r + 1) * self.len]))
                .collect(),
        )
    }
}

/// Reduce `x` (of `shape`) over the sorted `axes`.
pub fn reduce(op: ReduceOp, x: &Data, shape: &Shape, axes: &[usize], correction: f64) -> R {
    let kept: Vec<usize> = (0..shape.rank()).filter(|a| !axes.contains(a)).collect();
    let perm: Vec<usize> = kept.iter().chain(axes.iter()).copied().collect();
    let permuted_shape = Shape(perm.iter().map(|&p| shape.dims()[p]).collect());
    let data = permute(x, shape, &perm, &permuted_shape);
    let len: usize = axes.iter().map(|&a| shape.dims()[a]).product();
    let rows: usize = kept.iter().map(|&a| shape.dims()[a]).product();
    macro_rules! rows {
        ($v:expr) => {
            Rows {
                data: $v,
                rows,
                len,
            }
        };
    }
    let out = match &data {
        Data::Bool(v) => bool_reduce(op, &rows!(v)),
        Data::I8(v) => int_reduce(op, &rows!(v)),
        Data::I16(v) => int_reduce(op, &rows!(v)),
        Data::I32(v) => int_reduce(op, &rows!(v)),
        Data::I64(v) => int_reduce(op, &rows!(v)),
        Data::U8(v) => int_reduce(op, &rows!(v)),
        Data::U16(v) => int_reduce(op, &rows!(v)),
        Data::U32(v) => int_reduce(op, &rows!(v)),
        Data::U64(v) => int_reduce(op, &rows!(v)),
        Data::F32(v) => float_reduce(op, &rows!(v), correction),
        Data::F64(v) => float_reduce(op, &rows!(v), correction),
        Data::C64(v) => complex_reduce(op, &rows!(v)),
        Data::C128(v) => complex_reduce(op, &rows!(v)),
    };
    out.ok_or_else(|| RuntimeError::Unsupported {
        what: format!("{} on {}", op.name(), x.dtype()),
    })
}

fn bool_reduce(op: ReduceOp, r: &Rows<bool>) -> Option<Data> {
    Some(match op {
        ReduceOp::Any => r.map(|row| row.iter().any(|&b| b)),
        ReduceOp::All => r.map(|row| row.iter().all(|&b| b)),
        _ => return None,
    })
}

/// Index of the first element that `better` prefers to every earlier one.
fn arg_best<T: Copy>(row: &[T], better: impl Fn(T, T) -> bool) -> i64 {
    let mut best = 0;
    for (i, &x) in row.iter().enumerate().skip(1) {
        if better(x, row[best]) {
            best = i;
        }
    }
    best as i64
}

fn int_reduce<T: IntElem + Element>(op: ReduceOp, r: &Rows<T>) -> Option<Data> {
    Some(match op {
        ReduceOp::Sum => r.map(|row| row.iter().fold(T::ZERO, |a, &b| a.w_add(b))),
        ReduceOp::Prod => r.map(|row| row.iter().fold(T::ONE, |a, &b| a.w_mul(b))),
        ReduceOp::Max => r.map(|row| *row.iter().max().expect("non-empty by inference")),
        ReduceOp::Min => r.map(|row| *row.iter().min().expect("non-empty by inference")),
        ReduceOp::Any => r.map(|row| row.iter().any(|&x| x != T::ZERO)),
        ReduceOp::All => r.map(|row| row.iter().all(|&x| x != T::ZERO)),
        ReduceOp::ArgMax => r.map(|row| arg_best(row, |a, b| a > b)),
        ReduceOp::ArgMin => r.map(|row| arg_best(row, |a, b| a < b)),
        ReduceOp::Mean | ReduceOp::Var => return None,
    })
}

/// Pairwise sum of `f(i)` for i in 0..n, in f64; the empty sum is +0, and a run of -0
/// stays -0 (each base block starts from its first element, as successive adds would).
pub fn pairwise(n: usize, f: &impl Fn(usize) -> f64) -> f64 {
    fn go(lo: usize, hi: usize, f: &impl Fn(usize) -> f64) -> f64 {
        if hi - lo <= 8 {
            (lo + 1..hi).fold(f(lo), |acc, i| acc + f(i))
        } else {
            let mid = lo + (hi - lo) / 2;
            go(lo, mid, f) + go(mid, hi, f)
        }
    }
    if n == 0 {
        0.0
    } else {
        go(0, n, f)
    }
}

/// The product of `xs` in order, in f64, as if the exponent range were unbounded,
/// rounded into range once at the end: each factor splits into a mantissa in [1, 2)
/// and a power of two, the mantissas multiply (each multiply rounding as the plain
/// product's would), the exponents add. So [1e300, 1e300, 1e-300] is 1e300, not inf;
/// an order in which no partial product overflows or underflows gives the plain
/// product's bits.
fn float_product(xs: impl Iterator<Item = f64>) -> f64 {
    let (mut m, mut e) = (1.0f64, 0i64);
    for x in xs {
        let (f, k) = split_exponent(x);
        m *= f;
        e += k;
        if m.abs() >= 2.0 {
            m *= 0.5;
            e += 1;
        }
    }
    times_power_of_two(m, e)
}

/// (f, k) with x = f·2^k and |f| in [1, 2); zeros, infinities and NaN as (x, 0).
fn split_exponent(x: f64) -> (f64, i64) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let (x, k) = if x.abs() < f64::MIN_POSITIVE {
        (x * 2f64.powi(64), -64)
    } else {
        (x, 0)
    };
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let f = f64::from_bits(bits & !(0x7ff << 52) | (1023 << 52));
    (f, k + biased - 1023)
}

/// m·2^e with one rounding (|m| in [1, 2), or zero, infinite or NaN).
fn times_power_of_two(m: f64, e: i64) -> f64 {
    let pow2 = |k: i64| f64::from_bits(((k + 1023) as u64) << 52);
    if e > 1023 {
        // At least 2^1024: inf (0, inf and NaN stay).
        m * pow2(1023) * 2.0
    } else if e >= -1022 {
        m * pow2(e)
    } else {
        // Exact to a normal value, then one rounding to a subnormal (or 0: below
        // 2^-1076, m·2^e is under half the smallest subnormal).
        m * pow2(e.max(-1076) + 54) * pow2(-54)
    }
}

fn float_sum<T: RealFloat>(row: &[T]) -> f64 {
    pairwise(row.len(), &|i| row[i].to_f64())
}

fn float_reduce<T: RealFloat + Element>(
    op: ReduceOp,
    r: &Rows<T>,
    correction: f64,
) -> Option<Data> {
    Some(match op {
        ReduceOp::Sum => r.map(|row| T::from_f64(float_sum(row))),
        ReduceOp::Prod => r.map(|row| T::from_f64(float_product(row.iter().map(|x| x.to_f64())))),
        ReduceOp::Max => r.map(|row| row.iter().copied().fold(row[0], s::maximum)),
        ReduceOp::Min => r.map(|row| row.iter().copied().fold(row[0], s::minimum)),
        ReduceOp::Mean => r.map(|row| T::from_f64(float_sum(row) / row.len() as f64)),
        ReduceOp::Var => r.map(|row| T::from_f64(variance(row, correction))),
        ReduceOp::Any => r.map(|row| row.iter().any(|&x| x != T::ZERO)),
        ReduceOp::All => r.map(|row| row.iter().all(|&x| x != T::ZERO)),
        // NaN wins (the first NaN), as NumPy's argmax/argmin do.
        ReduceOp::ArgMax => r.map(|row| arg_best(row, |a, b| !b.is_nan() && (a.is_nan() || a > b))),
        ReduceOp::ArgMin => r.map(|row| arg_best(row, |a, b| !b.is_nan() && (a.is_nan() || a < b))),
    })
}

/// Two-pass variance with divisor n - correction; NaN when that is ≤ 0 (standard, var).
fn variance<T: RealFloat>(row: &[T], correction: f64) -> f64 {
    let n = row.len() as f64;
    if n - correction <= 0.0 {
        return f64::NAN;
    }
    let mean = float_sum(row) / n;
    let m2 = pairwise(row.len(), &|i| {
        let d = row[i].to_f64() - mean;
        d * d
    });
    m2 / (n - correction)
}

fn complex_reduce<T>(op: ReduceOp, r: &Rows<C<T>>) -> Option<Data>
where
    T: RealFloat + num_traits::Float,
    C<T>: Element,
{
    let sum = |row: &[C<T>]| {
        (
            pairwise(row.len(), &|i| row[i].re.to_f64()),
            pairwise(row.len(), &|i| row[i].im.to_f64()),
        )
    };
    let nonzero = |z: C<T>| z.re != T::ZERO || z.im != T::ZERO;
    let mul = s::complex_mul_fast();
    Some(match op {
        ReduceOp::Sum => r.map(|row| {
            let (re, im) = sum(row);
            C::new(T::from_f64(re), T::from_f64(im))
        }),
        ReduceOp::Mean => r.map(|row| {
            let (re, im) = sum(row);
            let n = row.len() as f64;
            C::new(T::from_f64(re / n), T::from_f64(im / n))
        }),
        // The first element as it is, then a product per further one (as the compiled
        // modes' scan, and NumPy, do): 1·x is not always x (1·(-0 - 1j) is +0 - 1j,
        // 1·(inf + 0j) is inf + NaN j).
        ReduceOp::Prod => r.map(|row| {
            row.iter()
                .copied()
                .reduce(|a: C<T>, b| mul(a, b))
                .unwrap_or(C::new(T::ONE, T::ZERO))
        }),
        ReduceOp::Any => r.map(|row| row.iter().any(|&z| nonzero(z))),
        ReduceOp::All => r.map(|row| row.iter().all(|&z| nonzero(z))),
        _ => return None,
    })
}

/// Cumulative sum or product along `axis`; with `include_initial` the output starts
/// with the identity. Successive application of add/multiply in the dtype, as the
/// standard specifies.
pub fn scan(op: ScanOp, x: &Data, shape: &Shape, axis: usize, include_initial: bool) -> R {
    let dims = shape.dims();
    let outer: usize = dims[..axis].iter().product();
    let n = dims[axis];
    let inner: usize = dims[axis + 1..].iter().product();
    let m = n + include_initial as usize;
    macro_rules! scan_with {
        ($v:expr, $zero:expr, $one:expr, $add:expr, $mul:expr) => {{
            let v = $v;
            let (identity, step) = match op {
                ScanOp::CumSum => ($zero, $add as fn(_, _) -> _),
                ScanOp::CumProd => ($one, $mul as fn(_, _) -> _),
            };
            let mut out = vec![identity; outer * m * inner];
            for o in 0..outer {
                for i in 0..inner {
                    let mut acc = identity;
                    if include_initial {
                        out[(o * m) * inner + i] = identity;
                    }
                    for k in 0..n {
                        let x = v[(o * n + k) * inner + i];
                        acc = if k == 0 { x } else { step(acc, x) };
                        out[(o * m + k + include_initial as usize) * inner + i] = acc;
                    }
                }
            }
            Ok(Element::into_data(out))
        }};
    }
    macro_rules! int_scan {
        ($v:expr, $t:ty) => {
            scan_with!($v, 0 as $t, 1 as $t, <$t>::wrapping_add, <$t>::wrapping_mul)
        };
    }
    match x {
        Data::I8(v) => int_scan!(v, i8),
        Data::I16(v) => int_scan!(v, i16),
        Data::I32(v) => int_scan!(v, i32),
        Data::I64(v) => int_scan!(v, i64),
        Data::U8(v) => int_scan!(v, u8),
        Data::U16(v) => int_scan!(v, u16),
        Data::U32(v) => int_scan!(v, u32),
        Data::U64(v) => int_scan!(v, u64),
        Data::F32(v) => scan_with!(v, 0f32, 1f32, |a, b| a + b, |a, b| a * b),
        Data::F64(v) => scan_with!(v, 0f64, 1f64, |a, b| a + b, |a, b| a * b),
        Data::C64(v) => scan_with!(
            v,
            C::new(0f32, 0.0),
            C::new(1f32, 0.0),
            |a, b| a + b,
            s::complex_mul_fast()
        ),
        Data::C128(v) => scan_with!(
            v,
            C::new(0f64, 0.0),
            C::new(1f64, 0.0),
            |a, b| a + b,
            s::complex_mul_fast()
        ),
        Data::Bool(_) => Err(RuntimeError::Unsupported {
            what: format!("{} on bool", op.name()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_of_negative_zeros_is_negative_zero() {
        let v = [-0.0f64; 20];
        assert!(pairwise(v.len(), &|i| v[i]).is_sign_negative());
        assert_eq!(pairwise(0, &|_| 1.0), 0.0);
    }

    #[test]
    fn variance_is_nan_without_degrees_of_freedom() {
        assert!(variance(&[1.0f64], 1.0).is_nan());
        assert_eq!(variance(&[1.0f64, 3.0], 0.0), 1.0);
        assert_eq!(variance(&[1.0f64, 3.0], 1.0), 2.0);
    }
}
