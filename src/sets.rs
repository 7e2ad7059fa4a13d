//! Set functions of the standard: `unique_values`, `unique_counts`, `unique_inverse`,
//! `unique_all` (data-dependent shapes) and `isin` (a static-shape library call).
//!
//! Uniqueness is the standard's value equality (`equal`): -0.0 and 0.0 are one value
//! (the one that occurs first is returned), and every NaN is distinct from every other
//! (a complex number with a NaN part too). Unique values come out in ascending order,
//! NaNs last. How: the flattened input is sorted (stable), and neighbours compared with
//! `not_equal`, all in the graph; the host then only walks the bool "new value" flags.
//! Values and counts need no more. First-occurrence and inverse indices need the
//! sorting permutation: `unique_inverse` and `unique_all` argsort (stable), gather in
//! that order, compare, and walk the int64 order beside the flags. Integers whose range
//! is no wider than the array (or 2^16) skip the sort: they are counted on the host,
//! and one more pass finds first occurrences and each element's group (`counted`).
//!
//! **Graph boundary**: the number of unique values decides the output shapes, so the
//! `unique_*` functions compute their input now (as `compute()` does, in the default
//! mode: `with_mode`'s, else `KILN_MODE`'s) and return constant arrays.

use crate::array::{eval, Array};
use crate::elementwise::binary;
use crate::error::Result;
use crate::manipulation::reshape_at;
use crate::operand::{cast, promote_arrays};
use crate::searching::{constant_at, take_at};
use kiln_ir::library::SortCall;
use kiln_ir::{BinaryOp, Data, LibCall, Loc, Op};
use std::panic::Location;

/// The unique values of an array, with where each first occurs, which unique value each
/// element is, and how often each occurs (the standard's `unique_all` result).
#[derive(Clone, Debug)]
pub struct UniqueAllResult {
    /// The unique values, 1-D, in x's dtype, ascending (NaNs last).
    pub values: Array,
    /// Flat row-major position in x of each value's first occurrence (int64).
    pub indices: Array,
    /// For each element of x (x's shape), the position of its value in `values` (int64).
    pub inverse_indices: Array,
    /// How many elements of x equal each value (int64).
    pub counts: Array,
}

/// The `unique_counts` result: values and how often each occurs.
#[derive(Clone, Debug)]
pub struct UniqueCountsResult {
    /// The unique values, 1-D, in x's dtype, ascending (NaNs last).
    pub values: Array,
    /// How many elements of x equal each value (int64, `values`' shape).
    pub counts: Array,
}

/// The `unique_inverse` result: values, and for each element of x its value's position.
#[derive(Clone, Debug)]
pub struct UniqueInverseResult {
    /// The unique values, 1-D, in x's dtype, ascending (NaNs last).
    pub values: Array,
    /// For each element of x (x's shape), the position of its value in `values`
    /// (int64).
    pub inverse_indices: Array,
}

/// Runs of equal values of the flattened input, found on the host.
struct Groups {
    /// What `first` indexes: the flattened input, or (without positions) that sorted.
    flat: std::sync::Arc<Data>,
    /// Position in `flat` of each group's first element (the first occurrence: the
    /// sorts are stable).
    first: Vec<usize>,
    counts: Vec<i64>,
    /// Group of each flat position; empty without positions.
    inverse: Vec<i64>,
}

/// What a `unique_*` function needs besides values and counts.
#[derive(Clone, Copy, PartialEq)]
enum Need {
    /// Values and counts: the sorted values are enough.
    Values,
    /// First-occurrence and inverse indices too: the sorting permutation is needed.
    Positions,
}

