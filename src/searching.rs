//! Searching and data-dependent indexing: `take`, `take_along_axis` (gathers whose
//! indices are data, `LibCall::Index` nodes), `count_nonzero` (a composition), and
//! `nonzero` and `mask_select` (boolean-mask indexing), whose output shapes depend on
//! values.
//!
//! kiln's graph is statically shaped, so a function whose output shape depends on
//! values is an explicit graph boundary: it computes what decides the shape (`x != 0`,
//! the mask) as `compute()` does, in the default mode (`default_mode`: `with_mode`'s,
//! else `KILN_MODE`'s), and continues from host data. See
//! "Data-dependent shapes" in docs/architecture.md.

use crate::array::{eval, Array};
use crate::elementwise::binary;
use crate::error::{Error, Result};
use crate::manipulation::reshape_at;
use crate::operand::{broadcast, cast};
use crate::options::{AxisArg, ReduceOpts};
use kiln_ir::library::IndexCall;
use kiln_ir::{
    normalize_axes, normalize_axis, BinaryOp, Category, DType, Data, Device, IrError, LibCall, Loc,
    Op, ReduceOp, Scalar, Shape,
};
use std::panic::Location;

fn err(e: IrError, at: Loc) -> Error {
    Error::build(e, at)
}

/// A constant array holding host data: how a data-dependent result enters the graph.
pub(crate) fn constant_at(
    func: &'static str,
    data: Data,
    shape: &[usize],
    device: Device,
    at: Loc,
) -> Result<Array> {
    crate::creation::derived_constant(func, data, Shape::new(shape), device, at)
}

/// `x != 0` (`!= false` for bool): what the standard calls nonzero, complex numbers
/// included (either part nonzero), NaN included.
fn is_nonzero(x: &Array, at: Loc) -> Result<Array> {
    let zero = if x.dtype() == DType::Bool {
        Scalar::Bool(false)
    } else {
        Scalar::Int(0)
    };
    binary(BinaryOp::NotEqual, x.into(), zero.into(), at)
}

/// `f` of a computed bool array's values.
fn with_mask<R>(func: &'static str, mask: &Array, f: impl FnOnce(&[bool]) -> R) -> Result<R> {
    let data = mask.data(func)?;
    let values = <bool as kiln_ir::Element>::slice(&data).ok_or_else(|| Error::Data {
        func,
        msg: format!("expected a bool mask, got {}", mask.dtype()),
    })?;
    Ok(f(values))
}

pub(crate) fn take_at(
    func: &'static str,
    x: &Array,
    indices: &Array,
    axis: usize,
    at: Loc,
) -> Result<Array> {
    let op = Op::Library {
        call: LibCall::Index(IndexCall::Take { axis }),
        output: 0,
    };
    Array::node(func, op, &[x, indices], at)
}

/// The slices of `x` at `indices` along an axis: the standard's `take`, which is also
/// integer-array indexing along one axis (`x[:, idx]` is `take(&x, &idx, 1)`).
/// `indices` is 1-D of any integer dtype; a negative index counts from the end. The
/// axis may be omitted (`()`) only for 1-D `x`. The result has x's shape with the axis
/// resized to the number of indices. An index outside the axis is an error when the
/// array is computed, naming the index, the axis and its size.
///
/// ```
/// let x = kiln::reshape(&kiln::arange(0, 6, 1, ())?, [2, 3])?;
/// let idx = kiln::asarray([2i64, -3, 2], ())?;
/// let y = kiln::take(&x, &idx, 1)?;
/// assert_eq!(y.to_vec::<i64>()?, vec![2, 0, 2, 5, 3, 5]);
/// let bad = kiln::take(&x, &kiln::asarray([3i32], ())?, 1)?;
/// assert!(bad.compute().is_err());
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn take(x: &Array, indices: &Array, axis: impl Into<AxisArg>) -> Result<Array> {
    let (func, at) = ("take", Location::caller());
    let fail = |msg: String| Err(err(IrError::invalid(func, msg), at));
    let axis = match (axis.into().0.as_deref(), x.ndim()) {
        (_, 0) => return fail("x must have at least one axis, got a 0-d array".into()),
        (None, 1) => 0,
        (None, n) => return fail(format!("x has rank {n}: name the axis to take along")),
        (Some(&[a]), n) => normalize_axis(func, a, n).map_err(|e| err(e, at))?,
        (Some(many), _) => return fail(format!("takes one axis, got {many:?}")),
    };
    take_at(func, x, indices, axis, at)
}

