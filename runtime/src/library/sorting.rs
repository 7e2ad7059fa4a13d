//! Sorts and searches on contiguous row-major data.
//!
//! A sort along any axis gathers each lane (the elements that differ only in the axis)
//! into a contiguous run, sorts the runs (in parallel over lanes when the data is
//! large, with rayon's parallel sorts for one long lane), and scatters them back.
//!
//! Every real type sorts by an unsigned *key* (`Key::key`) whose integer order is the
//! family's order: integers with the sign bit flipped, floats by their bits made
//! monotone, with -0.0 and 0.0 sharing one key and every NaN the largest. Integer
//! comparisons make the unstable sorts (pattern-defeating quicksort) fast, and each
//! sort still gives exactly the stable result the standard asks for:
//! - `argsort` sorts (key, position) pairs packed into one integer: no two are equal,
//!   so any correct sort gives the stable order.
//! - `sort` of integers: equal elements are identical, so their order cannot show.
//! - `sort` of floats sorts the keys, turns them back into values, then rewrites the
//!   two runs whose elements can differ under one key, the zeros (-0.0 and 0.0) and the
//!   NaNs (payloads and signs), with the input's zeros and NaNs in input order.
//!
//! Descending order sorts the complemented keys, so equal elements keep their original
//! order, as the standard requires (reversing an ascending sort, NumPy's idiom, would
//! not). Complex numbers have no key: they take the standard library's stable sort by
//! comparison.

use super::{by_lanes, Args, Lanes};
use crate::error::RuntimeError;
use kiln_ir::library::sorting::Side;
use kiln_ir::library::SortCall;
use kiln_ir::{with_data, Data, Element};
use num_complex::{Complex32, Complex64};
use rayon::prelude::*;
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
    /// The width of `key`'s values, for the types that have one (all but complex).
    const KEY_BITS: Option<u32> = None;
    /// Whether elements of one key can differ (floats: the signed zeros, the NaNs).
    const FLOAT: bool = false;
    /// The element's place in the order, below 2^KEY_BITS: `a.order(b)` is
    /// `a.key().cmp(&b.key())`.
    fn key(&self) -> u64 {
        unreachable!("{} has no sort key", Self::DTYPE)
    }
    /// An element of key `k` (for floats: 0.0 for the zeros' key, a NaN for theirs).
    fn from_key(_k: u64) -> Self {
        unreachable!("{} has no sort key", Self::DTYPE)
    }
    /// Whether the element is a zero of either sign.
    fn is_zero(&self) -> bool {
        false
    }
}

macro_rules! ordered_key {
    ($($t:ty => $bits:expr, $u:ty),*) => {$(
        impl Key for $t {
            fn order(&self, other: &Self) -> Ordering {
                self.cmp(other)
            }
            const KEY_BITS: Option<u32> = Some($bits);
            fn key(&self) -> u64 {
                // The sign bit flipped maps signed order onto unsigned order (a no-op
                // for unsigned types, whose MIN is 0).
                (*self as $u ^ <$t>::MIN as $u) as u64
            }
            fn from_key(k: u64) -> Self {
                (k as $u ^ <$t>::MIN as $u) as $t
            }
        }
    )*};
}
ordered_key!(
    i8 => 32, u8, i16 => 32, u16, i32 => 32, u32, i64 => 64, u64,
    u8 => 32, u8, u16 => 32, u16, u32 => 32, u32, u64 => 64, u64
);

impl Key for bool {
    fn order(&self, other: &Self) -> Ordering {
        self.cmp(other)
    }
    const KEY_BITS: Option<u32> = Some(32);
    fn key(&self) -> u64 {
        *self as u64
    }
    fn from_key(k: u64) -> Self {
        k != 0
    }
}

