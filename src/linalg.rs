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
use crate::operand::{broadcast, cast, promote_arrays};
use crate::options::ReduceOpts;
use kiln_ir::{broadcast_shapes, normalize_axes, Category, IrError, LibCall, Loc, Op, Shape};
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
    crate::sum(&prod, ReduceOpts::new().axis(ax as i64))
}