fn groups(func: &'static str, x: &Array, need: Need, at: Loc) -> Result<Groups> {
    let flat = reshape_at(func, x, &[-1], at)?;
    let n = flat.size();
    let sort = |call| {
        let op = Op::Library {
            call: LibCall::Sort(call),
            output: 0,
        };
        Array::node(func, op, &[&flat], at)
    };
    let (axis, descending) = (0, false);
    // new[k]: sorted[k + 1] starts a new group (NaN != NaN, so each NaN does).
    let starts = |sorted: &Array| -> Result<Option<Array>> {
        if n < 2 {
            return Ok(None);
        }
        let tail = sorted.slice(crate::s![1..])?;
        let head = sorted.slice(crate::s![..-1])?;
        Ok(Some(binary(
            BinaryOp::NotEqual,
            tail.into(),
            head.into(),
            at,
        )?))
    };
    let flags = |new: Option<Array>| -> Result<Vec<bool>> {
        new.map_or(Ok(Vec::new()), |a| a.to_vec::<bool>())
    };
    if let Some(g) = counted(func, &flat, need)? {
        return Ok(g);
    }
    if need == Need::Values {
        let sorted = sort(SortCall::Sort { axis, descending })?;
        let new = starts(&sorted)?;
        eval(&[&sorted].into_iter().chain(&new).collect::<Vec<_>>())?;
        let new = flags(new)?;
        let first: Vec<usize> = (0..n).filter(|&k| k == 0 || new[k - 1]).collect();
        let ends = first.iter().skip(1).chain([&n]);
        let counts = first
            .iter()
            .zip(ends)
            .map(|(&a, &b)| (b - a) as i64)
            .collect();
        return Ok(Groups {
            flat: sorted.data(func)?,
            first,
            counts,
            inverse: Vec::new(),
        });
    }
    let order = sort(SortCall::Argsort { axis, descending })?;
    let new = starts(&take_at(func, &flat, &order, 0, at)?)?;
    eval(&[&flat, &order].into_iter().chain(&new).collect::<Vec<_>>())?;
    let (order, new) = (order.to_vec::<i64>()?, flags(new)?);
    let mut g = Groups {
        flat: flat.data(func)?,
        first: Vec::new(),
        counts: Vec::new(),
        inverse: vec![0; n],
    };
    for (k, &p) in order.iter().enumerate() {
        if k == 0 || new[k - 1] {
            g.first.push(p as usize);
            g.counts.push(0);
        }
        *g.counts.last_mut().expect("a group was started") += 1;
        g.inverse[p as usize] = g.first.len() as i64 - 1;
    }
    Ok(g)
}

/// The groups of integers by counting, where their range is no wider than the input
/// is long (or 2^16): O(n + range) on the host in place of a sort (exact). With
/// positions, each value's first occurrence and each element's group come from one
/// more pass. `None` for other dtypes and wider ranges.
fn counted(func: &'static str, flat: &Array, need: Need) -> Result<Option<Groups>> {
    fn count<T>(v: &[T], data: &std::sync::Arc<Data>, need: Need) -> Option<Groups>
    where
        T: Copy + Ord + Into<i128> + TryFrom<i128> + kiln_ir::Element,
    {
        let (&lo, &hi) = (v.iter().min()?, v.iter().max()?);
        let width = hi.into() - lo.into() + 1;
        if width > (v.len() as i128).max(1 << 16) {
            return None;
        }
        let (lo, width) = (lo.into(), width as usize);
        let mut counts = vec![0i64; width];
        for &x in v {
            counts[(x.into() - lo) as usize] += 1;
        }
        let present: Vec<usize> = (0..width).filter(|&s| counts[s] > 0).collect();
        let counts = present.iter().map(|&s| counts[s]).collect();
        if need == Need::Positions {
            // group[slot]: the value's place among the present ones, ascending
            let mut group = vec![0i64; width];
            for (g, &slot) in present.iter().enumerate() {
                group[slot] = g as i64;
            }
            let mut first = vec![usize::MAX; present.len()];
            let inverse: Vec<i64> = v
                .iter()
                .enumerate()
                .map(|(p, &x)| {
                    let g = group[(x.into() - lo) as usize];
                    first[g as usize] = first[g as usize].min(p);
                    g
                })
                .collect();
            return Some(Groups {
                flat: data.clone(),
                first,
                counts,
                inverse,
            });
        }
        let values: Vec<T> = present
            .iter()
            .map(|&s| T::try_from(lo + s as i128).ok().expect("within [lo, hi]"))
            .collect();
        Some(Groups {
            first: (0..values.len()).collect(),
            counts,
            flat: std::sync::Arc::new(T::into_data(values)),
            inverse: Vec::new(),
        })
    }
    if !flat.dtype().is_integer() || flat.size() == 0 {
        return Ok(None);
    }
    let data = flat.data(func)?;
    Ok(match &*data {
        Data::I8(v) => count(v, &data, need),
        Data::I16(v) => count(v, &data, need),
        Data::I32(v) => count(v, &data, need),
        Data::I64(v) => count(v, &data, need),
        Data::U8(v) => count(v, &data, need),
        Data::U16(v) => count(v, &data, need),
        Data::U32(v) => count(v, &data, need),
        Data::U64(v) => count(v, &data, need),
        _ => None,
    })
}