macro_rules! float_key {
    ($($t:ty => $u:ty),*) => {$(
        impl Key for $t {
            /// By value (-0.0 == 0.0); NaNs equal to each other and after every number.
            fn order(&self, other: &Self) -> Ordering {
                self.partial_cmp(other)
                    .unwrap_or_else(|| self.is_nan().cmp(&other.is_nan()))
            }
            fn is_nan(&self) -> bool {
                <$t>::is_nan(*self)
            }
            const KEY_BITS: Option<u32> = Some(<$u>::BITS);
            const FLOAT: bool = true;
            fn key(&self) -> u64 {
                const SIGN: $u = 1 << (<$u>::BITS - 1);
                if self.is_nan() {
                    return <$u>::MAX as u64;
                }
                // -0.0 as 0.0; then negatives complemented, positives above them.
                // +inf's key is below MAX, which only NaNs have.
                let b = (*self + 0.0).to_bits();
                (if b & SIGN != 0 { !b } else { b | SIGN }) as u64
            }
            fn from_key(k: u64) -> Self {
                const SIGN: $u = 1 << (<$u>::BITS - 1);
                let k = k as $u;
                if k == <$u>::MAX {
                    return <$t>::NAN;
                }
                <$t>::from_bits(if k & SIGN != 0 { k ^ SIGN } else { !k })
            }
            fn is_zero(&self) -> bool {
                *self == 0.0
            }
        }
    )*};
}
float_key!(f32 => u32, f64 => u64);

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
/// back in `v`'s layout (`by_lanes`). `parallel` tells `f` that it is the only lane of
/// a large array and may use the pool itself.
fn per_lane<T, U>(v: &[T], l: Lanes, f: impl Fn(&[T], &mut [U], bool) + Sync) -> Vec<U>
where
    T: Element,
    U: Element,
{
    let large = v.len() >= PARALLEL_MIN;
    by_lanes(v, l, l.len, |lanes, out| {
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
    })
}

fn sort<T: Key>(v: &[T], l: Lanes, descending: bool) -> Vec<T> {
    per_lane(v, l, |lane, out: &mut [T], parallel| {
        out.copy_from_slice(lane);
        match T::KEY_BITS {
            Some(bits) if T::FLOAT => sort_floats(out, flip(bits, descending), parallel),
            Some(_) => unstable(out, comparator::<T>(descending), parallel),
            None => {
                let cmp = comparator::<T>(descending);
                if parallel {
                    out.par_sort_by(cmp);
                } else {
                    out.sort_by(cmp);
                }
            }
        }
    })
}

/// What to xor keys of `bits` bits with: all ones for a descending order.
fn flip(bits: u32, descending: bool) -> u64 {
    if descending {
        u64::MAX >> (64 - bits)
    } else {
        0
    }
}

fn unstable<T: Send>(v: &mut [T], cmp: impl Fn(&T, &T) -> Ordering + Sync, parallel: bool) {
    if parallel {
        v.par_sort_unstable_by(cmp);
    } else {
        v.sort_unstable_by(cmp);
    }
}

/// `v` sorted stably, floats: by key, then the zeros and NaNs as they came.
fn sort_floats<T: Key>(v: &mut [T], flip: u64, parallel: bool) {
    let mut keys: Vec<u64> = v.iter().map(|x| x.key() ^ flip).collect();
    unstable(&mut keys, u64::cmp, parallel);
    // Each zero and each NaN, in input order, before `v` is overwritten.
    let odd: Vec<T> = v
        .iter()
        .copied()
        .filter(|x| x.is_zero() || x.is_nan())
        .collect();
    for (x, k) in v.iter_mut().zip(&keys) {
        *x = T::from_key(k ^ flip);
    }
    // A stable sort leaves each run of one key in input order: the zeros' run and the
    // NaNs' run are the input's zeros and NaNs, in that order.
    if !odd.is_empty() {
        let mut zeros = odd.iter().filter(|x| x.is_zero());
        let mut nans = odd.iter().filter(|x| x.is_nan());
        for x in v.iter_mut() {
            if x.is_zero() {
                *x = *zeros.next().expect("as many zeros as the input has");
            } else if x.is_nan() {
                *x = *nans.next().expect("as many NaNs as the input has");
            }
        }
    }
}

fn argsort<T: Key>(v: &[T], l: Lanes, descending: bool) -> Vec<i64> {
    per_lane(v, l, |lane, out: &mut [i64], parallel| match T::KEY_BITS {
        // (key, position) in one u64: distinct, so the order is the stable one.
        Some(bits) if bits <= 32 && lane.len() <= 1 << 32 => {
            let flip = flip(bits, descending);
            let mut packed: Vec<u64> = (lane.iter().zip(0u64..))
                .map(|(x, i)| (x.key() ^ flip) << 32 | i)
                .collect();
            unstable(&mut packed, u64::cmp, parallel);
            for (o, p) in out.iter_mut().zip(packed) {
                *o = (p & 0xFFFF_FFFF) as i64;
            }
        }
        Some(bits) => {
            let flip = flip(bits, descending);
            let mut packed: Vec<u128> = (lane.iter().zip(0u128..))
                .map(|(x, i)| ((x.key() ^ flip) as u128) << 64 | i)
                .collect();
            unstable(&mut packed, u128::cmp, parallel);
            for (o, p) in out.iter_mut().zip(packed) {
                *o = p as u64 as i64;
            }
        }
        None => {
            let cmp = comparator::<T>(descending);
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
        }
    })
}

