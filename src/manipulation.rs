//! Views and manipulation: reshape, permute_dims, matrix_transpose, broadcast_to,
//! broadcast_arrays, expand_dims, squeeze, flip, roll, moveaxis, concat, stack, unstack,
//! tile, repeat, diff, astype.
//!
//! Views never copy when computed by a compiler: they are index maps over their input
//! (`Reshape`, `Permute`, `Broadcast`, `Slice` nodes).

use crate::array::Array;
use crate::error::{Error, Result};
use crate::operand::{broadcast, cast};
use crate::options::AxisArg;
use kiln_ir::{
    broadcast_shapes, normalize_axes, normalize_axis, result_type, BinaryOp, DType, IrError, Loc,
    Op, Shape, SliceDim,
};
use smallvec::SmallVec;
use std::panic::Location;

fn err(e: IrError, at: Loc) -> Error {
    Error::build(e, at)
}

/// Resolve a requested shape with at most one -1 against `size` elements.
fn resolve_shape(func: &'static str, x: &Array, shape: &[i64], at: Loc) -> Result<Shape> {
    let unknown: Vec<usize> = (0..shape.len()).filter(|&i| shape[i] == -1).collect();
    if unknown.len() > 1 || shape.iter().any(|&d| d < -1) {
        return Err(err(
            IrError::invalid(
                func,
                format!("shape {shape:?} may hold one -1 and no other negative size"),
            ),
            at,
        ));
    }
    let known: usize = shape
        .iter()
        .filter(|&&d| d >= 0)
        .map(|&d| d as usize)
        .product();
    let mut dims: Vec<usize> = shape.iter().map(|&d| d.max(0) as usize).collect();
    if let Some(&u) = unknown.first() {
        if known == 0 || !x.size().is_multiple_of(known) {
            return Err(err(
                IrError::invalid(
                    func,
                    format!(
                        "cannot reshape an array of shape {:?} ({} elements) to {shape:?}",
                        x.shape(),
                        x.size()
                    ),
                ),
                at,
            ));
        }
        dims[u] = x.size() / known;
    }
    Ok(Shape::from(dims))
}

pub(crate) fn reshape_at(func: &'static str, x: &Array, shape: &[i64], at: Loc) -> Result<Array> {
    let shape = resolve_shape(func, x, shape, at)?;
    if shape.dims() == x.shape() {
        return Ok(x.clone());
    }
    Array::node(func, Op::Reshape(shape), &[x], at)
}

/// The same elements in row-major order under a new shape; one size may be -1.
#[track_caller]
pub fn reshape(x: &Array, shape: impl AsRef<[i64]>) -> Result<Array> {
    reshape_at("reshape", x, shape.as_ref(), Location::caller())
}

pub(crate) fn permute_at(func: &'static str, x: &Array, axes: &[i64], at: Loc) -> Result<Array> {
    let perm: SmallVec<[usize; 4]> = axes
        .iter()
        .map(|&a| normalize_axis(func, a, x.ndim()))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| err(e, at))?;
    if perm.iter().enumerate().all(|(i, &p)| i == p) && perm.len() == x.ndim() {
        return Ok(x.clone());
    }
    Array::node(func, Op::Permute(perm), &[x], at)
}

/// Reorder axes: output axis i is input axis `axes[i]`.
#[track_caller]
pub fn permute_dims(x: &Array, axes: impl AsRef<[i64]>) -> Result<Array> {
    permute_at("permute_dims", x, axes.as_ref(), Location::caller())
}

/// Swap the last two axes (a stack of matrices transposed); rank ≥ 2.
#[track_caller]
pub fn matrix_transpose(x: &Array) -> Result<Array> {
    let at = Location::caller();
    let n = x.ndim();
    if n < 2 {
        return Err(err(
            IrError::invalid(
                "matrix_transpose",
                format!("needs rank ≥ 2, got shape {:?}", x.shape()),
            ),
            at,
        ));
    }
    let mut axes: Vec<i64> = (0..n as i64).collect();
    axes.swap(n - 2, n - 1);
    permute_at("matrix_transpose", x, &axes, at)
}

