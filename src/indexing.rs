//! Basic indexing (the standard's "Indexing" section): integers, slices with steps
//! (negative too), `NewAxis` and `Ellipsis`, written with the [`s!`](crate::s) macro:
//!
//! ```
//! use kiln::{s, NewAxis};
//! let x = kiln::reshape(&kiln::arange(0, 24, 1, ())?, [2, 3, 4])?;
//! let y = x.slice(s![1, .., 0..4;-2])?;        // elements 3, 1 of the last axis: [3, 2]
//! let z = x.slice(s![kiln::Ellipsis, NewAxis])?; // shape [2, 3, 4, 1]
//! assert_eq!(y.shape(), &[3, 2]);
//! assert_eq!(z.shape(), &[2, 3, 4, 1]);
//! # Ok::<(), kiln::Error>(())
//! ```
//!
//! The result is a view (one `Slice` node and a `Reshape`). An integer index outside
//! the axis is an error at the call, not undefined behaviour.

use crate::array::Array;
use crate::error::{Error, Result};
use crate::manipulation::reshape_at;
use kiln_ir::{IrError, Loc, Op, SliceDim};
use std::ops::{Range, RangeFrom, RangeFull, RangeInclusive, RangeTo, RangeToInclusive};
use std::panic::Location;

/// Insert a new axis of size 1 (NumPy's `None` / `np.newaxis`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewAxis;

/// Stand for as many full slices as needed (Python's `...`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ellipsis;

/// One entry of an index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SliceArg {
    /// Pick one position (negative counts from the end); the axis is dropped.
    Index(i64),
    /// A Rust range `start..end` with a step, as ndarray's `s!` reads it: first the
    /// range is taken (bounds clamp, negative bounds count from the end), then the step
    /// walks it, from its first element if positive, from its last if negative. So
    /// `..;-1` reverses an axis and no range is ever written backwards.
    Span {
        /// First position of the range (`None`: the axis' start).
        start: Option<i64>,
        /// Position just past the range (`None`: the axis' end).
        end: Option<i64>,
        /// Distance between taken elements: forward from the range's first element if
        /// positive, backward from its last if negative; 0 is an error.
        step: i64,
    },
    /// Python's `start:stop:step`, with Python's meaning for a negative step
    /// (`x[3:0:-1]` is elements 3, 2, 1): see [`SliceArg::python`].
    Range {
        /// Where the walk starts (`None`: the first element for a positive step, the
        /// last for a negative one).
        start: Option<i64>,
        /// Where it stops, excluded (`None`: after the last element in the step's
        /// direction).
        stop: Option<i64>,
        /// Distance between taken elements; negative walks backward; 0 is an error.
        step: i64,
    },
    /// Insert an axis of size 1 here (see [`NewAxis`]).
    NewAxis,
    /// As many full slices as the axes not otherwise indexed (see [`Ellipsis`]); at
    /// most one per index.
    Ellipsis,
}

impl SliceArg {
    /// Set the step of a range (`s![a..b;step]` calls this).
    pub fn step(self, step: i64) -> SliceArg {
        match self {
            SliceArg::Span { start, end, .. } => SliceArg::Span { start, end, step },
            SliceArg::Range { start, stop, .. } => SliceArg::Range { start, stop, step },
            other => other,
        }
    }

    /// Python's slice `start:stop:step` exactly as the standard defines it.
    pub fn python(start: Option<i64>, stop: Option<i64>, step: i64) -> SliceArg {
        SliceArg::Range { start, stop, step }
    }
}