/// Insertion points of `values` in the ascending `sorted` (by the family's order, so a
/// NaN goes after the numbers). An unsorted `sorted` gives unspecified positions, never
/// a panic.
fn search<T: Key>(sorted: &[T], values: &[T], side: Side) -> Vec<i64> {
    if T::KEY_BITS.is_some() {
        let keys: Vec<u64> = sorted.iter().map(Key::key).collect();
        return match side {
            Side::Left => each(values, |v| {
                let k = v.key();
                keys.partition_point(|&e| e < k) as i64
            }),
            Side::Right => each(values, |v| {
                let k = v.key();
                keys.partition_point(|&e| e <= k) as i64
            }),
        };
    }
    match side {
        Side::Left => each(values, |v| {
            sorted.partition_point(|e| e.order(v) == Ordering::Less) as i64
        }),
        Side::Right => each(values, |v| {
            sorted.partition_point(|e| e.order(v) != Ordering::Greater) as i64
        }),
    }
}

/// `f` of every value (in parallel for many values), into an output from the
/// executor's pool: a fresh vector pays a page fault per 4 KiB page (searchsorted of
/// 10M f64 in 2500 sorted values: 66-71 ms with a fresh vector, 49 from the pool).
fn each<T: Sync, U: Element + Send>(values: &[T], f: impl Fn(&T) -> U + Sync) -> Vec<U> {
    let mut out = super::output::<U>(values.len());
    if values.len() >= PARALLEL_MIN {
        out.par_iter_mut()
            .zip(values.par_iter())
            .with_min_len(4096)
            .for_each(|(o, v)| *o = f(v));
    } else {
        for (o, v) in out.iter_mut().zip(values) {
            *o = f(v);
        }
    }
    out
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
    each(x1, test)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_ir::Shape;

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

    /// `key` orders as `order` does, and `from_key` inverts it (but for the zeros and
    /// NaNs, which share a key each).
    fn keys_agree<T: Key + std::fmt::Debug>(values: &[T]) {
        for a in values {
            for b in values {
                assert_eq!(a.key().cmp(&b.key()), a.order(b), "{a:?} vs {b:?}");
            }
            if !a.is_zero() && !a.is_nan() {
                assert_eq!(T::from_key(a.key()).order(a), Ordering::Equal, "{a:?}");
                assert_eq!(T::from_key(a.key()).key(), a.key(), "{a:?}");
            }
            let bits = T::KEY_BITS.expect("a keyed type");
            assert!(
                bits == 64 || a.key() >> bits == 0,
                "{a:?} key beyond {bits} bits"
            );
        }
    }

    #[test]
    fn keys_order_every_real_type_as_the_family_does() {
        let f = [
            f64::NEG_INFINITY,
            f64::MIN,
            -1.5,
            -f64::MIN_POSITIVE,
            -5e-324,
            -0.0,
            0.0,
            5e-324,
            f64::MIN_POSITIVE,
            1.0,
            f64::MAX,
            f64::INFINITY,
        ];
        let nans = [f64::NAN, -f64::NAN, f64::from_bits(0x7ff0_0000_0000_0001)];
        keys_agree(&[&f[..], &nans].concat());
        let g: Vec<f32> = f.iter().chain(&nans).map(|&v| v as f32).collect();
        keys_agree(&[&g[..], &[f32::MIN, f32::MAX, -1e-45, 1e-45]].concat());
        keys_agree(&[i8::MIN, -1, 0, 1, i8::MAX]);
        keys_agree(&[i16::MIN, -1, 0, 1, i16::MAX]);
        keys_agree(&[i32::MIN, -1, 0, 1, i32::MAX]);
        keys_agree(&[i64::MIN, -1, 0, 1, i64::MAX]);
        keys_agree(&[0u8, 1, u8::MAX]);
        keys_agree(&[0u16, 1, u16::MAX]);
        keys_agree(&[0u32, 1, u32::MAX]);
        keys_agree(&[0u64, 1, u64::MAX]);
        keys_agree(&[false, true]);
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
