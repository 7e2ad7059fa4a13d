//! Linear algebra: the `linalg` extension of the standard (`kiln::linalg::inv`, ...),
//! whose `matmul`, `tensordot`, `vecdot` and `matrix_transpose` are also in the main
//! namespace (`kiln::matmul`).
//!
//! A matrix product is one `LibCall::Matmul` node: the namespace layer applies the
//! standard's rules first (promotion, 1-D operands as vectors, broadcast batch axes) as
//! explicit nodes, so the library step sees equal batch shapes and one dtype.

use crate::array::Array;
use crate::error::{Error, Result};
use crate::manipulation::{permute_at, reshape_at};
use crate::operand::{broadcast, cast, promote_arrays, Operand};
use crate::options::{AxisArg, ReduceOpts};
use kiln_ir::library::LinalgCall;
use kiln_ir::{
    broadcast_shapes, normalize_axes, BinaryOp, Category, DType, IrError, LibCall, Loc, Op,
    ReduceOp, Shape, SliceDim, UnaryOp,
};
use smallvec::SmallVec;
use std::panic::Location;

pub use crate::manipulation::matrix_transpose;

fn err(e: IrError, at: Loc) -> Error {
    Error::build(e, at)
}

/// Promote two operands of a product to their common dtype (numeric only).
fn promote_pair(func: &'static str, a: &Array, b: &Array, at: Loc) -> Result<(Array, Array)> {
    for (arg, x) in [("x1", a), ("x2", b)] {
        kiln_ir::op::check_category(func, arg, x.dtype(), Category::Numeric)
            .map_err(|e| err(e, at))?;
    }
    let dtype = promote_arrays(func, &[a, b], at)?;
    Ok((cast(func, a, dtype, at)?, cast(func, b, dtype, at)?))
}

/// The matrix product of the standard: 1-D operands are vectors (a prepended or
/// appended axis, removed from the result), batch axes broadcast.
///
/// ```
/// let a = kiln::asarray([[1.0f64, 2.0], [3.0, 4.0]], ())?;
/// let v = kiln::asarray([1.0f64, 1.0], ())?;
/// assert_eq!(kiln::matmul(&a, &v)?.to_vec::<f64>()?, vec![3.0, 7.0]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn matmul(x1: &Array, x2: &Array) -> Result<Array> {
    matmul_at("matmul", x1, x2, Location::caller())
}

pub(crate) fn matmul_at(func: &'static str, x1: &Array, x2: &Array, at: Loc) -> Result<Array> {
    if x1.ndim() == 0 || x2.ndim() == 0 {
        return Err(err(
            IrError::invalid(
                func,
                format!(
                    "operands must have at least one axis, got shapes {:?} and {:?}",
                    x1.shape(),
                    x2.shape()
                ),
            ),
            at,
        ));
    }
    let (a, b) = promote_pair(func, x1, x2, at)?;
    let (va, vb) = (a.ndim() == 1, b.ndim() == 1);
    let a = if va {
        reshape_at(func, &a, &[1, a.shape()[0] as i64], at)?
    } else {
        a
    };
    let b = if vb {
        reshape_at(func, &b, &[b.shape()[0] as i64, 1], at)?
    } else {
        b
    };
    let (ra, rb) = (a.ndim(), b.ndim());
    let (k1, k2) = (a.shape()[ra - 1], b.shape()[rb - 2]);
    if k1 != k2 {
        return Err(err(
            IrError::invalid(
                func,
                format!(
                    "shapes {:?} and {:?} do not chain: x1's last axis ({k1}) must equal \
                     x2's {} ({k2})",
                    x1.shape(),
                    x2.shape(),
                    if vb {
                        "only axis"
                    } else {
                        "second-to-last axis"
                    }
                ),
            ),
            at,
        ));
    }
    let batch = broadcast_shapes(
        func,
        &[
            &Shape::new(&a.shape()[..ra - 2]),
            &Shape::new(&b.shape()[..rb - 2]),
        ],
    )
    .map_err(|e| err(e, at))?;
    let with = |x: &Array| {
        let r = x.ndim();
        let mut s = batch.0.clone();
        s.extend_from_slice(&x.shape()[r - 2..]);
        broadcast(func, x, &Shape(s), at)
    };
    let (a, b) = (with(&a)?, with(&b)?);
    let out = Array::node(
        func,
        Op::Library {
            call: LibCall::Matmul,
            output: 0,
        },
        &[&a, &b],
        at,
    )?;
    // Drop the axes that 1-D operands gained.
    let mut shape: Vec<i64> = batch.dims().iter().map(|&d| d as i64).collect();
    if !va {
        shape.push(a.shape()[a.ndim() - 2] as i64);
    }
    if !vb {
        shape.push(b.shape()[b.ndim() - 1] as i64);
    }
    if shape.len() == out.ndim() {
        Ok(out)
    } else {
        reshape_at(func, &out, &shape, at)
    }
}

/// Which axes `tensordot` contracts.
#[derive(Clone, Debug, PartialEq)]
pub enum TensordotAxes {
    /// The last `n` axes of x1 with the first `n` of x2.
    Count(usize),
    /// These axes of x1 with these of x2, pairwise.
    Pairs(Vec<i64>, Vec<i64>),
}

impl From<usize> for TensordotAxes {
    fn from(n: usize) -> Self {
        TensordotAxes::Count(n)
    }
}

impl<A: AsRef<[i64]>, B: AsRef<[i64]>> From<(A, B)> for TensordotAxes {
    fn from((a, b): (A, B)) -> Self {
        TensordotAxes::Pairs(a.as_ref().to_vec(), b.as_ref().to_vec())
    }
}

