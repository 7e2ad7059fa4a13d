//! Matrix products over equal batch axes: `a[..., m, k] @ b[..., k, n]`.
//!
//! Floating and complex dtypes go through the `gemm` crate (blocked, vectorised, on
//! rayon; each output element is one dot product over k, whose order does not depend on
//! the thread count). Integer dtypes use a plain row-parallel loop with wrapping
//! arithmetic, as NumPy's integer matmul does. `naive` is the interpreter's independent
//! version.

use crate::error::RuntimeError;
use kiln_ir::{Data, Shape};
use num_complex::{Complex32, Complex64};
use num_traits::{One, WrappingAdd, WrappingMul, Zero};
use rayon::prelude::*;

/// Batch count and m, k, n of a product of the given shapes.
fn dims(a: &Shape, b: &Shape) -> (usize, usize, usize, usize) {
    let (ra, rb) = (a.rank(), b.rank());
    let (m, k, n) = (a.0[ra - 2], a.0[ra - 1], b.0[rb - 1]);
    let batch = a.0[..ra - 2].iter().product();
    (batch, m, k, n)
}

fn mismatch(a: &Data, b: &Data) -> RuntimeError {
    RuntimeError::Unsupported {
        what: format!("matmul of {} with {}", a.dtype(), b.dtype()),
    }
}

/// The product through the gemm crate (floats, complex) or a parallel loop (integers).
pub fn gemm((a, sa): (&Data, &Shape), (b, sb): (&Data, &Shape)) -> Result<Data, RuntimeError> {
    let d = dims(sa, sb);
    Ok(match (a, b) {
        (Data::F32(x), Data::F32(y)) => Data::F32(with_gemm(x, y, d)),
        (Data::F64(x), Data::F64(y)) => Data::F64(with_gemm(x, y, d)),
        (Data::C64(x), Data::C64(y)) => Data::C64(with_gemm::<Complex32>(x, y, d)),
        (Data::C128(x), Data::C128(y)) => Data::C128(with_gemm::<Complex64>(x, y, d)),
        (Data::I8(x), Data::I8(y)) => Data::I8(int_loop(x, y, d)),
        (Data::I16(x), Data::I16(y)) => Data::I16(int_loop(x, y, d)),
        (Data::I32(x), Data::I32(y)) => Data::I32(int_loop(x, y, d)),
        (Data::I64(x), Data::I64(y)) => Data::I64(int_loop(x, y, d)),
        (Data::U8(x), Data::U8(y)) => Data::U8(int_loop(x, y, d)),
        (Data::U16(x), Data::U16(y)) => Data::U16(int_loop(x, y, d)),
        (Data::U32(x), Data::U32(y)) => Data::U32(int_loop(x, y, d)),
        (Data::U64(x), Data::U64(y)) => Data::U64(int_loop(x, y, d)),
        _ => return Err(mismatch(a, b)),
    })
}

fn with_gemm<T: Copy + Zero + One + Send + Sync + 'static>(
    a: &[T],
    b: &[T],
    (batch, m, k, n): (usize, usize, usize, usize),
) -> Vec<T> {
    let mut out = vec![T::zero(); batch * m * n];
    if m == 0 || n == 0 {
        return out;
    }
    // gemm computes dst = alpha·dst + beta·lhs·rhs; with read_dst false, dst is only
    // written (k = 0 leaves zeros, the empty sum).
    let threads = rayon::current_num_threads();
    // Small products are not worth waking the pool for.
    let par = if m * n * k >= 1 << 18 && threads > 1 {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    for i in 0..batch {
        let (ai, bi) = (
            &a[i * m * k..(i + 1) * m * k],
            &b[i * k * n..(i + 1) * k * n],
        );
        let oi = &mut out[i * m * n..(i + 1) * m * n];
        if k == 0 {
            continue;
        }
        // SAFETY: row-major slices of exactly m·k, k·n and m·n elements, strides in
        // elements (column stride 1, row stride = row length); T is one of gemm's types
        // (checked by the callers' match).
        unsafe {
            gemm::gemm(
                m,
                n,
                k,
                oi.as_mut_ptr(),
                1,
                n as isize,
                false,
                ai.as_ptr(),
                1,
                k as isize,
                bi.as_ptr(),
                1,
                n as isize,
                T::zero(),
                T::one(),
                false,
                false,
                false,
                par,
            );
        }
    }
    out
}

fn int_loop<T>(a: &[T], b: &[T], (batch, m, k, n): (usize, usize, usize, usize)) -> Vec<T>
where
    T: Copy + Zero + WrappingAdd + WrappingMul + Send + Sync,
{
    let mut out = vec![T::zero(); batch * m * n];
    if n == 0 {
        return out;
    }
    out.par_chunks_mut(n).enumerate().for_each(|(row, o)| {
        let (i, r) = (row / m.max(1), row % m.max(1));
        let arow = &a[(i * m + r) * k..(i * m + r + 1) * k];
        let bi = &b[i * k * n..(i + 1) * k * n];
        for (p, &x) in arow.iter().enumerate() {
            for (o, &y) in o.iter_mut().zip(&bi[p * n..(p + 1) * n]) {
                *o = o.wrapping_add(&x.wrapping_mul(&y));
            }
        }
    });
    out
}

/// The interpreter's matmul: the textbook triple loop, accumulating in the dtype.
pub fn naive((a, sa): (&Data, &Shape), (b, sb): (&Data, &Shape)) -> Result<Data, RuntimeError> {
    let (batch, m, k, n) = dims(sa, sb);
    macro_rules! textbook {
        ($x:expr, $y:expr, $add:expr, $mul:expr) => {{
            let mut out = Vec::with_capacity(batch * m * n);
            for i in 0..batch {
                for r in 0..m {
                    for c in 0..n {
                        let mut acc = Zero::zero();
                        for p in 0..k {
                            acc = $add(acc, $mul($x[(i * m + r) * k + p], $y[(i * k + p) * n + c]));
                        }
                        out.push(acc);
                    }
                }
            }
            out
        }};
    }
    macro_rules! float {
        ($x:expr, $y:expr) => {
            textbook!($x, $y, |s, t| s + t, |s, t| s * t)
        };
    }
    macro_rules! int {
        ($x:expr, $y:expr) => {
            textbook!(
                $x,
                $y,
                |s: _, t| WrappingAdd::wrapping_add(&s, &t),
                |s: _, t| WrappingMul::wrapping_mul(&s, &t)
            )
        };
    }
    Ok(match (a, b) {
        (Data::F32(x), Data::F32(y)) => Data::F32(float!(x, y)),
        (Data::F64(x), Data::F64(y)) => Data::F64(float!(x, y)),
        (Data::C64(x), Data::C64(y)) => Data::C64(float!(x, y)),
        (Data::C128(x), Data::C128(y)) => Data::C128(float!(x, y)),
        (Data::I8(x), Data::I8(y)) => Data::I8(int!(x, y)),
        (Data::I16(x), Data::I16(y)) => Data::I16(int!(x, y)),
        (Data::I32(x), Data::I32(y)) => Data::I32(int!(x, y)),
        (Data::I64(x), Data::I64(y)) => Data::I64(int!(x, y)),
        (Data::U8(x), Data::U8(y)) => Data::U8(int!(x, y)),
        (Data::U16(x), Data::U16(y)) => Data::U16(int!(x, y)),
        (Data::U32(x), Data::U32(y)) => Data::U32(int!(x, y)),
        (Data::U64(x), Data::U64(y)) => Data::U64(int!(x, y)),
        _ => return Err(mismatch(a, b)),
    })
}