/// The pieces of a unique_* result, as constant arrays.
struct Parts<'a> {
    func: &'static str,
    x: &'a Array,
    g: Groups,
    at: Loc,
}

impl Parts<'_> {
    fn make(&self, data: Data, shape: &[usize]) -> Result<Array> {
        constant_at(self.func, data, shape, self.x.device(), self.at)
    }
    fn values(&self) -> Result<Array> {
        self.make(self.g.flat.gather(&self.g.first), &[self.g.first.len()])
    }
    fn indices(&self) -> Result<Array> {
        debug_assert_eq!(self.g.inverse.len(), self.x.size(), "built with positions");
        let first = self.g.first.iter().map(|&p| p as i64).collect();
        self.make(Data::I64(first), &[self.g.first.len()])
    }
    fn inverse(&self) -> Result<Array> {
        debug_assert_eq!(self.g.inverse.len(), self.x.size(), "built with positions");
        self.make(Data::I64(self.g.inverse.clone()), self.x.shape())
    }
    fn counts(&self) -> Result<Array> {
        self.make(Data::I64(self.g.counts.clone()), &[self.g.counts.len()])
    }
}

fn parts<'a>(func: &'static str, x: &'a Array, need: Need, at: Loc) -> Result<Parts<'a>> {
    Ok(Parts {
        func,
        x,
        g: groups(func, x, need, at)?,
        at,
    })
}

/// The unique elements of `x` (flattened), ascending with NaNs last, as a 1-D array
/// of x's dtype. **Graph boundary**: computes `x` now (see the module docs).
///
/// ```
/// let x = kiln::asarray([[3.0f64, 1.0], [3.0, f64::NAN]], ())?;
/// let u = kiln::unique_values(&x)?.to_vec::<f64>()?;
/// assert_eq!(&u[..2], &[1.0, 3.0]);
/// assert!(u[2].is_nan());
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn unique_values(x: &Array) -> Result<Array> {
    parts("unique_values", x, Need::Values, Location::caller())?.values()
}

/// The unique elements of `x` and how often each occurs (int64). **Graph boundary**.
///
/// ```
/// let x = kiln::asarray([2i32, 7, 2, 2], ())?;
/// let r = kiln::unique_counts(&x)?;
/// assert_eq!(r.values.to_vec::<i32>()?, vec![2, 7]);
/// assert_eq!(r.counts.to_vec::<i64>()?, vec![3, 1]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn unique_counts(x: &Array) -> Result<UniqueCountsResult> {
    let p = parts("unique_counts", x, Need::Values, Location::caller())?;
    Ok(UniqueCountsResult {
        values: p.values()?,
        counts: p.counts()?,
    })
}