/// Sum of products over the given axes (`axes = 2` by default in the standard: pass
/// `2`); the result's axes are x1's free axes then x2's.
///
/// ```
/// let a = kiln::ones([2, 3, 4], kiln::DType::F64)?;
/// let b = kiln::ones([3, 4, 5], kiln::DType::F64)?;
/// let c = kiln::tensordot(&a, &b, 2)?;
/// assert_eq!(c.shape(), &[2, 5]);
/// assert_eq!(c.to_vec::<f64>()?[0], 12.0);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn tensordot(x1: &Array, x2: &Array, axes: impl Into<TensordotAxes>) -> Result<Array> {
    let (func, at) = ("tensordot", Location::caller());
    let (r1, r2) = (x1.ndim(), x2.ndim());
    let (ax1, ax2): (Vec<usize>, Vec<usize>) = match axes.into() {
        TensordotAxes::Count(n) => {
            if n > r1 || n > r2 {
                return Err(err(
                    IrError::invalid(
                        func,
                        format!(
                            "cannot contract {n} axes of shapes {:?} and {:?}",
                            x1.shape(),
                            x2.shape()
                        ),
                    ),
                    at,
                ));
            }
            ((r1 - n..r1).collect(), (0..n).collect())
        }
        TensordotAxes::Pairs(a, b) => {
            if a.len() != b.len() {
                return Err(err(
                    IrError::invalid(func, format!("axis lists {a:?} and {b:?} differ in length")),
                    at,
                ));
            }
            let a = normalize_axes(func, &a, r1).map_err(|e| err(e, at))?;
            let b = normalize_axes(func, &b, r2).map_err(|e| err(e, at))?;
            (a.to_vec(), b.to_vec())
        }
    };
    for (&i, &j) in ax1.iter().zip(&ax2) {
        if x1.shape()[i] != x2.shape()[j] {
            return Err(err(
                IrError::invalid(
                    func,
                    format!(
                        "axis {i} of x1 {:?} (size {}) and axis {j} of x2 {:?} (size {}) \
                         must match",
                        x1.shape(),
                        x1.shape()[i],
                        x2.shape(),
                        x2.shape()[j]
                    ),
                ),
                at,
            ));
        }
    }
    let free1: Vec<usize> = (0..r1).filter(|i| !ax1.contains(i)).collect();
    let free2: Vec<usize> = (0..r2).filter(|i| !ax2.contains(i)).collect();
    let size = |x: &Array, axes: &[usize]| axes.iter().map(|&i| x.shape()[i]).product::<usize>();
    let k = size(x1, &ax1) as i64;
    let perm1: Vec<i64> = free1.iter().chain(&ax1).map(|&i| i as i64).collect();
    let perm2: Vec<i64> = ax2.iter().chain(&free2).map(|&i| i as i64).collect();
    let a = reshape_at(
        func,
        &permute_at(func, x1, &perm1, at)?,
        &[size(x1, &free1) as i64, k],
        at,
    )?;
    let b = reshape_at(
        func,
        &permute_at(func, x2, &perm2, at)?,
        &[k, size(x2, &free2) as i64],
        at,
    )?;
    let out = matmul_at(func, &a, &b, at)?;
    let shape: Vec<i64> = free1
        .iter()
        .map(|&i| x1.shape()[i])
        .chain(free2.iter().map(|&i| x2.shape()[i]))
        .map(|d| d as i64)
        .collect();
    reshape_at(func, &out, &shape, at)
}

/// Dot product of vectors along `axis` (conjugating x1), broadcasting the other axes:
/// an elementwise product fused into a sum, not a library call.
///
/// ```
/// let a = kiln::asarray([[1.0f64, 2.0], [3.0, 4.0]], ())?;
/// let b = kiln::asarray([1.0f64, 10.0], ())?;
/// assert_eq!(kiln::vecdot(&a, &b, -1)?.to_vec::<f64>()?, vec![21.0, 43.0]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn vecdot(x1: &Array, x2: &Array, axis: i64) -> Result<Array> {
    let (func, at) = ("vecdot", Location::caller());
    let (a, b) = promote_pair(func, x1, x2, at)?;
    let shape = broadcast_shapes(func, &[&Shape::new(a.shape()), &Shape::new(b.shape())])
        .map_err(|e| err(e, at))?;
    let rank = shape.rank();
    let ax = kiln_ir::normalize_axis(func, axis, rank).map_err(|e| err(e, at))?;
    // The contracted axis must match before broadcasting (the standard forbids
    // broadcasting it).
    let size_of = |x: &Array| {
        let off = rank - x.ndim();
        (ax >= off).then(|| x.shape()[ax - off])
    };
    if size_of(&a) != size_of(&b) {
        return Err(err(
            IrError::invalid(
                func,
                format!(
                    "axis {axis} must have one size in both operands, got shapes {:?} and {:?}",
                    x1.shape(),
                    x2.shape()
                ),
            ),
            at,
        ));
    }
    let a = if a.dtype().is_complex() {
        crate::conj(&a)?
    } else {
        a
    };
    let prod = crate::multiply(&a, &b)?;
    // In the operands' promoted dtype, as the standard's type promotion says (sum
    // alone would widen int8..int32 to int64); integers wrap as their products do.
    let dtype = prod.dtype();
    crate::sum(&prod, ReduceOpts::new().axis(ax as i64).dtype(dtype))
}

// The rest of the linalg extension. Factorisations (Cholesky, LU, QR, SVD, self-adjoint
// eigen) are `LinalgCall` library nodes, run by faer; everything that is an exact
// composition of existing ops (trace, diagonal, outer, cross, norms, matrix_rank, pinv,
// matrix_power) is built from them here, so it fuses with its neighbours.
//
// dtypes: the standard asks for floating-point input to the factorisations and leaves
// other dtypes open. kiln follows NumPy: integer input is computed in float64 (the
// default float), bool is refused. complex64 and complex128 are supported throughout.

fn invalid(func: &'static str, msg: String, at: Loc) -> Error {
    err(IrError::invalid(func, msg), at)
}

/// Integers as float64, floats as they are; bool is an error naming the argument.
fn to_floating(func: &'static str, arg: &'static str, x: &Array, at: Loc) -> Result<Array> {
    kiln_ir::op::check_category(func, arg, x.dtype(), Category::Numeric).map_err(|e| err(e, at))?;
    if x.dtype().is_integer() {
        cast(func, x, DType::DEFAULT_FLOAT, at)
    } else {
        Ok(x.clone())
    }
}