/// Move axes `source` to positions `destination`, keeping the others in order.
#[track_caller]
pub fn moveaxis(
    x: &Array,
    source: impl Into<AxisArg>,
    destination: impl Into<AxisArg>,
) -> Result<Array> {
    let at = Location::caller();
    let func = "moveaxis";
    let (src, dst) = (
        source.into().0.unwrap_or_default(),
        destination.into().0.unwrap_or_default(),
    );
    if src.len() != dst.len() {
        return Err(err(
            IrError::invalid(
                func,
                format!("source {src:?} and destination {dst:?} differ in length"),
            ),
            at,
        ));
    }
    let n = x.ndim();
    let src = normalize_axes_ordered(func, &src, n, at)?;
    let dst = normalize_axes_ordered(func, &dst, n, at)?;
    let mut order: Vec<i64> = (0..n)
        .filter(|a| !src.contains(a))
        .map(|a| a as i64)
        .collect();
    let mut pairs: Vec<(usize, usize)> = dst.iter().copied().zip(src.iter().copied()).collect();
    pairs.sort_unstable();
    for (d, s) in pairs {
        order.insert(d, s as i64);
    }
    permute_at(func, x, &order, at)
}

fn normalize_axes_ordered(
    func: &'static str,
    axes: &[i64],
    rank: usize,
    at: Loc,
) -> Result<Vec<usize>> {
    normalize_axes(func, axes, rank).map_err(|e| err(e, at))?;
    axes.iter()
        .map(|&a| normalize_axis(func, a, rank).map_err(|e| err(e, at)))
        .collect()
}

/// Broadcast to `shape`: size-1 axes stretch and leading axes are added (a view).
#[track_caller]
pub fn broadcast_to(x: &Array, shape: impl AsRef<[usize]>) -> Result<Array> {
    let at = Location::caller();
    let to = Shape::new(shape.as_ref());
    if !kiln_ir::shape::broadcasts_to(&Shape::new(x.shape()), &to) {
        return Err(err(
            IrError::BroadcastTo {
                func: "broadcast_to",
                from: Shape::new(x.shape()),
                to,
            },
            at,
        ));
    }
    broadcast("broadcast_to", x, &to, at)
}

/// Broadcast arrays against each other.
#[track_caller]
pub fn broadcast_arrays(arrays: &[&Array]) -> Result<Vec<Array>> {
    let at = Location::caller();
    let shapes: Vec<Shape> = arrays.iter().map(|a| Shape::new(a.shape())).collect();
    let refs: Vec<&Shape> = shapes.iter().collect();
    let shape = broadcast_shapes("broadcast_arrays", &refs).map_err(|e| err(e, at))?;
    arrays
        .iter()
        .map(|a| broadcast("broadcast_arrays", a, &shape, at))
        .collect()
}

/// Insert size-1 axes at the given positions of the result.
#[track_caller]
pub fn expand_dims(x: &Array, axis: impl Into<AxisArg>) -> Result<Array> {
    let at = Location::caller();
    let func = "expand_dims";
    let axes = axis.into().0.unwrap_or_else(|| vec![0]);
    let out_rank = x.ndim() + axes.len();
    let axes = normalize_axes(func, &axes, out_rank).map_err(|e| err(e, at))?;
    let mut dims = x.shape().iter().map(|&d| d as i64);
    let shape: Vec<i64> = (0..out_rank)
        .map(|i| {
            if axes.contains(&i) {
                1
            } else {
                dims.next().expect("rank adds up")
            }
        })
        .collect();
    reshape_at(func, x, &shape, at)
}

/// Remove size-1 axes: the given ones (each must have size 1), or all with `()`.
#[track_caller]
pub fn squeeze(x: &Array, axis: impl Into<AxisArg>) -> Result<Array> {
    let at = Location::caller();
    let func = "squeeze";
    let axes: Vec<usize> = match axis.into().0 {
        None => (0..x.ndim()).filter(|&i| x.shape()[i] == 1).collect(),
        Some(list) => normalize_axes(func, &list, x.ndim())
            .map_err(|e| err(e, at))?
            .to_vec(),
    };
    if let Some(&bad) = axes.iter().find(|&&a| x.shape()[a] != 1) {
        return Err(err(
            IrError::invalid(
                func,
                format!(
                    "axis {bad} of shape {:?} has size {}, not 1",
                    x.shape(),
                    x.shape()[bad]
                ),
            ),
            at,
        ));
    }
    let shape: Vec<i64> = (0..x.ndim())
        .filter(|i| !axes.contains(i))
        .map(|i| x.shape()[i] as i64)
        .collect();
    reshape_at(func, x, &shape, at)
}

