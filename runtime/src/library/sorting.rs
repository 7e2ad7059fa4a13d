//! Sorts and searches on contiguous row-major data, through the standard library's
//! stable sort (rayon's parallel stable sort for one long lane).
//!
//! A sort along any axis gathers each lane (the elements that differ only in the axis)
//! into a contiguous run, sorts the runs (in parallel over lanes when the data is
//! large), and scatters them back. Descending order sorts by the reversed comparison
//! with the same stable sort, so equal elements keep their original order, as the
//! standard requires (reversing an ascending sort, NumPy's idiom, would not).

use super::{Args, Lanes};
use crate::error::RuntimeError;
use kiln_ir::library::sorting::Side;
use kiln_ir::library::SortCall;
use kiln_ir::{with_data, Data, Element};
use num_complex::{Complex32, Complex64};
use rayon::prelude::*;
use std::borrow::Cow;
use std::cmp::Ordering;

/// Below this many elements the pool is not worth waking.
const PARALLEL_MIN: usize = 1 << 14;

pub fn run(call: &SortCall, args: &Args) -> Result<Vec<Data>, RuntimeError> {
    match (call, args) {
        (&SortCall::Sort { axis, descending }, &[(x, shape)]) => {
            let lanes = Lanes::of(shape, axis);
            Ok(vec![
                with_data!(x, v => Element::into_data(sort(v, lanes, descending))),
            ])
        }
        (&SortCall::Argsort { axis, descending }, &[(x, shape)]) => {
            let lanes = Lanes::of(shape, axis);
            Ok(vec![Data::I64(
                with_data!(x, v => argsort(v, lanes, descending)),
            )])
        }
        (&SortCall::SearchSorted { side }, &[(x1, _), (x2, _)]) => {
            let out = with_data!(x1, v => search(v, same_dtype("searchsorted", v, x2)?, side));
            Ok(vec![Data::I64(out)])
        }
        (&SortCall::IsIn { invert }, &[(x1, _), (x2, _)]) => {
            let out = with_data!(x1, v => isin(v, same_dtype("isin", v, x2)?, invert));
            Ok(vec![Data::Bool(out)])
        }
        _ => Err(RuntimeError::Unsupported {
            what: format!("{call:?} on {} input(s)", args.len()),
        }),
    }
}

/// The elements of `other` as the element type of `like` (the call's inputs share a
/// dtype; a mismatch is a bug upstream, reported rather than a panic).
fn same_dtype<'a, T: Element>(
    func: &str,
    _like: &[T],
    other: &'a Data,
) -> Result<&'a [T], RuntimeError> {
    T::slice(other).ok_or_else(|| RuntimeError::Unsupported {
        what: format!("{func} of {} with {}", T::DTYPE, other.dtype()),
    })
}

/// The order of the whole family (see the ir module's documentation).
trait Key: Element + Default {
    fn order(&self, other: &Self) -> Ordering;
    /// Whether the element is unequal to everything, itself included.
    fn is_nan(&self) -> bool {
        false
    }
}