/// Check that `x` is a stack of matrices `[..., M, N]` (square if asked).
fn check_matrices(func: &'static str, x: &Array, square: bool, at: Loc) -> Result<(usize, usize)> {
    let r = x.ndim();
    if r < 2 {
        return Err(invalid(
            func,
            format!(
                "needs a stack of matrices [..., M, N] (rank ≥ 2), got shape {:?}",
                x.shape()
            ),
            at,
        ));
    }
    let (m, n) = (x.shape()[r - 2], x.shape()[r - 1]);
    if square && m != n {
        return Err(invalid(
            func,
            format!(
                "needs square matrices [..., N, N], got shape {:?}",
                x.shape()
            ),
            at,
        ));
    }
    Ok((m, n))
}

/// `x` checked as a stack of matrices and converted to a floating dtype.
fn floating_matrices(func: &'static str, x: &Array, square: bool, at: Loc) -> Result<Array> {
    check_matrices(func, x, square, at)?;
    to_floating(func, "x", x, at)
}

/// Output `output` of a factorisation.
fn factor(
    func: &'static str,
    call: LinalgCall,
    inputs: &[&Array],
    output: u8,
    at: Loc,
) -> Result<Array> {
    let op = Op::Library {
        call: LibCall::Linalg(call),
        output,
    };
    Array::node(func, op, inputs, at)
}

/// A reduction node over normalised axes (sorted, distinct); sums keep their dtype.
fn reduce(
    func: &'static str,
    op: ReduceOp,
    x: &Array,
    axes: &[usize],
    keepdims: bool,
    at: Loc,
) -> Result<Array> {
    let op = Op::Reduce {
        op,
        axes: axes.iter().copied().collect(),
        keepdims,
        correction_bits: 0,
    };
    Array::node(func, op, &[x], at)
}

/// The largest of magnitudes (x ≥ 0 or NaN) over `axes`: 0 where the axes hold no
/// element (the norm of the empty vector or matrix), as the sum, which is then all
/// zeros, gives it. NumPy's norms give 0 there too.
fn max_magnitude(
    func: &'static str,
    x: &Array,
    axes: &[usize],
    keepdims: bool,
    at: Loc,
) -> Result<Array> {
    let empty = axes.iter().any(|&a| x.shape()[a] == 0);
    let op = if empty { ReduceOp::Sum } else { ReduceOp::Max };
    reduce(func, op, x, axes, keepdims, at)
}

fn binary(
    func: &'static str,
    op: BinaryOp,
    a: &Array,
    b: impl Into<Operand>,
    at: Loc,
) -> Result<Array> {
    crate::elementwise::binary_as(func, op, a.into(), b.into(), at)
}

fn unary(op: UnaryOp, x: &Array, at: Loc) -> Result<Array> {
    crate::elementwise::unary(op, x, at)
}

/// The batch shape `[...]` of a stack of matrices, followed by `tail`.
fn batch_and(x: &Array, tail: &[usize]) -> Vec<usize> {
    let mut s = x.shape()[..x.ndim() - 2].to_vec();
    s.extend_from_slice(tail);
    s
}

fn as_i64(dims: &[usize]) -> Vec<i64> {
    dims.iter().map(|&d| d as i64).collect()
}

/// The conjugate transpose of the last two axes.
fn adjoint(func: &'static str, x: &Array, at: Loc) -> Result<Array> {
    let r = x.ndim() as i64;
    let mut perm: Vec<i64> = (0..r).collect();
    perm.swap(x.ndim() - 2, x.ndim() - 1);
    let t = permute_at(func, x, &perm, at)?;
    if x.dtype().is_complex() {
        unary(UnaryOp::Conj, &t, at)
    } else {
        Ok(t)
    }
}

/// A `shape` array of zeros (or another value) in `dtype`, on `like`'s device.
fn filled(
    func: &'static str,
    value: f64,
    shape: &[usize],
    dtype: DType,
    like: &Array,
    at: Loc,
) -> Result<Array> {
    crate::operand::fill(
        func,
        kiln_ir::Scalar::Float(value),
        Shape::new(shape),
        dtype,
        like.device(),
        at,
    )
}

/// The standard's default relative tolerance for small singular values: max(M, N) · eps
/// of the (real) dtype.
fn default_rtol(m: usize, n: usize, dtype: DType) -> f64 {
    let eps = match dtype.real_part() {
        DType::F32 => f32::EPSILON as f64,
        _ => f64::EPSILON,
    };
    m.max(n) as f64 * eps
}

/// The Cholesky factor of Hermitian positive-definite matrices `[..., N, N]`: lower
/// triangular L with x = L Lᴴ, or upper triangular U = Lᴴ with x = Uᴴ U when `upper`.
/// Only the lower triangle of x is read (as NumPy). A matrix that is not positive
/// definite is an error when computed.
///
/// ```
/// let a = kiln::asarray([[4.0f64, 2.0], [2.0, 5.0]], ())?;
/// let l = kiln::linalg::cholesky(&a, false)?;
/// assert_eq!(l.to_vec::<f64>()?, vec![2.0, 0.0, 1.0, 2.0]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn cholesky(x: &Array, upper: bool) -> Result<Array> {
    let (func, at) = ("cholesky", Location::caller());
    let x = floating_matrices(func, x, true, at)?;
    factor(func, LinalgCall::Cholesky { upper }, &[&x], 0, at)
}

/// Determinants of square matrices `[..., N, N]`, shape `[...]` (by LU with partial
/// pivoting; the determinant of a 0 × 0 matrix is 1).
///
/// ```
/// let a = kiln::asarray([[1.0f64, 2.0], [3.0, 4.0]], ())?;
/// assert!((kiln::linalg::det(&a)?.item::<f64>()? + 2.0).abs() < 1e-12);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn det(x: &Array) -> Result<Array> {
    let (func, at) = ("det", Location::caller());
    let x = floating_matrices(func, x, true, at)?;
    factor(func, LinalgCall::Det, &[&x], 0, at)
}