/// Reverse the order of elements along the given axes (all with `()`): a view.
#[track_caller]
pub fn flip(x: &Array, axis: impl Into<AxisArg>) -> Result<Array> {
    let at = Location::caller();
    let func = "flip";
    let axes: Vec<usize> = match axis.into().0 {
        None => (0..x.ndim()).collect(),
        Some(list) => normalize_axes(func, &list, x.ndim())
            .map_err(|e| err(e, at))?
            .to_vec(),
    };
    if axes.is_empty() || x.size() == 0 {
        return Ok(x.clone());
    }
    let dims = x
        .shape()
        .iter()
        .enumerate()
        .map(|(i, &n)| match axes.contains(&i) {
            true => SliceDim {
                start: n - 1,
                step: -1,
                len: n,
            },
            false => SliceDim {
                start: 0,
                step: 1,
                len: n,
            },
        })
        .collect();
    Array::node(func, Op::Slice(dims), &[x], at)
}

/// A contiguous range `[start, start + len)` of one axis.
fn axis_range(
    func: &'static str,
    x: &Array,
    axis: usize,
    start: usize,
    len: usize,
    at: Loc,
) -> Result<Array> {
    let dims = x
        .shape()
        .iter()
        .enumerate()
        .map(|(i, &n)| match i == axis {
            true => SliceDim {
                start: if len == 0 { 0 } else { start },
                step: 1,
                len,
            },
            false => SliceDim {
                start: 0,
                step: 1,
                len: n,
            },
        })
        .collect();
    Array::node(func, Op::Slice(dims), &[x], at)
}

/// Shift elements along axes, wrapping around; with `()` as axis the array is
/// flattened, rolled and reshaped back. `shift` has one entry per axis (or one for all).
#[track_caller]
pub fn roll(x: &Array, shift: impl AsRef<[i64]>, axis: impl Into<AxisArg>) -> Result<Array> {
    let at = Location::caller();
    let func = "roll";
    let shift = shift.as_ref();
    match axis.into().0 {
        None => {
            let [s] = shift else {
                return Err(err(
                    IrError::invalid(func, "without axes, shift must be one number"),
                    at,
                ));
            };
            let flat = reshape_at(func, x, &[x.size() as i64], at)?;
            let rolled = roll_axis(func, &flat, *s, 0, at)?;
            let shape: Vec<i64> = x.shape().iter().map(|&d| d as i64).collect();
            reshape_at(func, &rolled, &shape, at)
        }
        Some(axes) => {
            let shifts: Vec<i64> = match (shift.len(), axes.len()) {
                (1, n) => vec![shift[0]; n],
                (a, b) if a == b => shift.to_vec(),
                _ => {
                    return Err(err(
                        IrError::invalid(
                            func,
                            format!("shift {shift:?} and axes {axes:?} differ in length"),
                        ),
                        at,
                    ))
                }
            };
            let mut y = x.clone();
            for (&a, &s) in axes.iter().zip(&shifts) {
                let a = normalize_axis(func, a, x.ndim()).map_err(|e| err(e, at))?;
                y = roll_axis(func, &y, s, a, at)?;
            }
            Ok(y)
        }
    }
}

fn roll_axis(func: &'static str, x: &Array, shift: i64, axis: usize, at: Loc) -> Result<Array> {
    let n = x.shape()[axis];
    if n == 0 {
        return Ok(x.clone());
    }
    let s = shift.rem_euclid(n as i64) as usize;
    if s == 0 {
        return Ok(x.clone());
    }
    let tail = axis_range(func, x, axis, n - s, s, at)?;
    let head = axis_range(func, x, axis, 0, n - s, at)?;
    Array::node(func, Op::Concat { axis }, &[&tail, &head], at)
}

/// Join arrays along an existing axis (`()`: flatten each first). Dtypes promote.
#[track_caller]
pub fn concat(arrays: &[&Array], axis: impl Into<AxisArg>) -> Result<Array> {
    concat_at("concat", arrays, axis.into(), Location::caller())
}