/// Pick along an axis with an index array of x's rank: `out[.., j, ..] = x[..,
/// indices[.., j, ..], ..]`, the standard's `take_along_axis` (the inverse of
/// `argsort`: `take_along_axis(x, argsort(x, a), a)` sorts x along a). The other axes of
/// x and `indices` broadcast; the result has their broadcast shape with the axis sized
/// as in `indices`. Negative indices count from the end; one outside the axis is an
/// error when the array is computed.
///
/// ```
/// let x = kiln::asarray([[10.0f32, 30.0, 20.0], [5.0, 4.0, 6.0]], ())?;
/// let i = kiln::argsort(&x, 1)?;
/// let sorted = kiln::take_along_axis(&x, &i, 1)?;
/// assert_eq!(sorted.to_vec::<f32>()?, vec![10.0, 20.0, 30.0, 4.0, 5.0, 6.0]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn take_along_axis(x: &Array, indices: &Array, axis: i64) -> Result<Array> {
    let (func, at) = ("take_along_axis", Location::caller());
    if x.ndim() != indices.ndim() || x.ndim() == 0 {
        return Err(err(
            IrError::invalid(
                func,
                format!(
                    "x and indices must have one rank of at least 1, got shapes {:?} and {:?}",
                    x.shape(),
                    indices.shape()
                ),
            ),
            at,
        ));
    }
    let axis = normalize_axis(func, axis, x.ndim()).map_err(|e| err(e, at))?;
    // Broadcast every axis but `axis`, which each operand keeps.
    let (mut xs, mut is) = (x.shape().to_vec(), indices.shape().to_vec());
    for k in (0..xs.len()).filter(|&k| k != axis) {
        let size = match (xs[k], is[k]) {
            (a, b) if a == b => a,
            (1, b) => b,
            (a, 1) => a,
            _ => {
                return Err(err(
                    IrError::invalid(
                        func,
                        format!(
                            "x {:?} and indices {:?} do not broadcast on axis {k} (only axis \
                             {axis} may differ)",
                            x.shape(),
                            indices.shape()
                        ),
                    ),
                    at,
                ))
            }
        };
        (xs[k], is[k]) = (size, size);
    }
    let x = broadcast(func, x, &Shape::new(&xs), at)?;
    let indices = broadcast(func, indices, &Shape::new(&is), at)?;
    let op = Op::Library {
        call: LibCall::Index(IndexCall::TakeAlongAxis { axis }),
        output: 0,
    };
    Array::node(func, op, &[&x, &indices], at)
}

/// The number of nonzero elements over axes (all by default), as int64: a sum of
/// `x != 0`, so it fuses (counted in float64, exactly). Options: [`ReduceOpts`] (axes,
/// keepdims).
///
/// ```
/// let x = kiln::asarray([[0.0f64, 2.0, f64::NAN], [0.0, -0.0, 1.0]], ())?;
/// assert_eq!(kiln::count_nonzero(&x, ())?.item::<i64>()?, 3);
/// assert_eq!(kiln::count_nonzero(&x, 1)?.to_vec::<i64>()?, vec![2, 1]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn count_nonzero(x: &Array, opts: impl Into<ReduceOpts>) -> Result<Array> {
    let (func, at) = ("count_nonzero", Location::caller());
    let opts = opts.into();
    if opts.dtype.is_some() || opts.correction != 0.0 {
        return Err(err(
            IrError::invalid(func, "takes only axes and keepdims"),
            at,
        ));
    }
    let axes = match &opts.axis {
        None => (0..x.ndim()).collect(),
        Some(list) => normalize_axes(func, list, x.ndim()).map_err(|e| err(e, at))?,
    };
    // Counted in float64, whose sums of ones are exact below 2^53 (more elements than
    // fit in memory), because float kernels vectorise their sums: 10M f64 elements in
    // 1.6 ms against 5.5 for an int64 count, which runs as a scalar loop there.
    let ones = cast(func, &is_nonzero(x, at)?, DType::F64, at)?;
    let op = Op::Reduce {
        op: ReduceOp::Sum,
        axes,
        keepdims: opts.keepdims,
        correction_bits: 0,
    };
    cast(func, &Array::node(func, op, &[&ones], at)?, DType::I64, at)
}