/// What [`eigh`] returns (NumPy's `EighResult`).
#[derive(Clone, Debug)]
pub struct EighResult {
    /// `[..., N]`, ascending, in the real dtype of x.
    pub eigenvalues: Array,
    /// `[..., N, N]`: column i is the unit eigenvector of eigenvalue i.
    pub eigenvectors: Array,
}

/// Eigenvalues and eigenvectors of Hermitian (real symmetric) matrices `[..., N, N]`,
/// reading the lower triangle.
///
/// ```
/// let a = kiln::asarray([[2.0f64, 1.0], [1.0, 2.0]], ())?;
/// let e = kiln::linalg::eigh(&a)?;
/// let w = e.eigenvalues.to_vec::<f64>()?;
/// assert!((w[0] - 1.0).abs() < 1e-12 && (w[1] - 3.0).abs() < 1e-12);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn eigh(x: &Array) -> Result<EighResult> {
    let (func, at) = ("eigh", Location::caller());
    let x = floating_matrices(func, x, true, at)?;
    let call = LinalgCall::Eigh { vectors: true };
    Ok(EighResult {
        eigenvalues: factor(func, call, &[&x], 0, at)?,
        eigenvectors: factor(func, call, &[&x], 1, at)?,
    })
}

/// Eigenvalues of Hermitian matrices `[..., N, N]`, ascending, `[..., N]` in the real
/// dtype (no eigenvectors are computed).
///
/// ```
/// let a = kiln::asarray([[2.0f64, 0.0], [0.0, -1.0]], ())?;
/// assert_eq!(kiln::linalg::eigvalsh(&a)?.to_vec::<f64>()?, vec![-1.0, 2.0]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn eigvalsh(x: &Array) -> Result<Array> {
    let (func, at) = ("eigvalsh", Location::caller());
    let x = floating_matrices(func, x, true, at)?;
    factor(func, LinalgCall::Eigh { vectors: false }, &[&x], 0, at)
}

/// Inverses of square matrices `[..., N, N]`. A singular matrix (an exactly zero pivot
/// of its LU factorisation) is an error when computed, naming `inv`.
///
/// ```
/// let a = kiln::asarray([[2.0f64, 0.0], [0.0, 4.0]], ())?;
/// assert_eq!(kiln::linalg::inv(&a)?.to_vec::<f64>()?, vec![0.5, 0.0, 0.0, 0.25]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn inv(x: &Array) -> Result<Array> {
    inv_at("inv", x, Location::caller())
}

fn inv_at(func: &'static str, x: &Array, at: Loc) -> Result<Array> {
    let x = floating_matrices(func, x, true, at)?;
    factor(func, LinalgCall::Inv, &[&x], 0, at)
}

/// The `ord` of [`matrix_norm`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MatrixNorm {
    /// Frobenius: the square root of the sum of squared magnitudes (`'fro'`).
    #[default]
    Fro,
    /// Nuclear: the sum of the singular values (`'nuc'`).
    Nuc,
    /// The largest column sum of magnitudes (`1`).
    One,
    /// The smallest column sum of magnitudes (`-1`).
    NegOne,
    /// The largest singular value (`2`).
    Two,
    /// The smallest singular value (`-2`).
    NegTwo,
    /// The largest row sum of magnitudes (`inf`).
    Inf,
    /// The smallest row sum of magnitudes (`-inf`).
    NegInf,
}

/// Matrix norms of `[..., M, N]` over the last two axes, in the real dtype: `[...]`,
/// or `[..., 1, 1]` with `keepdims`. Fro, 1, -1, inf and -inf are sums and maxima of
/// magnitudes (they fuse; Fro squares float32 and complex64 magnitudes in double
/// precision, as `vector_norm` does); 2, -2 and nuc come from the singular values. The norms that
/// take a minimum (-1, -2, -inf) need at least one column, singular value or row; the
/// others are 0 for an empty matrix (the zero map).
///
/// ```
/// use kiln::linalg::{matrix_norm, MatrixNorm};
/// let a = kiln::asarray([[1.0f64, -2.0], [3.0, 4.0]], ())?;
/// assert_eq!(matrix_norm(&a, false, MatrixNorm::One)?.item::<f64>()?, 6.0);
/// assert_eq!(matrix_norm(&a, false, MatrixNorm::Inf)?.item::<f64>()?, 7.0);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn matrix_norm(x: &Array, keepdims: bool, ord: MatrixNorm) -> Result<Array> {
    let (func, at) = ("matrix_norm", Location::caller());
    let x = floating_matrices(func, x, false, at)?;
    let r = x.ndim();
    let (rows, cols) = (r - 2, r - 1);
    // With keepdims the result is [..., 1, 1]; the svd-based ones are [..., 1] here.
    let kept = match ord {
        MatrixNorm::Fro => {
            let (wide, narrow) = widened(func, &x, at)?;
            let a = unary(UnaryOp::Abs, &wide, at)?;
            let sq = unary(UnaryOp::Square, &a, at)?;
            let s = reduce(func, ReduceOp::Sum, &sq, &[rows, cols], true, at)?;
            cast(func, &unary(UnaryOp::Sqrt, &s, at)?, narrow, at)?
        }
        MatrixNorm::One | MatrixNorm::NegOne | MatrixNorm::Inf | MatrixNorm::NegInf => {
            let a = unary(UnaryOp::Abs, &x, at)?;
            let (summed, across) = match ord {
                MatrixNorm::One | MatrixNorm::NegOne => (rows, cols),
                _ => (cols, rows),
            };
            let s = reduce(func, ReduceOp::Sum, &a, &[summed], true, at)?;
            match ord {
                MatrixNorm::One | MatrixNorm::Inf => max_magnitude(func, &s, &[across], true, at)?,
                _ => reduce(func, ReduceOp::Min, &s, &[across], true, at)?,
            }
        }
        MatrixNorm::Two | MatrixNorm::NegTwo | MatrixNorm::Nuc => {
            let (s, narrow) = singular_values_widened(func, &x, at)?;
            let v = match ord {
                MatrixNorm::Two => max_magnitude(func, &s, &[r - 2], true, at)?,
                MatrixNorm::NegTwo => reduce(func, ReduceOp::Min, &s, &[r - 2], true, at)?,
                _ => reduce(func, ReduceOp::Sum, &s, &[r - 2], true, at)?,
            };
            cast(func, &v, narrow, at)?
        }
    };
    let shape = if keepdims {
        batch_and(&x, &[1, 1])
    } else {
        batch_and(&x, &[])
    };
    reshape_at(func, &kept, &as_i64(&shape), at)
}