fn concat_at(func: &'static str, arrays: &[&Array], axis: AxisArg, at: Loc) -> Result<Array> {
    let Some(first) = arrays.first() else {
        return Err(err(IrError::invalid(func, "needs at least one array"), at));
    };
    let dtypes: Vec<DType> = arrays.iter().map(|a| a.dtype()).collect();
    let dtype = result_type(&dtypes).ok_or_else(|| {
        let names: Vec<&str> = dtypes.iter().map(|d| d.name()).collect();
        err(
            IrError::invalid(
                func,
                format!(
                    "the Array API defines no common dtype of [{}]",
                    names.join(", ")
                ),
            ),
            at,
        )
    })?;
    let (axis, parts): (usize, Vec<Array>) = match axis.0.as_deref() {
        None => (
            0,
            arrays
                .iter()
                .map(|a| reshape_at(func, a, &[a.size() as i64], at))
                .collect::<Result<_>>()?,
        ),
        Some([a]) => {
            if let Some(bad) = arrays.iter().find(|a| a.ndim() != first.ndim()) {
                return Err(err(
                    IrError::invalid(
                        func,
                        format!(
                            "arrays differ in rank: {:?} and {:?}",
                            first.shape(),
                            bad.shape()
                        ),
                    ),
                    at,
                ));
            }
            let a = normalize_axis(func, *a, first.ndim()).map_err(|e| err(e, at))?;
            (a, arrays.iter().map(|x| (*x).clone()).collect())
        }
        Some(many) => {
            return Err(err(
                IrError::invalid(func, format!("takes one axis, got {many:?}")),
                at,
            ))
        }
    };
    let parts: Vec<Array> = parts
        .iter()
        .map(|p| cast(func, p, dtype, at))
        .collect::<Result<_>>()?;
    if parts.len() == 1 {
        return Ok(parts[0].clone());
    }
    let refs: Vec<&Array> = parts.iter().collect();
    Array::node(func, Op::Concat { axis }, &refs, at)
}

/// Join arrays of one shape along a new axis.
#[track_caller]
pub fn stack(arrays: &[&Array], axis: i64) -> Result<Array> {
    let at = Location::caller();
    let func = "stack";
    let Some(first) = arrays.first() else {
        return Err(err(IrError::invalid(func, "needs at least one array"), at));
    };
    if let Some(bad) = arrays.iter().find(|a| a.shape() != first.shape()) {
        return Err(err(
            IrError::invalid(
                func,
                format!(
                    "arrays must share one shape, got {:?} and {:?}",
                    first.shape(),
                    bad.shape()
                ),
            ),
            at,
        ));
    }
    let a = normalize_axis(func, axis, first.ndim() + 1).map_err(|e| err(e, at))?;
    let mut shape: Vec<i64> = first.shape().iter().map(|&d| d as i64).collect();
    shape.insert(a, 1);
    let parts: Vec<Array> = arrays
        .iter()
        .map(|x| reshape_at(func, x, &shape, at))
        .collect::<Result<_>>()?;
    let refs: Vec<&Array> = parts.iter().collect();
    concat_at(func, &refs, AxisArg(Some(vec![a as i64])), at)
}

/// Convert to another dtype. Complex → real is refused (it would drop the imaginary
/// part silently); float → int truncates toward zero and saturates, NaN → 0.
#[track_caller]
pub fn astype(x: &Array, dtype: DType) -> Result<Array> {
    let at = Location::caller();
    if !x.dtype().can_astype(dtype) {
        return Err(err(
            IrError::invalid(
                "astype",
                format!(
                    "cannot convert {} to {dtype}: take real() or abs() first",
                    x.dtype()
                ),
            ),
            at,
        ));
    }
    cast("astype", x, dtype, at)
}

/// Split an array into the slices along `axis` (which disappears): `unstack` of the
/// standard, as views.
///
/// ```
/// let x = kiln::asarray([[1i64, 2], [3, 4]], ())?;
/// let rows = kiln::unstack(&x, 0)?;
/// assert_eq!(rows[1].to_vec::<i64>()?, vec![3, 4]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn unstack(x: &Array, axis: i64) -> Result<Vec<Array>> {
    let (func, at) = ("unstack", Location::caller());
    if x.ndim() == 0 {
        return Err(err(
            IrError::invalid(func, "needs an array of rank ≥ 1, got a 0-d array"),
            at,
        ));
    }
    let a = normalize_axis(func, axis, x.ndim()).map_err(|e| err(e, at))?;
    let shape: Vec<i64> = (0..x.ndim())
        .filter(|&i| i != a)
        .map(|i| x.shape()[i] as i64)
        .collect();
    (0..x.shape()[a])
        .map(|i| reshape_at(func, &axis_range(func, x, a, i, 1, at)?, &shape, at))
        .collect()
}

