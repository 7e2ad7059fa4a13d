//! Matrix products over equal batch axes: `a[..., m, k] @ b[..., k, n]`, each operand
//! read through a layout (offset and strides), so transposed and broadcast operands are
//! not copied.
//!
//! Floating and complex dtypes go through the `gemm` crate (blocked, vectorised, on
//! rayon; each output element is one dot product over k, whose order does not depend on
//! the thread count). Integer dtypes use a plain row-parallel loop with wrapping
//! arithmetic, as NumPy's integer matmul does. `naive` is the interpreter's independent
//! version.

use crate::error::RuntimeError;
use kiln_ir::layout::Layout;
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

/// One operand as the product reads it: the start of each matrix of the batch (in
/// elements), and the row and column strides of every matrix.
struct Operand {
    starts: Vec<isize>,
    rs: isize,
    cs: isize,
}

impl Operand {
    fn of(l: &Layout) -> Operand {
        let r = l.rank();
        let batch = Shape::new(&l.shape.0[..r - 2]);
        let mut starts = vec![l.offset; batch.size()];
        let bs = batch.strides();
        for (i, s) in starts.iter_mut().enumerate() {
            for (ax, &st) in bs.iter().enumerate() {
                *s += ((i / st) % batch.0[ax]) as isize * l.strides[ax];
            }
        }
        Operand {
            starts,
            rs: l.strides[r - 2],
            cs: l.strides[r - 1],
        }
    }
}

/// The product of two contiguous operands.
pub fn gemm((a, sa): (&Data, &Shape), (b, sb): (&Data, &Shape)) -> Result<Data, RuntimeError> {
    strided((a, &Layout::contiguous(sa)), (b, &Layout::contiguous(sb)))
}

/// The product of operands read through layouts (a transposed, sliced or broadcast
/// view costs no copy): the gemm crate for floats and complex, a row-parallel loop with
/// wrapping arithmetic for integers. The result is contiguous.
pub fn strided((a, la): (&Data, &Layout), (b, lb): (&Data, &Layout)) -> Result<Data, RuntimeError> {
    let d = dims(&la.shape, &lb.shape);
    let (oa, ob) = (Operand::of(la), Operand::of(lb));
    let (oa, ob) = (&oa, &ob);
    Ok(match (a, b) {
        (Data::F32(x), Data::F32(y)) if skinny(oa, d) => Data::F32(row_dots(x, oa, y, ob, d)),
        (Data::F64(x), Data::F64(y)) if skinny(oa, d) => Data::F64(row_dots(x, oa, y, ob, d)),
        (Data::F32(x), Data::F32(y)) => Data::F32(with_gemm(x, oa, y, ob, d)),
        (Data::F64(x), Data::F64(y)) => Data::F64(with_gemm(x, oa, y, ob, d)),
        (Data::C64(x), Data::C64(y)) => Data::C64(with_gemm::<Complex32>(x, oa, y, ob, d)),
        (Data::C128(x), Data::C128(y)) => Data::C128(with_gemm::<Complex64>(x, oa, y, ob, d)),
        (Data::I8(x), Data::I8(y)) => Data::I8(int_loop(x, oa, y, ob, d)),
        (Data::I16(x), Data::I16(y)) => Data::I16(int_loop(x, oa, y, ob, d)),
        (Data::I32(x), Data::I32(y)) => Data::I32(int_loop(x, oa, y, ob, d)),
        (Data::I64(x), Data::I64(y)) => Data::I64(int_loop(x, oa, y, ob, d)),
        (Data::U8(x), Data::U8(y)) => Data::U8(int_loop(x, oa, y, ob, d)),
        (Data::U16(x), Data::U16(y)) => Data::U16(int_loop(x, oa, y, ob, d)),
        (Data::U32(x), Data::U32(y)) => Data::U32(int_loop(x, oa, y, ob, d)),
        (Data::U64(x), Data::U64(y)) => Data::U64(int_loop(x, oa, y, ob, d)),
        _ => return Err(mismatch(a, b)),
    })
}