/// Vector p-norms over `axis` (`()`: the whole array flattened; one axis or several) in
/// the real dtype: `ord` is any real p (sum(|x|^p)^(1/p); 0 counts the nonzero
/// elements), or `f64::INFINITY` / `f64::NEG_INFINITY` for the largest / smallest
/// magnitude. Compositions of abs, powers and reductions: they fuse. float32 and
/// complex64 magnitudes are raised to p in double precision, so a norm overflows
/// only where its own value does (the 2-norm of [3.4e38, 1] is 3.4e38). Over axes that
/// hold no element every norm is 0, but -inf (the smallest of no magnitudes) is an
/// error and a negative p gives inf (0^(1/p)).
///
/// ```
/// let v = kiln::asarray([3.0f64, -4.0], ())?;
/// assert_eq!(kiln::linalg::vector_norm(&v, (), false, 2.0)?.item::<f64>()?, 5.0);
/// assert_eq!(kiln::linalg::vector_norm(&v, (), false, f64::INFINITY)?.item::<f64>()?, 4.0);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn vector_norm(x: &Array, axis: impl Into<AxisArg>, keepdims: bool, ord: f64) -> Result<Array> {
    let (func, at) = ("vector_norm", Location::caller());
    if ord.is_nan() {
        return Err(invalid(
            func,
            "ord must be a number or ±infinity, got NaN".into(),
            at,
        ));
    }
    let x = to_floating(func, "x", x, at)?;
    let axes: Vec<usize> = match axis.into().0 {
        None => (0..x.ndim()).collect(),
        Some(list) => normalize_axes(func, &list, x.ndim())
            .map_err(|e| err(e, at))?
            .to_vec(),
    };
    let a = unary(UnaryOp::Abs, &x, at)?;
    let sum = |y: &Array| reduce(func, ReduceOp::Sum, y, &axes, keepdims, at);
    match ord {
        f64::INFINITY => max_magnitude(func, &a, &axes, keepdims, at),
        f64::NEG_INFINITY => reduce(func, ReduceOp::Min, &a, &axes, keepdims, at),
        0.0 => {
            let nonzero = binary(func, BinaryOp::NotEqual, &a, 0.0, at)?;
            sum(&cast(func, &nonzero, a.dtype(), at)?)
        }
        1.0 => sum(&a),
        p => {
            // Powers of single-precision magnitudes in double precision: |x|^p
            // overflows (or underflows) f32 long before the norm does.
            let (wide, narrow) = widened(func, &x, at)?;
            let a = unary(UnaryOp::Abs, &wide, at)?;
            let norm = if p == 2.0 {
                unary(UnaryOp::Sqrt, &sum(&unary(UnaryOp::Square, &a, at)?)?, at)?
            } else {
                let powered = binary(func, BinaryOp::Pow, &a, p, at)?;
                binary(func, BinaryOp::Pow, &sum(&powered)?, 1.0 / p, at)?
            };
            cast(func, &norm, narrow, at)
        }
    }
}

/// `x` in double precision where it is float32 or complex64, with the real dtype its
/// norm comes back in: the 2-norms and p-norms square (power) magnitudes, and
/// float32's squares overflow from 1.9e19 (the norm of [3.4e38, 1] is 3.4e38, not
/// inf) and underflow below 1e-19.
fn widened(func: &'static str, x: &Array, at: Loc) -> Result<(Array, DType)> {
    Ok(match x.dtype() {
        DType::F32 => (cast(func, x, DType::F64, at)?, DType::F32),
        DType::C64 => (cast(func, x, DType::C128, at)?, DType::F32),
        DType::C128 => (x.clone(), DType::F64),
        d => (x.clone(), d),
    })
}

/// The n-th power of square matrices `[..., N, N]` by repeated squaring with
/// [`matmul`]: n = 0 gives identities, n < 0 powers the inverse (computed in a floating
/// dtype; n ≥ 0 keeps integer dtypes, exactly).
///
/// ```
/// let a = kiln::asarray([[1i64, 1], [1, 0]], ())?;
/// assert_eq!(kiln::linalg::matrix_power(&a, 10)?.to_vec::<i64>()?, vec![89, 55, 55, 34]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn matrix_power(x: &Array, n: i64) -> Result<Array> {
    let (func, at) = ("matrix_power", Location::caller());
    check_matrices(func, x, true, at)?;
    kiln_ir::op::check_category(func, "x", x.dtype(), Category::Numeric).map_err(|e| err(e, at))?;
    if n == 0 {
        let size = x.shape()[x.ndim() - 1];
        let opts = crate::CreateOpts::new().dtype(x.dtype()).device(x.device());
        let eye = crate::eye(size, None, 0, opts)?;
        return broadcast(func, &eye, &Shape::new(x.shape()), at);
    }
    let mut base = if n < 0 {
        inv_at(func, x, at)?
    } else {
        x.clone()
    };
    let mut k = n.unsigned_abs();
    let mut result: Option<Array> = None;
    loop {
        if k & 1 == 1 {
            result = Some(match result {
                None => base.clone(),
                Some(r) => matmul_at(func, &r, &base, at)?,
            });
        }
        k >>= 1;
        if k == 0 {
            break;
        }
        base = matmul_at(func, &base, &base, at)?;
    }
    Ok(result.expect("n ≠ 0 has a set bit"))
}