macro_rules! ordered_key {
    ($($t:ty),*) => {$(
        impl Key for $t {
            fn order(&self, other: &Self) -> Ordering {
                self.cmp(other)
            }
        }
    )*};
}
ordered_key!(bool, i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! float_key {
    ($($t:ty),*) => {$(
        impl Key for $t {
            /// By value (-0.0 == 0.0); NaNs equal to each other and after every number.
            fn order(&self, other: &Self) -> Ordering {
                self.partial_cmp(other)
                    .unwrap_or_else(|| self.is_nan().cmp(&other.is_nan()))
            }
            fn is_nan(&self) -> bool {
                <$t>::is_nan(*self)
            }
        }
    )*};
}
float_key!(f32, f64);

macro_rules! complex_key {
    ($($t:ty),*) => {$(
        impl Key for $t {
            /// Lexicographic, as NumPy; a NaN in either part makes the number a NaN.
            fn order(&self, other: &Self) -> Ordering {
                match (Key::is_nan(self), Key::is_nan(other)) {
                    (false, false) => self.re.order(&other.re).then(self.im.order(&other.im)),
                    (a, b) => a.cmp(&b),
                }
            }
            fn is_nan(&self) -> bool {
                self.re.is_nan() || self.im.is_nan()
            }
        }
    )*};
}
complex_key!(Complex32, Complex64);

fn comparator<T: Key>(descending: bool) -> impl Fn(&T, &T) -> Ordering + Sync + Copy {
    move |a: &T, b: &T| {
        if descending {
            b.order(a)
        } else {
            a.order(b)
        }
    }
}

/// Apply `f(lane, out_lane, parallel)` to every lane of `v`, writing the output lanes
/// back in `v`'s layout. `parallel` tells `f` that it is the only lane of a large
/// array and may use the pool itself.
fn per_lane<T, U>(v: &[T], l: Lanes, f: impl Fn(&[T], &mut [U], bool) + Sync) -> Vec<U>
where
    T: Copy + Send + Sync,
    U: Copy + Send + Sync + Default,
{
    let mut out = vec![U::default(); v.len()];
    if l.len == 0 || v.is_empty() {
        return out;
    }
    let lanes: Cow<[T]> = if l.inner == 1 {
        Cow::Borrowed(v)
    } else {
        Cow::Owned(to_lane_major(v, l))
    };
    let large = v.len() >= PARALLEL_MIN;
    if large && l.count() > 1 {
        lanes
            .par_chunks(l.len)
            .zip(out.par_chunks_mut(l.len))
            .for_each(|(s, o)| f(s, o, false));
    } else {
        for (s, o) in lanes.chunks(l.len).zip(out.chunks_mut(l.len)) {
            f(s, o, large);
        }
    }
    if l.inner == 1 {
        out
    } else {
        from_lane_major(&out, l)
    }
}

/// `[outer, n, inner]` → `[outer, inner, n]`: each lane contiguous.
fn to_lane_major<T: Copy>(v: &[T], l: Lanes) -> Vec<T> {
    let mut t = Vec::with_capacity(v.len());
    for block in v.chunks(l.len * l.inner) {
        for i in 0..l.inner {
            t.extend((0..l.len).map(|k| block[k * l.inner + i]));
        }
    }
    t
}

/// `[outer, inner, n]` → `[outer, n, inner]`.
fn from_lane_major<T: Copy>(t: &[T], l: Lanes) -> Vec<T> {
    let mut v = Vec::with_capacity(t.len());
    for block in t.chunks(l.len * l.inner) {
        for k in 0..l.len {
            v.extend((0..l.inner).map(|i| block[i * l.len + k]));
        }
    }
    v
}

fn sort<T: Key>(v: &[T], l: Lanes, descending: bool) -> Vec<T> {
    let cmp = comparator::<T>(descending);
    per_lane(v, l, |lane, out: &mut [T], parallel| {
        out.copy_from_slice(lane);
        if parallel {
            out.par_sort_by(cmp);
        } else {
            out.sort_by(cmp);
        }
    })
}

fn argsort<T: Key>(v: &[T], l: Lanes, descending: bool) -> Vec<i64> {
    let cmp = comparator::<T>(descending);
    per_lane(v, l, |lane, out: &mut [i64], parallel| {
        // Sorting (value, position) pairs keeps the comparisons in cache.
        let mut pairs: Vec<(T, i64)> = lane.iter().copied().zip(0..).collect();
        if parallel {
            pairs.par_sort_by(|a, b| cmp(&a.0, &b.0));
        } else {
            pairs.sort_by(|a, b| cmp(&a.0, &b.0));
        }
        for (o, (_, i)) in out.iter_mut().zip(pairs) {
            *o = i;
        }
    })
}

/// Insertion points of `values` in the ascending `sorted` (by the family's order, so a
/// NaN goes after the numbers). An unsorted `sorted` gives unspecified positions, never
/// a panic.
fn search<T: Key>(sorted: &[T], values: &[T], side: Side) -> Vec<i64> {
    let point = |v: &T| {
        let at = match side {
            Side::Left => sorted.partition_point(|e| e.order(v) == Ordering::Less),
            Side::Right => sorted.partition_point(|e| e.order(v) != Ordering::Greater),
        };
        at as i64
    };
    if values.len() >= PARALLEL_MIN {
        values.par_iter().map(point).collect()
    } else {
        values.iter().map(point).collect()
    }
}

/// Membership by `==`: x2 sorted once, each element of x1 found by binary search
/// (O((n + m) log m) rather than the O(n m) of comparing all pairs).
fn isin<T: Key>(x1: &[T], x2: &[T], invert: bool) -> Vec<bool> {
    let mut set: Vec<T> = x2.iter().copied().filter(|e| !e.is_nan()).collect();
    set.sort_unstable_by(T::order);
    let test = |v: &T| {
        let found = !v.is_nan() && set.binary_search_by(|e| e.order(v)).is_ok();
        found != invert
    };
    if x1.len() >= PARALLEL_MIN {
        x1.par_iter().map(test).collect()
    } else {
        x1.iter().map(test).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_ir::Shape;

    #[test]
    fn lanes_round_trip_through_lane_major() {
        let v: Vec<i32> = (0..24).collect();
        let l = Lanes::of(&Shape::new(&[2, 3, 4]), 1);
        let t = to_lane_major(&v, l);
        assert_eq!(&t[..6], &[0, 4, 8, 1, 5, 9]);
        assert_eq!(from_lane_major(&t, l), v);
    }

    #[test]
    fn floats_order_nan_last_and_signed_zeros_equal() {
        assert_eq!((-0.0f64).order(&0.0), Ordering::Equal);
        assert_eq!(f64::NAN.order(&f64::INFINITY), Ordering::Greater);
        assert_eq!(f32::NAN.order(&f32::NAN), Ordering::Equal);
        let c = Complex64::new(1.0, f64::NAN);
        assert_eq!(
            c.order(&Complex64::new(f64::INFINITY, 0.0)),
            Ordering::Greater
        );
    }

    #[test]
    fn a_long_single_lane_sorts_in_parallel_and_stays_stable() {
        let n = PARALLEL_MIN * 2;
        let v: Vec<i64> = (0..n as i64).map(|i| i % 7).collect();
        let l = Lanes::of(&Shape::new(&[n]), 0);
        let idx = argsort(&v, l, true);
        for w in idx.windows(2) {
            let (a, b) = (w[0] as usize, w[1] as usize);
            assert!(v[a] > v[b] || (v[a] == v[b] && a < b));
        }
    }
}