macro_rules! slice_arg_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for SliceArg {
            fn from(i: $t) -> SliceArg { SliceArg::Index(to_i64(i)) }
        }
        impl From<Range<$t>> for SliceArg {
            fn from(r: Range<$t>) -> SliceArg {
                SliceArg::Span { start: Some(to_i64(r.start)), end: Some(to_i64(r.end)), step: 1 }
            }
        }
        impl From<RangeFrom<$t>> for SliceArg {
            fn from(r: RangeFrom<$t>) -> SliceArg {
                SliceArg::Span { start: Some(to_i64(r.start)), end: None, step: 1 }
            }
        }
        impl From<RangeTo<$t>> for SliceArg {
            fn from(r: RangeTo<$t>) -> SliceArg {
                SliceArg::Span { start: None, end: Some(to_i64(r.end)), step: 1 }
            }
        }
        impl From<RangeInclusive<$t>> for SliceArg {
            /// `a..=b` includes b (so `0..=-1` is empty; write `0..` there).
            fn from(r: RangeInclusive<$t>) -> SliceArg {
                SliceArg::Span { start: Some(to_i64(*r.start())), end: Some(to_i64(*r.end()).saturating_add(1)), step: 1 }
            }
        }
        impl From<RangeToInclusive<$t>> for SliceArg {
            fn from(r: RangeToInclusive<$t>) -> SliceArg {
                SliceArg::Span { start: None, end: Some(to_i64(r.end).saturating_add(1)), step: 1 }
            }
        }
    )*};
}
slice_arg_from_int!(i32, i64, isize, usize);

/// An index or bound as i64: a usize beyond i64::MAX becomes i64::MAX, which is past
/// the end of any axis (out of bounds as an index, the end as a bound), never a
/// negative index counting from the end.
fn to_i64(i: impl TryInto<i64>) -> i64 {
    i.try_into().unwrap_or(i64::MAX)
}

impl From<RangeFull> for SliceArg {
    fn from(_: RangeFull) -> SliceArg {
        SliceArg::Span {
            start: None,
            end: None,
            step: 1,
        }
    }
}
impl From<NewAxis> for SliceArg {
    fn from(_: NewAxis) -> SliceArg {
        SliceArg::NewAxis
    }
}
impl From<Ellipsis> for SliceArg {
    fn from(_: Ellipsis) -> SliceArg {
        SliceArg::Ellipsis
    }
}

/// Build an index: `s![1, .., 2..;-1, NewAxis, Ellipsis]`. Each entry is an integer, a
/// Rust range (optionally followed by `;step`), `..`, `NewAxis` or `Ellipsis`.
#[macro_export]
macro_rules! s {
    ($($e:expr $(; $step:expr)?),* $(,)?) => {
        vec![$( $crate::SliceArg::from($e) $(.step($step))? ),*]
    };
}

/// Python's slice.indices(n) followed by the length: (start, step, len).
fn resolve_range(
    start: Option<i64>,
    stop: Option<i64>,
    step: i64,
    n: usize,
) -> (usize, isize, usize) {
    let n = n as i64;
    let norm = |v: i64, lo: i64, hi: i64| {
        let v = if v < 0 { v + n } else { v };
        v.clamp(lo, hi)
    };
    let (start, stop) = if step > 0 {
        (
            start.map_or(0, |v| norm(v, 0, n)),
            stop.map_or(n, |v| norm(v, 0, n)),
        )
    } else {
        (
            start.map_or(n - 1, |v| norm(v, -1, n - 1)),
            stop.map_or(-1, |v| norm(v, -1, n - 1)),
        )
    };
    let len = if step > 0 {
        (stop - start + step - 1).div_euclid(step)
    } else {
        (start - stop - step - 1).div_euclid(-step)
    }
    .max(0);
    let start = if len == 0 { 0 } else { start };
    (start as usize, step as isize, len as usize)
}

/// A Rust range walked by `step` (ndarray's rule): (start, step, len).
fn resolve_span(
    start: Option<i64>,
    end: Option<i64>,
    step: i64,
    n: usize,
) -> (usize, isize, usize) {
    let (a, _, len) = resolve_range(start, end, 1, n);
    let b = a + len;
    let count = len.div_ceil(step.unsigned_abs() as usize);
    match (count, step > 0) {
        (0, _) => (0, step as isize, 0),
        (_, true) => (a, step as isize, count),
        (_, false) => (b - 1, step as isize, count),
    }
}