/// The rank of matrices `[..., M, N]` as int64 `[...]`: the number of singular values
/// above `rtol` times the largest (default `rtol`: max(M, N) · eps of the dtype). A
/// matrix with an infinity or NaN has no rank: computing it is an error naming the
/// matrix of the batch (NumPy raises too).
///
/// ```
/// let a = kiln::asarray([[1.0f64, 2.0], [2.0, 4.0]], ())?;
/// assert_eq!(kiln::linalg::matrix_rank(&a, None)?.item::<i64>()?, 1);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn matrix_rank(x: &Array, rtol: Option<f64>) -> Result<Array> {
    let (func, at) = ("matrix_rank", Location::caller());
    let x = floating_matrices(func, x, false, at)?;
    let (m, n) = check_matrices(func, &x, false, at)?;
    if m.min(n) == 0 {
        return filled(func, 0.0, &batch_and(&x, &[]), DType::I64, &x, at);
    }
    let s = factor(func, LinalgCall::RankValues, &[&x], 0, at)?;
    let largest = reduce(func, ReduceOp::Max, &s, &[s.ndim() - 1], true, at)?;
    let rtol = rtol.unwrap_or_else(|| default_rtol(m, n, x.dtype()));
    let tol = binary(func, BinaryOp::Multiply, &largest, rtol, at)?;
    let above = binary(func, BinaryOp::Greater, &s, &tol, at)?;
    let counts = cast(func, &above, DType::I64, at)?;
    reduce(func, ReduceOp::Sum, &counts, &[s.ndim() - 1], false, at)
}

/// The outer product of two vectors, `[N] × [M] → [N, M]` (a broadcast multiply).
///
/// ```
/// let a = kiln::asarray([1i64, 2], ())?;
/// let b = kiln::asarray([1i64, 10, 100], ())?;
/// let o = kiln::linalg::outer(&a, &b)?;
/// assert_eq!(o.to_vec::<i64>()?, vec![1, 10, 100, 2, 20, 200]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn outer(x1: &Array, x2: &Array) -> Result<Array> {
    let (func, at) = ("outer", Location::caller());
    if x1.ndim() != 1 || x2.ndim() != 1 {
        return Err(invalid(
            func,
            format!(
                "takes two vectors (1-d arrays), got shapes {:?} and {:?}",
                x1.shape(),
                x2.shape()
            ),
            at,
        ));
    }
    let (a, b) = promote_pair(func, x1, x2, at)?;
    let column = reshape_at(func, &a, &[a.size() as i64, 1], at)?;
    let row = reshape_at(func, &b, &[1, b.size() as i64], at)?;
    binary(func, BinaryOp::Multiply, &column, &row, at)
}

/// The Moore–Penrose pseudo-inverse of `[..., M, N]`, `[..., N, M]`: from the thin SVD,
/// V diag(1/s) Uᴴ with the singular values at or below `rtol` times the largest taken
/// as zero (default `rtol`: max(M, N) · eps). A composition of [`svd`], elementwise ops
/// and [`matmul`].
///
/// ```
/// let a = kiln::asarray([[2.0f64, 0.0], [0.0, 0.0]], ())?;
/// assert_eq!(kiln::linalg::pinv(&a, None)?.to_vec::<f64>()?, vec![0.5, 0.0, 0.0, 0.0]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn pinv(x: &Array, rtol: Option<f64>) -> Result<Array> {
    let (func, at) = ("pinv", Location::caller());
    let x = floating_matrices(func, x, false, at)?;
    let (m, n) = check_matrices(func, &x, false, at)?;
    if m.min(n) == 0 {
        return filled(func, 0.0, &batch_and(&x, &[n, m]), x.dtype(), &x, at);
    }
    let call = LinalgCall::Svd {
        full_matrices: false,
    };
    let u = factor(func, call, &[&x], 0, at)?;
    let s = factor(func, call, &[&x], 1, at)?;
    let vh = factor(func, call, &[&x], 2, at)?;
    let k = s.ndim() - 1;
    let largest = reduce(func, ReduceOp::Max, &s, &[k], true, at)?;
    let rtol = rtol.unwrap_or_else(|| default_rtol(m, n, x.dtype()));
    let cutoff = binary(func, BinaryOp::Multiply, &largest, rtol, at)?;
    let kept = binary(func, BinaryOp::Greater, &s, &cutoff, at)?;
    let zeros = filled(func, 0.0, s.shape(), s.dtype(), &s, at)?;
    let recip = unary(UnaryOp::Reciprocal, &s, at)?;
    let s_inv = Array::node(func, Op::Where, &[&kept, &recip, &zeros], at)?;
    // V · diag(1/s): scale column j of V by s_inv[j].
    let s_row = reshape_at(func, &s_inv, &as_i64(&batch_and(&x, &[1, m.min(n)])), at)?;
    let v = binary(
        func,
        BinaryOp::Multiply,
        &adjoint(func, &vh, at)?,
        &s_row,
        at,
    )?;
    matmul_at(func, &v, &adjoint(func, &u, at)?, at)
}

/// How [`qr`] shapes its factors (the standard's `mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum QrMode {
    /// Q `[..., M, K]`, R `[..., K, N]` with K = min(M, N).
    #[default]
    Reduced,
    /// Q `[..., M, M]`, R `[..., M, N]`.
    Complete,
}

/// What [`qr`] returns (NumPy's `QRResult`).
#[derive(Clone, Debug)]
pub struct QrResult {
    /// Orthonormal columns.
    pub q: Array,
    /// Upper triangular (trapezoidal).
    pub r: Array,
}

/// The QR factorisation x = Q R of `[..., M, N]` (Householder, by faer).
///
/// ```
/// use kiln::linalg::{qr, QrMode};
/// let a = kiln::asarray([[3.0f64, 0.0], [4.0, 5.0], [0.0, 0.0]], ())?;
/// let f = qr(&a, QrMode::Reduced)?;
/// assert_eq!((f.q.shape(), f.r.shape()), (&[3usize, 2][..], &[2usize, 2][..]));
/// let back = kiln::matmul(&f.q, &f.r)?.to_vec::<f64>()?;
/// assert!((back[2] - 4.0).abs() < 1e-12);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn qr(x: &Array, mode: QrMode) -> Result<QrResult> {
    let (func, at) = ("qr", Location::caller());
    let x = floating_matrices(func, x, false, at)?;
    let call = LinalgCall::Qr {
        complete: mode == QrMode::Complete,
    };
    Ok(QrResult {
        q: factor(func, call, &[&x], 0, at)?,
        r: factor(func, call, &[&x], 1, at)?,
    })
}