/// Stretch each axis `i` of `x`, reshaped to `[1, n_i]`, to `[r_i, n_i]` and merge the
/// pair: the copies of `tile` (`outer = true`) or the repeats of `repeat`.
fn replicate(func: &'static str, x: &Array, reps: &[usize], outer: bool, at: Loc) -> Result<Array> {
    let mut split = Vec::with_capacity(2 * x.ndim());
    let mut wide = Vec::with_capacity(2 * x.ndim());
    let mut merged = Vec::with_capacity(x.ndim());
    for (&n, &r) in x.shape().iter().zip(reps) {
        let (s, w) = if outer {
            ([1, n], [r, n])
        } else {
            ([n, 1], [n, r])
        };
        split.extend(s.map(|d| d as i64));
        wide.extend(w);
        let size = n.checked_mul(r).and_then(|m| i64::try_from(m).ok());
        merged.push(size.ok_or_else(|| {
            let msg = format!("{r} repetitions of an axis of {n} elements are too many");
            err(IrError::invalid(func, msg), at)
        })?);
    }
    let x = reshape_at(func, x, &split, at)?;
    let x = broadcast(func, &x, &Shape::new(&wide), at)?;
    reshape_at(func, &x, &merged, at)
}

/// Repeat the whole array `repetitions[i]` times along axis `i` (`tile` of the
/// standard: a shorter list applies to the last axes, a longer one adds leading axes).
///
/// ```
/// let x = kiln::asarray([1i64, 2], ())?;
/// assert_eq!(kiln::tile(&x, [2])?.to_vec::<i64>()?, vec![1, 2, 1, 2]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn tile(x: &Array, repetitions: impl AsRef<[usize]>) -> Result<Array> {
    let (func, at) = ("tile", Location::caller());
    let reps = repetitions.as_ref();
    let rank = x.ndim().max(reps.len());
    let mut shape = vec![1i64; rank - x.ndim()];
    shape.extend(x.shape().iter().map(|&d| d as i64));
    let mut all = vec![1usize; rank - reps.len()];
    all.extend_from_slice(reps);
    let x = reshape_at(func, x, &shape, at)?;
    replicate(func, &x, &all, true, at)
}

/// How many times `repeat` repeats each element: one count for all, or one per element
/// along the axis (an integer array).
#[derive(Clone)]
pub enum Repeats {
    /// Every element repeated this many times (the result is a view).
    Count(usize),
    /// A 1-D integer array of non-negative counts, one per element along the axis (or
    /// one for all). Its values decide the result's length, so `repeat` computes it.
    Each(Array),
}

impl From<usize> for Repeats {
    fn from(n: usize) -> Self {
        Repeats::Count(n)
    }
}
impl From<i32> for Repeats {
    /// A negative count becomes an error at the call (`repeat` checks it).
    fn from(n: i32) -> Self {
        Repeats::Count(usize::try_from(n).unwrap_or(usize::MAX))
    }
}
impl From<&Array> for Repeats {
    fn from(a: &Array) -> Self {
        Repeats::Each(a.clone())
    }
}
impl From<Array> for Repeats {
    fn from(a: Array) -> Self {
        Repeats::Each(a)
    }
}

/// Repeat each element along `axis` (`None`: of the flattened array): `repeat` of the
/// standard. A count repeats every element alike and is a view; an integer array gives
/// each element its own count, which makes the output's size depend on values: the
/// counts are evaluated (a graph boundary, as for `nonzero`) and `x` is gathered lazily.
///
/// ```
/// let x = kiln::asarray([1i64, 2], ())?;
/// assert_eq!(kiln::repeat(&x, 2, None)?.to_vec::<i64>()?, vec![1, 1, 2, 2]);
/// let counts = kiln::asarray([0i64, 3], ())?;
/// assert_eq!(kiln::repeat(&x, &counts, None)?.to_vec::<i64>()?, vec![2, 2, 2]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn repeat(x: &Array, repeats: impl Into<Repeats>, axis: Option<i64>) -> Result<Array> {
    let (func, at) = ("repeat", Location::caller());
    let (x, a) = match axis {
        None => (reshape_at(func, x, &[-1], at)?, 0),
        Some(axis) => {
            let a = normalize_axis(func, axis, x.ndim()).map_err(|e| err(e, at))?;
            (x.clone(), a)
        }
    };
    match repeats.into() {
        // `From<i32>`'s mark of a negative count (as a real count, far too many).
        Repeats::Count(usize::MAX) => Err(err(
            IrError::invalid(func, "repeats must be non-negative (and below usize::MAX)"),
            at,
        )),
        Repeats::Count(n) => {
            let reps: Vec<usize> = (0..x.ndim()).map(|i| if i == a { n } else { 1 }).collect();
            replicate(func, &x, &reps, false, at)
        }
        Repeats::Each(counts) => repeat_each(func, &x, &counts, a, at),
    }
}