fn index_at(x: &Array, index: &[SliceArg], at: Loc) -> Result<Array> {
    let func = "slice";
    let err = |m: String| Error::build(IrError::invalid(func, m), at);
    let n_ellipsis = index.iter().filter(|a| **a == SliceArg::Ellipsis).count();
    let n_axes = index
        .iter()
        .filter(|a| !matches!(a, SliceArg::NewAxis | SliceArg::Ellipsis))
        .count();
    if n_ellipsis > 1 {
        return Err(err("an index may hold one Ellipsis".into()));
    }
    if n_axes > x.ndim() {
        return Err(err(format!(
            "{n_axes} indices for an array of rank {} (shape {:?})",
            x.ndim(),
            x.shape()
        )));
    }
    // Expand the ellipsis (or pad at the end) with full slices.
    let full = SliceArg::from(..);
    let mut expanded: Vec<SliceArg> = Vec::new();
    for a in index {
        if *a == SliceArg::Ellipsis {
            expanded.extend(std::iter::repeat_n(full, x.ndim() - n_axes));
        } else {
            expanded.push(*a);
        }
    }
    if n_ellipsis == 0 {
        expanded.extend(std::iter::repeat_n(full, x.ndim() - n_axes));
    }
    let mut dims = Vec::with_capacity(x.ndim());
    let mut out_shape: Vec<i64> = Vec::new();
    let mut axis = 0;
    for a in &expanded {
        match *a {
            SliceArg::NewAxis => out_shape.push(1),
            SliceArg::Index(i) => {
                let n = x.shape()[axis];
                let j = if i < 0 { i + n as i64 } else { i };
                if j < 0 || j >= n as i64 {
                    return Err(err(format!(
                        "index {i} is out of bounds for axis {axis} of size {n} (shape {:?})",
                        x.shape()
                    )));
                }
                dims.push(SliceDim {
                    start: j as usize,
                    step: 1,
                    len: 1,
                });
                axis += 1;
            }
            SliceArg::Range { step: 0, .. } | SliceArg::Span { step: 0, .. } => {
                return Err(err(format!(
                    "slice step cannot be zero (axis {axis} of shape {:?})",
                    x.shape()
                )));
            }
            SliceArg::Range { start, stop, step }
            | SliceArg::Span {
                start,
                end: stop,
                step,
            } => {
                let n = x.shape()[axis];
                let (start, step, len) = match *a {
                    SliceArg::Range { .. } => resolve_range(start, stop, step, n),
                    _ => resolve_span(start, stop, step, n),
                };
                dims.push(SliceDim { start, step, len });
                out_shape.push(len as i64);
                axis += 1;
            }
            SliceArg::Ellipsis => unreachable!("expanded above"),
        }
    }
    let identity = dims
        .iter()
        .zip(x.shape())
        .all(|(d, &n)| d.step == 1 && d.len == n && (d.start == 0 || n == 0));
    let sliced = if identity {
        x.clone()
    } else {
        Array::node(func, Op::Slice(dims.into()), &[x], at)?
    };
    reshape_at(func, &sliced, &out_shape, at)
}

impl Array {
    /// Basic indexing, as `x[...]` in the standard: see [`s!`](crate::s).
    #[track_caller]
    pub fn slice(&self, index: impl AsRef<[SliceArg]>) -> Result<Array> {
        index_at(self, index.as_ref(), Location::caller())
    }
}

#[cfg(test)]
mod tests {
    use super::{resolve_range, resolve_span};

    #[test]
    fn spans_walk_rust_ranges_from_either_end() {
        assert_eq!(resolve_span(None, None, -1, 5), (4, -1, 5));
        assert_eq!(resolve_span(Some(0), Some(4), -2, 5), (3, -2, 2));
        assert_eq!(resolve_span(Some(1), Some(5), 2, 5), (1, 2, 2));
        assert_eq!(resolve_span(Some(-2), None, -1, 5), (4, -1, 2));
        assert_eq!(resolve_span(Some(3), Some(1), 1, 5), (0, 1, 0));
    }

    #[test]
    fn ranges_follow_python_slice_rules() {
        assert_eq!(resolve_range(None, None, 1, 5), (0, 1, 5));
        assert_eq!(resolve_range(None, None, -1, 5), (4, -1, 5));
        assert_eq!(resolve_range(Some(-2), None, 1, 5), (3, 1, 2));
        assert_eq!(resolve_range(Some(3), Some(0), -2, 5), (3, -2, 2));
        assert_eq!(resolve_range(Some(10), None, 1, 5), (0, 1, 0));
        assert_eq!(resolve_range(None, Some(-10), -1, 5), (4, -1, 5));
        assert_eq!(resolve_range(Some(1), Some(1), 1, 5), (0, 1, 0));
        assert_eq!(resolve_range(None, None, 2, 0), (0, 2, 0));
    }
}
