//! Sorting functions of the standard (`sort`, `argsort`) and `searchsorted`: each is one
//! `LibCall::Sort` node after the standard's argument handling (axis normalisation,
//! dtype checks, promotion of searchsorted's operands).
//!
//! Sorts are always stable (`stable: false` permits any order of equal elements, and a
//! stable order is one of them). NaN sorts after every number: last when ascending,
//! first when descending (descending is the exact reverse of the ascending order on
//! values, with ties still in their original order). -0.0 and 0.0 are equal, so they
//! keep their original order too.

use crate::array::Array;
use crate::error::{Error, Result};
use crate::operand::{cast, promote_arrays};
use crate::searching::take_at;
use kiln_ir::library::SortCall;
use kiln_ir::{normalize_axis, Category, IrError, LibCall, Loc, Op};
use std::panic::Location;

pub use kiln_ir::library::sorting::Side;

fn err(e: IrError, at: Loc) -> Error {
    Error::build(e, at)
}

/// Options of [`sort`] and [`argsort`]: the axis (default -1, the last), the direction
/// and stability. Converts from an axis: `kiln::sort(&x, 0)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortOpts {
    /// The axis to sort along; negative counts from the end (default -1, the last).
    pub axis: i64,
    /// Largest first (NaN first too); default `false`, smallest first.
    pub descending: bool,
    /// kiln's sorts are always stable; `false` is accepted as the standard allows.
    pub stable: bool,
}

impl Default for SortOpts {
    fn default() -> SortOpts {
        SortOpts {
            axis: -1,
            descending: false,
            stable: true,
        }
    }
}

impl SortOpts {
    /// The defaults: the last axis, ascending, stable.
    pub fn new() -> SortOpts {
        SortOpts::default()
    }
    /// Set the axis to sort along (negative counts from the end).
    pub fn axis(mut self, axis: i64) -> SortOpts {
        self.axis = axis;
        self
    }
    /// Sort largest first (`true`) or smallest first (`false`).
    pub fn descending(mut self, descending: bool) -> SortOpts {
        self.descending = descending;
        self
    }
    /// Ask for a stable sort or permit any order of equal elements; the sort is stable
    /// either way.
    pub fn stable(mut self, stable: bool) -> SortOpts {
        self.stable = stable;
        self
    }
}

impl From<()> for SortOpts {
    fn from(_: ()) -> SortOpts {
        SortOpts::default()
    }
}
impl From<i64> for SortOpts {
    fn from(axis: i64) -> SortOpts {
        SortOpts::new().axis(axis)
    }
}
impl From<i32> for SortOpts {
    fn from(axis: i32) -> SortOpts {
        SortOpts::new().axis(axis as i64)
    }
}

fn sort_call(
    func: &'static str,
    x: &Array,
    opts: SortOpts,
    argsort: bool,
    at: Loc,
) -> Result<Array> {
    kiln_ir::op::check_category(func, "x", x.dtype(), Category::RealNumeric)
        .map_err(|e| err(e, at))?;
    let axis = normalize_axis(func, opts.axis, x.ndim()).map_err(|e| err(e, at))?;
    let descending = opts.descending;
    let call = if argsort {
        SortCall::Argsort { axis, descending }
    } else {
        SortCall::Sort { axis, descending }
    };
    let op = Op::Library {
        call: LibCall::Sort(call),
        output: 0,
    };
    Array::node(func, op, &[x], at)
}

/// The elements of `x` sorted along an axis (real-valued dtypes; a 0-d array has no
/// axis to sort and is an error). Stable; NaN last ascending, first descending.
///
/// ```
/// use kiln::SortOpts;
/// let x = kiln::asarray([[3.0f64, f64::NAN, 1.0], [2.0, 2.0, -1.0]], ())?;
/// let up = kiln::sort(&x, ())?.to_vec::<f64>()?;
/// assert_eq!(&up[..2], &[1.0, 3.0]);
/// assert!(up[2].is_nan());
/// let down = kiln::sort(&x, SortOpts::new().axis(0).descending(true))?;
/// assert_eq!(down.to_vec::<f64>()?[3..], [2.0, 2.0, -1.0]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn sort(x: &Array, opts: impl Into<SortOpts>) -> Result<Array> {
    sort_call("sort", x, opts.into(), false, Location::caller())
}