/// What [`slogdet`] returns (NumPy's `SlogdetResult`).
#[derive(Clone, Debug)]
pub struct SlogdetResult {
    /// The sign of the determinant: ±1 or 0 (for complex input, det/|det| or 0), in x's
    /// dtype.
    pub sign: Array,
    /// The natural log of |det| (-inf for a singular matrix), in the real dtype.
    pub logabsdet: Array,
}

/// The sign and log-magnitude of the determinants of `[..., N, N]`, which do not
/// overflow where [`det`] would.
///
/// ```
/// let a = kiln::asarray([[0.0f64, 2.0], [3.0, 0.0]], ())?;
/// let r = kiln::linalg::slogdet(&a)?;
/// assert_eq!(r.sign.item::<f64>()?, -1.0);
/// assert!((r.logabsdet.item::<f64>()? - 6f64.ln()).abs() < 1e-12);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn slogdet(x: &Array) -> Result<SlogdetResult> {
    let (func, at) = ("slogdet", Location::caller());
    let x = floating_matrices(func, x, true, at)?;
    Ok(SlogdetResult {
        sign: factor(func, LinalgCall::Slogdet, &[&x], 0, at)?,
        logabsdet: factor(func, LinalgCall::Slogdet, &[&x], 1, at)?,
    })
}

/// The solution X of x1 X = x2 for square x1 `[..., N, N]`. x2 is either a vector `[N]`
/// (the result is then `[..., N]`) or a stack `[..., N, K]` whose batch axes broadcast
/// with x1's. Dtypes promote (integers compute in float64). A singular x1 is an error
/// when computed, naming `solve`.
///
/// ```
/// let a = kiln::asarray([[2.0f64, 0.0], [0.0, 4.0]], ())?;
/// let b = kiln::asarray([1.0f64, 1.0], ())?;
/// assert_eq!(kiln::linalg::solve(&a, &b)?.to_vec::<f64>()?, vec![0.5, 0.25]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn solve(x1: &Array, x2: &Array) -> Result<Array> {
    let (func, at) = ("solve", Location::caller());
    let (n, _) = check_matrices(func, x1, true, at)?;
    if x2.ndim() == 0
        || (x2.ndim() == 1 && x2.shape()[0] != n)
        || (x2.ndim() >= 2 && x2.shape()[x2.ndim() - 2] != n)
    {
        return Err(invalid(
            func,
            format!(
                "x2 must be [N] or [..., N, K] with N = {n} from x1 {:?}, got shape {:?}",
                x1.shape(),
                x2.shape()
            ),
            at,
        ));
    }
    let (a, b) = promote_pair(func, x1, x2, at)?;
    let a = to_floating(func, "x1", &a, at)?;
    let b = to_floating(func, "x2", &b, at)?;
    let vector = b.ndim() == 1;
    let b = if vector {
        reshape_at(func, &b, &[n as i64, 1], at)?
    } else {
        b
    };
    let batch = broadcast_shapes(
        func,
        &[
            &Shape::new(&a.shape()[..a.ndim() - 2]),
            &Shape::new(&b.shape()[..b.ndim() - 2]),
        ],
    )
    .map_err(|e| err(e, at))?;
    let with = |x: &Array| {
        let mut s = batch.0.clone();
        s.extend_from_slice(&x.shape()[x.ndim() - 2..]);
        broadcast(func, x, &Shape(s), at)
    };
    let (a, b) = (with(&a)?, with(&b)?);
    let out = factor(func, LinalgCall::Solve, &[&a, &b], 0, at)?;
    if vector {
        reshape_at(func, &out, &as_i64(&batch_and(&out, &[n])), at)
    } else {
        Ok(out)
    }
}

/// What [`svd`] returns (NumPy's `SVDResult`).
#[derive(Clone, Debug)]
pub struct SvdResult {
    /// Left singular vectors as columns.
    pub u: Array,
    /// Singular values, descending, in the real dtype.
    pub s: Array,
    /// Right singular vectors as rows (Vᴴ).
    pub vh: Array,
}

/// The singular value decomposition x = U diag(S) Vh of `[..., M, N]`; with
/// `full_matrices` U is `[..., M, M]` and Vh `[..., N, N]`, else `[..., M, K]` and
/// `[..., K, N]` (K = min(M, N)).
///
/// ```
/// let a = kiln::asarray([[3.0f64, 0.0], [0.0, -4.0]], ())?;
/// let f = kiln::linalg::svd(&a, false)?;
/// let s = f.s.to_vec::<f64>()?;
/// assert!((s[0] - 4.0).abs() < 1e-12 && (s[1] - 3.0).abs() < 1e-12);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn svd(x: &Array, full_matrices: bool) -> Result<SvdResult> {
    let (func, at) = ("svd", Location::caller());
    let x = floating_matrices(func, x, false, at)?;
    let call = LinalgCall::Svd { full_matrices };
    Ok(SvdResult {
        u: factor(func, call, &[&x], 0, at)?,
        s: factor(func, call, &[&x], 1, at)?,
        vh: factor(func, call, &[&x], 2, at)?,
    })
}

/// The singular values of `[..., M, N]`, `[..., K]` descending, in the real dtype (no
/// singular vectors are computed).
///
/// ```
/// let a = kiln::asarray([[0.0f64, 2.0], [1.0, 0.0]], ())?;
/// assert_eq!(kiln::linalg::svdvals(&a)?.to_vec::<f64>()?, vec![2.0, 1.0]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn svdvals(x: &Array) -> Result<Array> {
    let (func, at) = ("svdvals", Location::caller());
    let x = floating_matrices(func, x, false, at)?;
    let (s, narrow) = singular_values_widened(func, &x, at)?;
    cast(func, &s, narrow, at)
}