/// The positions of the nonzero elements (for bool, the true ones), one int64 array
/// per axis of `x`, in row-major order: element `k` of the result `r` is at
/// `x[r[0][k], r[1][k], ...]`. A 0-d `x` is an error (the standard's rule).
///
/// **Graph boundary**: the number of nonzero elements decides the output shape, so this
/// computes `x != 0` now, in the default mode (`default_mode`, set by `with_mode`), and
/// returns constant arrays.
///
/// ```
/// let x = kiln::asarray([[0, 7], [3, 0], [0, 1]], ())?;
/// let idx = kiln::nonzero(&x)?;
/// assert_eq!(idx[0].to_vec::<i64>()?, vec![0, 1, 2]);
/// assert_eq!(idx[1].to_vec::<i64>()?, vec![1, 0, 1]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn nonzero(x: &Array) -> Result<Vec<Array>> {
    let (func, at) = ("nonzero", Location::caller());
    if x.ndim() == 0 {
        return Err(err(
            IrError::invalid(
                func,
                "a 0-d array has no axes to index; reshape it to 1-d first",
            ),
            at,
        ));
    }
    let mask = is_nonzero(x, at)?;
    eval(&[&mask])?;
    let coords = with_mask(func, &mask, |m| {
        kiln_runtime::library::true_coordinates(m, x.shape())
    })?;
    (coords.into_iter())
        .map(|c| {
            let len = c.len();
            constant_at(func, Data::I64(c), &[len], x.device(), at)
        })
        .collect()
}

/// Boolean-mask indexing, `x[mask]` in the standard: the elements (or, for a mask of
/// lower rank, the sub-arrays) of `x` where `mask` is true, in row-major order. The
/// mask is bool and its shape must equal x's leading axes; the result has shape
/// `[count] + x.shape[mask.ndim..]` (a 0-d mask selects all of x, or nothing).
///
/// **Graph boundary** in the mask only: the number of true elements decides the output
/// shape, so the mask is computed (in the default mode, `default_mode`) and counted
/// now; the result is a lazy library step that copies the selected slices of `x`
/// (read once, with the computed mask) and computes `x` first if it is lazy.
///
/// ```
/// let x = kiln::asarray([[1.0f64, 2.0], [3.0, 4.0], [5.0, 6.0]], ())?;
/// let rows = kiln::asarray([true, false, true], ())?;
/// let y = kiln::mask_select(&x, &rows)?;
/// assert_eq!(y.shape(), &[2, 2]);
/// assert_eq!(y.to_vec::<f64>()?, vec![1.0, 2.0, 5.0, 6.0]);
/// let big = kiln::mask_select(&x, &kiln::greater(&x, 3.5)?)?;
/// assert_eq!(big.to_vec::<f64>()?, vec![4.0, 5.0, 6.0]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn mask_select(x: &Array, mask: &Array) -> Result<Array> {
    let (func, at) = ("mask_select", Location::caller());
    kiln_ir::op::check_category(func, "mask", mask.dtype(), Category::Bool)
        .map_err(|e| err(e, at))?;
    let k = mask.ndim();
    if k > x.ndim() || mask.shape() != &x.shape()[..k] {
        return Err(err(
            IrError::invalid(
                func,
                format!(
                    "mask {:?} must have the shape of x's leading axes (x is {:?})",
                    mask.shape(),
                    x.shape()
                ),
            ),
            at,
        ));
    }
    mask.compute()?;
    let count = with_mask(func, mask, kiln_runtime::library::count_true)?;
    // Fold the masked axes into one and keep the slices where the mask is true.
    let m = mask.shape().iter().product::<usize>() as i64;
    let mut folded = vec![m];
    folded.extend(x.shape()[k..].iter().map(|&d| d as i64));
    let x = reshape_at(func, x, &folded, at)?;
    let mask = reshape_at(func, mask, &[m], at)?;
    let op = Op::Library {
        call: LibCall::Index(IndexCall::Compress { count }),
        output: 0,
    };
    Array::node(func, op, &[&x, &mask], at)
}

impl Array {
    /// Method form of [`take`](crate::take).
    #[track_caller]
    pub fn take(&self, indices: &Array, axis: impl Into<AxisArg>) -> Result<Array> {
        take(self, indices, axis)
    }

    /// Method form of [`mask_select`](crate::mask_select): `x[mask]`.
    #[track_caller]
    pub fn mask_select(&self, mask: &Array) -> Result<Array> {
        mask_select(self, mask)
    }
}