/// The int64 positions along an axis that sort `x` (as [`sort`] would order it):
/// `take_along_axis(x, argsort(x), axis)` is `sort(x)`. Equal elements keep their
/// original order, ascending and descending alike.
///
/// ```
/// use kiln::SortOpts;
/// let x = kiln::asarray([1i32, 3, 1, 3], ())?;
/// let up = kiln::argsort(&x, ())?.to_vec::<i64>()?;
/// assert_eq!(up, vec![0, 2, 1, 3]);
/// let down = kiln::argsort(&x, SortOpts::new().descending(true))?.to_vec::<i64>()?;
/// assert_eq!(down, vec![1, 3, 0, 2]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn argsort(x: &Array, opts: impl Into<SortOpts>) -> Result<Array> {
    sort_call("argsort", x, opts.into(), true, Location::caller())
}

/// Options of [`searchsorted`]: the side (default [`Side::Left`]) and an optional
/// `sorter`, int positions that sort x1 (as `argsort` returns). Converts from a side.
#[derive(Clone, Debug, Default)]
pub struct SearchOpts {
    /// Which end of a run of values equal to the searched one to return.
    pub side: Side,
    /// Integer positions, x1's shape, that put x1 in ascending order; `None`: x1 is
    /// sorted already.
    pub sorter: Option<Array>,
}

impl SearchOpts {
    /// The defaults: [`Side::Left`], no sorter.
    pub fn new() -> SearchOpts {
        SearchOpts::default()
    }
    /// Set the side.
    pub fn side(mut self, side: Side) -> SearchOpts {
        self.side = side;
        self
    }
    /// Search x1 in the order `sorter` gives. A sorter that is not integer or not of
    /// x1's shape is an error at `searchsorted`'s call.
    pub fn sorter(mut self, sorter: &Array) -> SearchOpts {
        self.sorter = Some(sorter.clone());
        self
    }
}

impl From<()> for SearchOpts {
    fn from(_: ()) -> SearchOpts {
        SearchOpts::default()
    }
}
impl From<Side> for SearchOpts {
    fn from(side: Side) -> SearchOpts {
        SearchOpts::new().side(side)
    }
}

/// For each element of `x2`, the int64 position where it would be inserted into the
/// ascending 1-D `x1` to keep it sorted: with [`Side::Left`] the first such position
/// (`x1[i-1] < v <= x1[i]`), with [`Side::Right`] the last (`x1[i-1] <= v < x1[i]`).
/// NaN counts as larger than every number, as in [`sort`]. The result has x2's shape
/// (0-d included). With a `sorter`, x1 need not be sorted: `take(x1, sorter)` must be
/// (an index of the sorter outside x1 is a run-time error of `take`). If x1 is not
/// sorted the positions are unspecified (but no error).
///
/// ```
/// use kiln::Side;
/// let x1 = kiln::asarray([1.0f64, 2.0, 2.0, 5.0], ())?;
/// let x2 = kiln::asarray([2.0f64, 6.0, 0.0], ())?;
/// let left = kiln::searchsorted(&x1, &x2, ())?.to_vec::<i64>()?;
/// let right = kiln::searchsorted(&x1, &x2, Side::Right)?.to_vec::<i64>()?;
/// assert_eq!((left, right), (vec![1, 4, 0], vec![3, 4, 0]));
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn searchsorted(x1: &Array, x2: &Array, opts: impl Into<SearchOpts>) -> Result<Array> {
    let (func, at) = ("searchsorted", Location::caller());
    let opts = opts.into();
    for (arg, x) in [("x1", x1), ("x2", x2)] {
        kiln_ir::op::check_category(func, arg, x.dtype(), Category::RealNumeric)
            .map_err(|e| err(e, at))?;
    }
    if x1.ndim() != 1 {
        return Err(err(
            IrError::invalid(
                func,
                format!(
                    "x1 must be 1-D (the sorted sequence), got shape {:?}",
                    x1.shape()
                ),
            ),
            at,
        ));
    }
    let x1 = match &opts.sorter {
        None => x1.clone(),
        Some(sorter) => {
            kiln_ir::op::check_category(func, "sorter", sorter.dtype(), Category::Integer)
                .map_err(|e| err(e, at))?;
            if sorter.shape() != x1.shape() {
                return Err(err(
                    IrError::invalid(
                        func,
                        format!(
                            "sorter must have x1's shape {:?}, got {:?}",
                            x1.shape(),
                            sorter.shape()
                        ),
                    ),
                    at,
                ));
            }
            take_at(func, x1, sorter, 0, at)?
        }
    };
    let dtype = promote_arrays(func, &[&x1, x2], at)?;
    let (a, b) = (cast(func, &x1, dtype, at)?, cast(func, x2, dtype, at)?);
    let op = Op::Library {
        call: LibCall::Sort(SortCall::SearchSorted { side: opts.side }),
        output: 0,
    };
    Array::node(func, op, &[&a, &b], at)
}