/// The unique elements of `x` and, for each element of x (x's shape), the position of
/// its value among them: `take(values, reshape(inverse_indices, [-1]))` rebuilds x
/// flattened. **Graph boundary**.
///
/// ```
/// let x = kiln::asarray([[5u8, 1], [5, 0]], ())?;
/// let r = kiln::unique_inverse(&x)?;
/// assert_eq!(r.values.to_vec::<u8>()?, vec![0, 1, 5]);
/// assert_eq!(r.inverse_indices.shape(), &[2, 2]);
/// assert_eq!(r.inverse_indices.to_vec::<i64>()?, vec![2, 1, 2, 0]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn unique_inverse(x: &Array) -> Result<UniqueInverseResult> {
    let p = parts("unique_inverse", x, Need::Positions, Location::caller())?;
    Ok(UniqueInverseResult {
        values: p.values()?,
        inverse_indices: p.inverse()?,
    })
}

/// Everything `unique_*` can say: values, first-occurrence indices, inverse indices
/// and counts. **Graph boundary**.
///
/// ```
/// let x = kiln::asarray([0.0f64, -0.0, 4.0, 0.0], ())?;
/// let r = kiln::unique_all(&x)?;
/// assert_eq!(r.values.to_vec::<f64>()?, vec![0.0, 4.0]);  // -0.0 == 0.0
/// assert_eq!(r.indices.to_vec::<i64>()?, vec![0, 2]);
/// assert_eq!(r.inverse_indices.to_vec::<i64>()?, vec![0, 0, 1, 0]);
/// assert_eq!(r.counts.to_vec::<i64>()?, vec![3, 1]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn unique_all(x: &Array) -> Result<UniqueAllResult> {
    let p = parts("unique_all", x, Need::Positions, Location::caller())?;
    Ok(UniqueAllResult {
        values: p.values()?,
        indices: p.indices()?,
        inverse_indices: p.inverse()?,
        counts: p.counts()?,
    })
}

/// Options of [`isin`]: `invert` tests "not in" instead.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IsinOpts {
    /// `true`: whether each element of x1 is absent from x2. Default `false`.
    pub invert: bool,
}

impl IsinOpts {
    /// The default: test membership, not absence.
    pub fn new() -> IsinOpts {
        IsinOpts::default()
    }
    /// Test absence (`true`) instead of membership.
    pub fn invert(mut self, invert: bool) -> IsinOpts {
        self.invert = invert;
        self
    }
}

impl From<()> for IsinOpts {
    fn from(_: ()) -> IsinOpts {
        IsinOpts::default()
    }
}

/// Whether each element of `x1` equals some element of `x2` (bool, x1's shape). The
/// operands promote to a common dtype (the standard requires integers; kiln also takes
/// floats, complex and bool by value equality, so NaN is never in x2 and -0.0 is in
/// [0.0]). A static-shape library call: x2 is sorted once and searched, O((n + m) log m).
///
/// ```
/// use kiln::IsinOpts;
/// let x1 = kiln::asarray([[1i64, 4], [9, 2]], ())?;
/// let x2 = kiln::asarray([2i64, 1, 7], ())?;
/// assert_eq!(kiln::isin(&x1, &x2, ())?.to_vec::<bool>()?, vec![true, false, false, true]);
/// let out = kiln::isin(&x1, &x2, IsinOpts::new().invert(true))?;
/// assert_eq!(out.to_vec::<bool>()?, vec![false, true, true, false]);
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn isin(x1: &Array, x2: &Array, opts: impl Into<IsinOpts>) -> Result<Array> {
    let (func, at) = ("isin", Location::caller());
    let dtype = promote_arrays(func, &[x1, x2], at)?;
    let (a, b) = (cast(func, x1, dtype, at)?, cast(func, x2, dtype, at)?);
    let op = Op::Library {
        call: LibCall::Sort(SortCall::IsIn {
            invert: opts.into().invert,
        }),
        output: 0,
    };
    Array::node(func, op, &[&a, &b], at)
}