/// The singular values of `x` (floating matrices) computed in double precision, and
/// the real dtype they narrow to: a single-precision SVD overflowed for entries near
/// f32's MAX (the 2-norm of a matrix holding -3.4e38 was inf where it is 3.4e38,
/// conformance seed 8070), and double precision is also the more accurate.
fn singular_values_widened(func: &'static str, x: &Array, at: Loc) -> Result<(Array, DType)> {
    let (wide, narrow) = widened(func, x, at)?;
    Ok((factor(func, LinalgCall::Svdvals, &[&wide], 0, at)?, narrow))
}

/// The sum along the `offset`-th diagonal of each matrix `[..., M, N]` → `[...]`. The
/// result dtype is `dtype`, or as [`crate::sum`]'s (small integers widen to int64 /
/// uint64).
///
/// ```
/// let a = kiln::asarray([[1i32, 2], [3, 4]], ())?;
/// let t = kiln::linalg::trace(&a, 0, None)?;
/// assert_eq!((t.dtype(), t.item::<i64>()?), (kiln::DType::I64, 5));
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn trace(x: &Array, offset: i64, dtype: Option<DType>) -> Result<Array> {
    let (func, at) = ("trace", Location::caller());
    kiln_ir::op::check_category(func, "x", x.dtype(), Category::Numeric).map_err(|e| err(e, at))?;
    let d = diagonal_at(func, x, offset, at)?;
    let d = cast(
        func,
        &d,
        dtype.unwrap_or_else(|| x.dtype().accumulation_dtype()),
        at,
    )?;
    reduce(func, ReduceOp::Sum, &d, &[d.ndim() - 1], false, at)
}

/// The `offset`-th diagonal of each matrix `[..., M, N]` (0: main, > 0 above, < 0
/// below) as `[..., L]`: a view, a stepped slice of the matrices flattened to M·N.
///
/// ```
/// let a = kiln::reshape(&kiln::arange(0, 6, 1, ())?, [2, 3])?;
/// assert_eq!(kiln::linalg::diagonal(&a, 0)?.to_vec::<i64>()?, vec![0, 4]);
/// assert_eq!(kiln::linalg::diagonal(&a, 1)?.to_vec::<i64>()?, vec![1, 5]);
/// assert_eq!(kiln::linalg::diagonal(&a, -1)?.to_vec::<i64>()?, vec![3]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn diagonal(x: &Array, offset: i64) -> Result<Array> {
    diagonal_at("diagonal", x, offset, Location::caller())
}

fn diagonal_at(func: &'static str, x: &Array, offset: i64, at: Loc) -> Result<Array> {
    let (m, n) = check_matrices(func, x, false, at)?;
    let k = offset.unsigned_abs().min(u64::from(u32::MAX)) as usize;
    let (row, col) = if offset >= 0 { (0, k) } else { (k, 0) };
    let len = m.saturating_sub(row).min(n.saturating_sub(col));
    let flat = reshape_at(func, x, &as_i64(&batch_and(x, &[m * n])), at)?;
    let mut dims: SmallVec<[SliceDim; 4]> = flat.shape()[..flat.ndim() - 1]
        .iter()
        .map(|&d| SliceDim {
            start: 0,
            step: 1,
            len: d,
        })
        .collect();
    dims.push(SliceDim {
        start: if len == 0 { 0 } else { row * n + col },
        step: n as isize + 1,
        len,
    });
    Array::node(func, Op::Slice(dims), &[&flat], at)
}

/// Cross products of 3-vectors along `axis` (default in the standard: -1); the other
/// axes broadcast, the vector axis must have size 3 in both inputs.
///
/// ```
/// let x = kiln::asarray([1.0f64, 0.0, 0.0], ())?;
/// let y = kiln::asarray([0.0f64, 1.0, 0.0], ())?;
/// assert_eq!(kiln::linalg::cross(&x, &y, -1)?.to_vec::<f64>()?, vec![0.0, 0.0, 1.0]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn cross(x1: &Array, x2: &Array, axis: i64) -> Result<Array> {
    let (func, at) = ("cross", Location::caller());
    let (a, b) = promote_pair(func, x1, x2, at)?;
    let shape = broadcast_shapes(func, &[&Shape::new(a.shape()), &Shape::new(b.shape())])
        .map_err(|e| err(e, at))?;
    let rank = shape.rank();
    let ax = kiln_ir::normalize_axis(func, axis, rank).map_err(|e| err(e, at))?;
    for (name, x) in [("x1", x1), ("x2", x2)] {
        let off = rank - x.ndim();
        if ax < off || x.shape()[ax - off] != 3 {
            return Err(invalid(
                func,
                format!(
                    "axis {axis} must have size 3 in {name}, got shapes {:?} and {:?}",
                    x1.shape(),
                    x2.shape()
                ),
                at,
            ));
        }
    }
    let (a, b) = (
        broadcast(func, &a, &shape, at)?,
        broadcast(func, &b, &shape, at)?,
    );
    let part = |x: &Array, i: usize| -> Result<Array> {
        let dims = x
            .shape()
            .iter()
            .enumerate()
            .map(|(d, &len)| match d == ax {
                true => SliceDim {
                    start: i,
                    step: 1,
                    len: 1,
                },
                false => SliceDim {
                    start: 0,
                    step: 1,
                    len,
                },
            })
            .collect();
        Array::node(func, Op::Slice(dims), &[x], at)
    };
    // (a × b)_i = a_j b_k - a_k b_j for (i, j, k) the cyclic orders of (0, 1, 2).
    let mut parts = Vec::with_capacity(3);
    for (j, k) in [(1, 2), (2, 0), (0, 1)] {
        let jk = binary(func, BinaryOp::Multiply, &part(&a, j)?, &part(&b, k)?, at)?;
        let kj = binary(func, BinaryOp::Multiply, &part(&a, k)?, &part(&b, j)?, at)?;
        parts.push(binary(func, BinaryOp::Subtract, &jk, &kj, at)?);
    }
    let refs: Vec<&Array> = parts.iter().collect();
    Array::node(func, Op::Concat { axis: ax }, &refs, at)
}