fn with_gemm<T: Copy + Zero + One + Send + Sync + 'static>(
    a: &[T],
    oa: &Operand,
    b: &[T],
    ob: &Operand,
    (batch, m, k, n): (usize, usize, usize, usize),
) -> Vec<T> {
    let mut out = vec![T::zero(); batch * m * n];
    // With k = 0 the product is the empty sum: the zeros already there.
    if m == 0 || n == 0 || k == 0 {
        return out;
    }
    let threads = rayon::current_num_threads();
    // Small products are not worth waking the pool for.
    let par = if m * n * k >= 1 << 18 && threads > 1 {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    for (i, o) in out.chunks_mut(m * n).enumerate() {
        // SAFETY: the layouts come from valid views of these buffers, so every element
        // start + r·rs + c·cs of every matrix lies inside them; the output is a
        // row-major m×n block. gemm computes dst = alpha·dst + beta·lhs·rhs and, with
        // read_dst false, only writes dst. T is one of gemm's four types (the match in
        // `strided`).
        unsafe {
            gemm::gemm(
                m,
                n,
                k,
                o.as_mut_ptr(),
                1,
                n as isize,
                false,
                a.as_ptr().offset(oa.starts[i]),
                oa.cs,
                oa.rs,
                b.as_ptr().offset(ob.starts[i]),
                ob.cs,
                ob.rs,
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

/// A product with few output columns and contiguous lhs rows (X @ w, a matrix times a
/// few vectors) is a stream over the rows of X: each row is read once and dotted with
/// every column. gemm would pack X into blocks first, which costs as much again.
fn skinny(oa: &Operand, (_, _, k, n): (usize, usize, usize, usize)) -> bool {
    n <= 4 && k >= 16 && oa.cs == 1
}

/// Dot products of each (contiguous) lhs row with each rhs column, rows on rayon in
/// blocks of fixed size; each dot sums in eight interleaved partial sums combined in a
/// fixed order, so the bits do not depend on the thread count.
fn row_dots<T: num_traits::Float + Send + Sync>(
    a: &[T],
    oa: &Operand,
    b: &[T],
    ob: &Operand,
    (batch, m, k, n): (usize, usize, usize, usize),
) -> Vec<T> {
    let mut out = vec![T::zero(); batch * m * n];
    if m == 0 || n == 0 {
        return out;
    }
    for (i, o) in out.chunks_mut(m * n).enumerate() {
        // The rhs columns, gathered contiguous (k·n elements: small).
        let cols: Vec<Vec<T>> = (0..n)
            .map(|c| {
                (0..k)
                    .map(|p| b[(ob.starts[i] + p as isize * ob.rs + c as isize * ob.cs) as usize])
                    .collect()
            })
            .collect();
        const ROWS: usize = 256;
        o.par_chunks_mut(ROWS * n).enumerate().for_each(|(blk, o)| {
            for (r, o) in o.chunks_mut(n).enumerate() {
                let start = (oa.starts[i] + ((blk * ROWS + r) as isize) * oa.rs) as usize;
                let row = &a[start..start + k];
                for (o, col) in o.iter_mut().zip(&cols) {
                    *o = dot(row, col);
                }
            }
        });
    }
    out
}

fn dot<T: num_traits::Float>(x: &[T], y: &[T]) -> T {
    let mut acc = [T::zero(); 8];
    let (xc, yc) = (x.chunks_exact(8), y.chunks_exact(8));
    let (xt, yt) = (xc.remainder(), yc.remainder());
    for (u, v) in xc.zip(yc) {
        for l in 0..8 {
            acc[l] = acc[l] + u[l] * v[l];
        }
    }
    for (l, (&u, &v)) in xt.iter().zip(yt).enumerate() {
        acc[l] = acc[l] + u * v;
    }
    ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]))
}

fn int_loop<T>(
    a: &[T],
    oa: &Operand,
    b: &[T],
    ob: &Operand,
    (batch, m, k, n): (usize, usize, usize, usize),
) -> Vec<T>
where
    T: Copy + Zero + WrappingAdd + WrappingMul + Send + Sync,
{
    let mut out = vec![T::zero(); batch * m * n];
    if n == 0 {
        return out;
    }
    let at = |o: &Operand, i: usize, r: usize, c: usize| {
        (o.starts[i] + r as isize * o.rs + c as isize * o.cs) as usize
    };
    out.par_chunks_mut(n).enumerate().for_each(|(row, o)| {
        let (i, r) = (row / m, row % m);
        for p in 0..k {
            let x = a[at(oa, i, r, p)];
            for (c, o) in o.iter_mut().enumerate() {
                *o = o.wrapping_add(&x.wrapping_mul(&b[at(ob, i, p, c)]));
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