fn repeat_each(func: &'static str, x: &Array, counts: &Array, a: usize, at: Loc) -> Result<Array> {
    let n = x.shape()[a];
    if !counts.dtype().is_integer() || counts.ndim() != 1 || ![1, n].contains(&counts.shape()[0]) {
        return Err(err(
            IrError::invalid(
                func,
                format!(
                    "repeats must be a 1-D integer array of length 1 or {n} (the axis), got {} {:?}",
                    counts.dtype(),
                    counts.shape()
                ),
            ),
            at,
        ));
    }
    let c: Vec<i64> = astype(counts, DType::I64)?.compute()?.to_vec()?;
    if let Some(bad) = c.iter().find(|&&r| r < 0) {
        return Err(err(
            IrError::invalid(func, format!("repeats must be non-negative, got {bad}")),
            at,
        ));
    }
    let count = |i: usize| c[if c.len() == 1 { 0 } else { i }] as usize;
    // The gathered length must be an array's, and its index one the allocator can
    // give: checked before the index is built (the result's own size is `take`'s).
    let total = (0..n).try_fold(0usize, |t, i| t.checked_add(count(i)));
    let bytes = total.and_then(|t| t.checked_mul(DType::I64.size_bytes()));
    let mut index: Vec<i64> = Vec::new();
    if bytes.is_none_or(|b| b > isize::MAX as usize)
        || index.try_reserve_exact(total.unwrap_or(0)).is_err()
    {
        let msg = format!("the repeats sum to more elements than one array can hold (axis of {n})");
        return Err(err(IrError::invalid(func, msg), at));
    }
    index.extend((0..n).flat_map(|i| std::iter::repeat_n(i as i64, count(i))));
    let len = index.len();
    let index = crate::creation::derived_constant(
        func,
        kiln_ir::Data::I64(index),
        Shape::new(&[len]),
        x.device(),
        at,
    )?;
    crate::take(x, &index, a as i64)
}

/// The `n`-th discrete difference along `axis`: `out[i] = x[i + 1] - x[i]`, applied `n`
/// times, after joining `prepend` and `append` to `x` along that axis (`diff` of the
/// standard; bool arrays differ by `not_equal`, as NumPy does).
///
/// ```
/// let x = kiln::asarray([1i64, 4, 9, 16], ())?;
/// assert_eq!(kiln::diff(&x, -1, 1, None, None)?.to_vec::<i64>()?, vec![3, 5, 7]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn diff(
    x: &Array,
    axis: i64,
    n: usize,
    prepend: Option<&Array>,
    append: Option<&Array>,
) -> Result<Array> {
    let (func, at) = ("diff", Location::caller());
    if x.ndim() == 0 {
        return Err(err(
            IrError::invalid(func, "needs an array of rank ≥ 1, got a 0-d array"),
            at,
        ));
    }
    let a = normalize_axis(func, axis, x.ndim()).map_err(|e| err(e, at))?;
    let parts: Vec<&Array> = prepend.into_iter().chain([x]).chain(append).collect();
    let mut x = if parts.len() > 1 {
        concat_at(func, &parts, AxisArg(Some(vec![a as i64])), at)?
    } else {
        x.clone()
    };
    for _ in 0..n {
        let len = x.shape()[a];
        if len == 0 {
            break;
        }
        let hi = axis_range(func, &x, a, 1, len - 1, at)?;
        let lo = axis_range(func, &x, a, 0, len - 1, at)?;
        let op = if x.dtype() == DType::Bool {
            BinaryOp::NotEqual
        } else {
            BinaryOp::Subtract
        };
        x = crate::elementwise::binary_as(func, op, hi.into(), lo.into(), at)?;
    }
    Ok(x)
}
