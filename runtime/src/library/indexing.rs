//! Gathers on contiguous row-major data: `take`, `take_along_axis`, and `Compress`
//! (`mask_select`'s copy of the slices where a mask is true); the positions and
//! coordinates of a mask's true elements (`nonzero`).
//!
//! Every index is checked before anything is read (a negative one counts from the end,
//! resolved as the gather reads it), so an index outside its axis is an error naming
//! the function, the index, the axis and its size, never a panic or an out-of-bounds
//! read.

use super::Args;
use crate::error::RuntimeError;
use kiln_ir::library::IndexCall;
use kiln_ir::{with_data, Data, Element, Shape};
use rayon::prelude::*;

/// Below this many output elements the pool is not worth waking.
const PARALLEL_MIN: usize = 1 << 15;

pub fn run(call: &IndexCall, args: &Args) -> Result<Vec<Data>, RuntimeError> {
    let &[(x, xs), (indices, is)] = args else {
        return Err(RuntimeError::Unsupported {
            what: format!("{call:?} on {} input(s)", args.len()),
        });
    };
    let out = match *call {
        IndexCall::Compress { count } => {
            let mask = mask_of(indices)?;
            let inner = xs.dims()[1..].iter().product();
            with_data!(x, xv => Element::into_data(compress(xv, mask, inner, count)?))
        }
        IndexCall::Take { axis } => {
            let (outer, n, inner) = split(xs, axis);
            with_indices!("take", indices, v => {
                check("take", v, axis, n)?;
                with_data!(x, xv => Element::into_data(take(xv, v, outer, n, inner)))
            })
        }
        IndexCall::TakeAlongAxis { axis } => {
            let (_, n, inner) = split(xs, axis);
            let m = is.dims()[axis];
            with_indices!("take_along_axis", indices, p => {
                check("take_along_axis", p, axis, n)?;
                with_data!(x, v => Element::into_data(take_along(v, p, n, m, inner)))
            })
        }
    };
    Ok(vec![out])
}

/// Sizes before, along and after `axis`.
fn split(shape: &Shape, axis: usize) -> (usize, usize, usize) {
    let d = shape.dims();
    (
        d[..axis].iter().product(),
        d[axis],
        d[axis + 1..].iter().product(),
    )
}

/// `$body` with `$v` bound to the index slice of `$d` (any integer dtype), or the error
/// for other dtypes.
macro_rules! with_indices {
    ($func:expr, $d:expr, $v:ident => $body:expr) => {
        match $d {
            Data::I8($v) => $body,
            Data::I16($v) => $body,
            Data::I32($v) => $body,
            Data::I64($v) => $body,
            Data::U8($v) => $body,
            Data::U16($v) => $body,
            Data::U32($v) => $body,
            Data::U64($v) => $body,
            other => {
                return Err(RuntimeError::Unsupported {
                    what: format!("{} with {} indices", $func, other.dtype()),
                })
            }
        }
    };
}
use with_indices;

/// An index along the taken axis, of any integer dtype, read where it lies: no
/// resolved copy (a 10M-element one cost more than the gather it fed, 2026-12-07).
trait Index: Copy + Send + Sync {
    fn wide(self) -> i128;
    /// The position in `0..n` of an index `check` has found in `-n..n` (a negative one
    /// counts from the end).
    fn at(self, n: usize) -> usize;
}

macro_rules! index_types {
    ($($t:ty),*) => {$(
        impl Index for $t {
            fn wide(self) -> i128 {
                self as i128
            }
            #[inline]
            fn at(self, n: usize) -> usize {
                // exact: a checked index lies in -n..n, and n <= isize::MAX
                let i = self as i64;
                (if i < 0 { i + n as i64 } else { i }) as usize
            }
        }
    )*};
}
index_types!(i8, i16, i32, i64, u8, u16, u32, u64);

/// Ok if every index lies in `-n..n`, else the error naming the first that does not,
/// whatever the pool (checked across it).
fn check<I: Index>(func: &'static str, v: &[I], axis: usize, n: usize) -> Result<(), RuntimeError> {
    let outside = |&i: &I| !(-(n as i128)..n as i128).contains(&i.wide());
    // (`position_first` alone took 57 ms over 10M valid int64 indices here, `any` 4;
    // 2026-12-07)
    let first = if v.len() < PARALLEL_MIN {
        v.iter().position(outside)
    } else if v.par_iter().any(outside) {
        v.par_iter().position_first(outside)
    } else {
        None
    };
    match first {
        Some(k) => Err(out_of_bounds(func, v[k].wide(), axis, n)),
        None => Ok(()),
    }
}

fn out_of_bounds(func: &'static str, index: i128, axis: usize, n: usize) -> RuntimeError {
    let valid = if n == 0 {
        "none: the axis is empty".to_string()
    } else {
        format!("-{n} to {}", n - 1)
    };
    RuntimeError::Value {
        func,
        msg: format!("index {index} is out of bounds for axis {axis} of size {n} (valid: {valid})"),
    }
}

/// `out[o, j, i] = x[o, pos[j], i]` for x of `[outer, n, inner]`: rows of `inner`
/// elements copied into a preallocated output, in blocks of rows across the pool.
/// (Collecting a `flat_map_iter` instead built the result from per-task pieces: taking
/// 4000 rows of 2500 f64 took 60 ms against NumPy's 5, measured 2026-12-02.)
fn take<T: Element + Send + Sync, I: Index>(
    x: &[T],
    pos: &[I],
    outer: usize,
    n: usize,
    inner: usize,
) -> Vec<T> {
    let m = pos.len();
    let rows = outer * m;
    let mut out = super::output::<T>(rows * inner);
    if out.is_empty() {
        return out;
    }
    let copy_rows = |first: usize, chunk: &mut [T]| {
        // Row `first` is index j of block o; later rows step j, wrapping into o + 1.
        let (mut o, mut j) = (first / m, first % m);
        if inner == 1 {
            // single elements: a plain gather (a copy_from_slice of a run-time length
            // per element calls memcpy for each)
            for dst in chunk {
                *dst = x[o * n + pos[j].at(n)];
                j += 1;
                if j == m {
                    (o, j) = (o + 1, 0);
                }
            }
            return;
        }
        for dst in chunk.chunks_mut(inner) {
            let start = (o * n + pos[j].at(n)) * inner;
            dst.copy_from_slice(&x[start..start + inner]);
            j += 1;
            if j == m {
                (o, j) = (o + 1, 0);
            }
        }
    };
    // chunks of whole rows (inner >= 1: the output is not empty)
    let rows_per_chunk = PARALLEL_MIN.div_ceil(inner);
    fill_chunks(&mut out, rows_per_chunk * inner, |first, chunk| {
        copy_rows(first / inner, chunk)
    });
    out
}

/// `fill(first, chunk)` for consecutive chunks of `size` elements of `out`, `first`
/// being the chunk's first element: across the pool where `out` is long enough, else
/// as one chunk on this thread.
fn fill_chunks<T: Send>(out: &mut [T], size: usize, fill: impl Fn(usize, &mut [T]) + Sync) {
    if out.len() >= PARALLEL_MIN {
        out.par_chunks_mut(size)
            .enumerate()
            .for_each(|(b, chunk)| fill(b * size, chunk));
    } else {
        fill(0, out);
    }
}

/// The flat positions where `mask` is true, in order (`true_coordinates`): each
/// block of the mask counted, then its positions written at its offset, blocks in
/// parallel. Within a block the next slot is written at every position and kept where
/// the mask is true: no branch to mispredict on an irregular mask.
pub fn true_positions(mask: &[bool]) -> Vec<i64> {
    const BLOCK: usize = MASK_BLOCK;
    let counts = block_counts(mask);
    // every slot is written below (the stale contents of a pooled buffer are harmless)
    let mut out = super::output::<i64>(counts.iter().sum());
    let mut slots = Vec::with_capacity(counts.len());
    let mut rest = out.as_mut_slice();
    for &c in &counts {
        let (head, tail) = rest.split_at_mut(c);
        slots.push(head);
        rest = tail;
    }
    mask.par_chunks(BLOCK)
        .zip(slots)
        .enumerate()
        .for_each(|(b, (block, slot))| {
            let mut k = 0;
            for (i, &t) in (b * BLOCK..).zip(block) {
                if let Some(s) = slot.get_mut(k) {
                    *s = i as i64;
                }
                k += t as usize;
            }
        });
    out
}

/// The coordinates of the true elements of a row-major mask of shape `dims`, one
/// vector per axis (`nonzero`): the flat positions (`true_positions`), which are the
/// coordinates of a 1-D mask, then for more axes each block of positions, across the
/// pool, unravelled by counting: the next position's distance added to the last axis,
/// carried into the axes before it (a division only where it crosses a row). Two
/// divisions per position and axis on one thread took about 3.5 ms for the 500k
/// positions of a 1-D mask of 1M, eight times NumPy's whole `nonzero` (2026-12-07).
pub fn true_coordinates(mask: &[bool], dims: &[usize]) -> Vec<Vec<i64>> {
    let flat = true_positions(mask);
    if dims.len() <= 1 {
        return vec![flat];
    }
    const BLOCK: usize = 1 << 14;
    // every element is written below
    let mut coords: Vec<Vec<i64>> = dims.iter().map(|_| super::output(flat.len())).collect();
    // per block of positions, its piece of every axis's coordinates
    let mut pieces: Vec<Vec<&mut [i64]>> = Vec::new();
    for axis in coords.iter_mut() {
        for (b, piece) in axis.chunks_mut(BLOCK).enumerate() {
            if b == pieces.len() {
                pieces.push(Vec::new());
            }
            pieces[b].push(piece);
        }
    }
    let dims: Vec<i64> = dims.iter().map(|&d| d as i64).collect();
    let last = dims.len() - 1;
    flat.par_chunks(BLOCK)
        .zip(pieces)
        .for_each(|(positions, mut piece)| {
            // the coordinates of `prev`, a position before the block's first (0: the
            // first's distance from it is the first itself)
            let mut c = vec![0i64; dims.len()];
            let mut prev = 0;
            for (k, &p) in positions.iter().enumerate() {
                c[last] += p - prev;
                prev = p;
                let mut axis = last;
                while axis > 0 && c[axis] >= dims[axis] {
                    let carry = c[axis] / dims[axis];
                    c[axis] -= carry * dims[axis];
                    c[axis - 1] += carry;
                    axis -= 1;
                }
                for (out, &v) in piece.iter_mut().zip(&c) {
                    out[k] = v;
                }
            }
        });
    coords
}

fn mask_of(d: &Data) -> Result<&[bool], RuntimeError> {
    <bool as Element>::slice(d).ok_or_else(|| RuntimeError::Unsupported {
        what: format!("mask_select with a {} mask", d.dtype()),
    })
}

/// The number of true elements of a mask (`mask_select`'s output length), counted in
/// blocks across the pool.
pub fn count_true(mask: &[bool]) -> usize {
    block_counts(mask).iter().sum()
}

/// The number of true elements in each block of `MASK_BLOCK` of a mask, blocks in
/// parallel.
fn block_counts(mask: &[bool]) -> Vec<usize> {
    mask.par_chunks(MASK_BLOCK)
        .map(|b| b.iter().filter(|&&t| t).count())
        .collect()
}

/// A mask with `found` true elements given to a `Compress` built for `count`.
fn miscounted(found: usize, count: usize) -> RuntimeError {
    RuntimeError::Value {
        func: "mask_select",
        msg: format!("the mask has {found} true elements, the call was built for {count}"),
    }
}

/// Mask positions per block of `compress` (and `true_positions`).
const MASK_BLOCK: usize = 1 << 16;

/// The rows of x (`[mask.len(), inner]`) where the mask is true, in order, into a
/// preallocated output: each block of the mask counted, then its rows copied to its
/// offset, blocks in parallel. Single elements (inner = 1) are written branch-free: the
/// next slot takes every element and keeps it where the mask is true. `count` is the
/// number of true elements the call was built for; another count is an error.
fn compress<T: Element + Send + Sync>(
    x: &[T],
    mask: &[bool],
    inner: usize,
    count: usize,
) -> Result<Vec<T>, RuntimeError> {
    let counts = block_counts(mask);
    let found: usize = counts.iter().sum();
    if found != count {
        return Err(miscounted(found, count));
    }
    let mut out = super::output::<T>(count * inner);
    if out.is_empty() {
        return Ok(out);
    }
    let mut slots = Vec::with_capacity(counts.len());
    let mut rest = out.as_mut_slice();
    for &c in &counts {
        let (head, tail) = rest.split_at_mut(c * inner);
        slots.push(head);
        rest = tail;
    }
    let fill = |(b, (block, slot)): (usize, (&[bool], &mut [T]))| {
        let first = b * MASK_BLOCK;
        if inner == 1 {
            let mut k = 0;
            for (&v, &t) in x[first..first + block.len()].iter().zip(block) {
                if let Some(s) = slot.get_mut(k) {
                    *s = v;
                }
                k += t as usize;
            }
        } else {
            let mut rows = slot.chunks_mut(inner);
            for (i, &t) in (first..).zip(block) {
                if t {
                    let dst = rows.next().expect("counted");
                    dst.copy_from_slice(&x[i * inner..(i + 1) * inner]);
                }
            }
        }
    };
    if out_len_worth_parallel(count * inner, mask.len()) {
        mask.par_chunks(MASK_BLOCK)
            .zip(slots)
            .enumerate()
            .for_each(fill);
    } else {
        mask.chunks(MASK_BLOCK)
            .zip(slots)
            .enumerate()
            .for_each(fill);
    }
    Ok(out)
}

fn out_len_worth_parallel(out: usize, mask: usize) -> bool {
    out.max(mask) >= PARALLEL_MIN
}

/// The interpreter's `Compress`: the plain loop, independent of `compress`'s blocks.
pub(crate) fn reference(call: &IndexCall, args: &Args) -> Result<Vec<Data>, RuntimeError> {
    let IndexCall::Compress { count } = *call else {
        return run(call, args);
    };
    let &[(x, xs), (m, _)] = args else {
        return Err(RuntimeError::Unsupported {
            what: format!("{call:?} on {} input(s)", args.len()),
        });
    };
    let mask = mask_of(m)?;
    let found = mask.iter().filter(|&&t| t).count();
    if found != count {
        return Err(miscounted(found, count));
    }
    let inner: usize = xs.dims()[1..].iter().product();
    let out = with_data!(x, xv => {
        let mut out = Vec::with_capacity(count * inner);
        for (i, _) in mask.iter().enumerate().filter(|(_, &t)| t) {
            out.extend_from_slice(&xv[i * inner..(i + 1) * inner]);
        }
        Element::into_data(out)
    });
    Ok(vec![out])
}

/// `out[o, j, i] = x[o, pos[o, j, i], i]` for x of `[outer, n, inner]` and pos of
/// `[outer, m, inner]`: blocks of the output across the pool, each walking o and i by
/// counting (with a division and a remainder per element, and the indices resolved
/// into a copy first, 10M random positions took 214–236 ms against `take`'s 60–100;
/// without the divisions 167–185, without the copy 69–84; 2026-12-07).
fn take_along<T: Element + Send + Sync, I: Index>(
    x: &[T],
    pos: &[I],
    n: usize,
    m: usize,
    inner: usize,
) -> Vec<T> {
    let mut out = super::output::<T>(pos.len());
    if out.is_empty() {
        return out; // (m or inner may be 0)
    }
    let row = m * inner;
    let fill = |first: usize, chunk: &mut [T]| {
        // element `first` is at o = first / row, i = first % inner
        let (mut o, mut r, mut i) = (first / row, first % row, first % inner);
        for (dst, &p) in chunk.iter_mut().zip(&pos[first..]) {
            *dst = x[(o * n + p.at(n)) * inner + i];
            i += 1;
            if i == inner {
                i = 0;
            }
            r += 1;
            if r == row {
                (o, r) = (o + 1, 0);
            }
        }
    };
    fill_chunks(&mut out, PARALLEL_MIN, fill);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_gathers_middle_axis_slices() {
        // x: [2, 3, 2]; take positions [2, -3] along axis 1.
        let x: Vec<i32> = (0..12).collect();
        let pos = [2i64, -3];
        check("take", &pos, 1, 3).unwrap();
        assert_eq!(take(&x, &pos, 2, 3, 2), vec![4, 5, 0, 1, 10, 11, 6, 7]);
        let pos = [2u8, 0];
        assert_eq!(take(&x, &pos, 2, 3, 2), vec![4, 5, 0, 1, 10, 11, 6, 7]);
    }

    #[test]
    fn an_index_past_either_end_names_function_index_axis_and_size() {
        let e = check("take", &[u64::MAX], 0, 4).unwrap_err();
        assert!(e.to_string().contains(&format!("index {}", u64::MAX)));
        let e = check("take_along_axis", &[0i8, -5], 2, 4).unwrap_err();
        assert_eq!(
            e.to_string(),
            "take_along_axis: index -5 is out of bounds for axis 2 of size 4 (valid: -4 to 3)"
        );
    }

    #[test]
    fn the_error_names_the_first_bad_index_of_a_long_array() {
        // checked across the pool: the first of two bad indices, far apart, is named
        let mut idx: Vec<i32> = (0..3 * PARALLEL_MIN as i32).map(|i| i % 7 - 3).collect();
        idx[PARALLEL_MIN + 5] = 9;
        idx[2 * PARALLEL_MIN + 1] = -8;
        for _ in 0..4 {
            let e = check("take", &idx, 0, 7).unwrap_err();
            assert!(e.to_string().contains("index 9 is out of bounds"), "{e}");
        }
        // the first bad index at the end of the first half, another at the start of
        // the second, which a search for any bad index in halves would find first
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        let mut halves = vec![0i32; 1 << 20];
        halves[(1 << 19) - 1] = 100;
        for k in [1 << 19, 3 << 18, 7 << 17] {
            halves[k] = -100;
        }
        for _ in 0..20 {
            let e = pool.install(|| check("take", &halves, 0, 7)).unwrap_err();
            assert!(e.to_string().contains("index 100 is out of bounds"), "{e}");
        }
        idx[PARALLEL_MIN + 5] = 0;
        let e = check("take", &idx, 0, 7).unwrap_err();
        assert!(e.to_string().contains("index -8 is out of bounds"), "{e}");
        // the ends of the axis are in it, negative ones counted from the end
        check("take", &[-7i32, 6], 0, 7).unwrap();
        check("take", &[-8i32], 0, 7).unwrap_err();
        check("take", &[7u16], 0, 7).unwrap_err();
        let x: Vec<u8> = (0..7).collect();
        let want: Vec<u8> = idx.iter().map(|&i| i.rem_euclid(7) as u8).collect();
        let short = &idx[..PARALLEL_MIN];
        check("take", short, 0, 7).unwrap();
        assert_eq!(take(&x, short, 1, 7, 1), want[..PARALLEL_MIN]);
    }

    /// Stale buffers of `len` int64 elements in the pool, as an earlier execution would
    /// leave them (outputs taken from the pool must overwrite every element).
    fn stale_i64(len: usize, count: usize) {
        for _ in 0..count {
            kiln_ir::pool::give(Data::I64(vec![-1; len]));
        }
    }

    #[test]
    fn pooled_outputs_are_written_whole() {
        // [500, 600] with 4 of every 7 true: 171,429 positions, over the pool's smallest
        let dims = [500, 600];
        let mask: Vec<bool> = (0..300_000).map(|e| e % 7 < 4).collect();
        let count = mask.iter().filter(|&&t| t).count();
        stale_i64(count, 3);
        let got = true_coordinates(&mask, &dims);
        let want: Vec<(i64, i64)> = (0..300_000)
            .filter(|&e| mask[e])
            .map(|e| ((e / 600) as i64, (e % 600) as i64))
            .collect();
        assert_eq!(got[0], want.iter().map(|w| w.0).collect::<Vec<_>>());
        assert_eq!(got[1], want.iter().map(|w| w.1).collect::<Vec<_>>());
        // gathers of 140,001 int64 elements into stale buffers
        let x: Vec<i64> = (0..70_001).map(|v| v * 3 + 1).collect();
        let pos: Vec<i64> = (0..140_001).map(|j| scatter(j, 70_001) as i64).collect();
        let want: Vec<i64> = pos.iter().map(|&p| x[p as usize]).collect();
        stale_i64(pos.len(), 2);
        assert_eq!(take(&x, &pos, 1, 70_001, 1), want);
        assert_eq!(take_along(&x, &pos, 70_001, 140_001, 1), want);
    }

    #[test]
    fn coordinates_of_true_elements_match_division() {
        // a dense patterned mask (4 of every 7 true) and a sparse one (1 in 997, runs of
        // false crossing several rows at once), size-1 axes, more positions than a
        // block, empty and full masks
        let shapes: [&[usize]; 6] = [
            &[70001],
            &[300, 257],
            &[1, 5, 1, 9],
            &[40, 1, 33, 31],
            &[3, 0, 4],
            &[2, 70000],
        ];
        for dims in shapes {
            let n: usize = dims.iter().product();
            let masks: [Vec<bool>; 4] = [
                (0..n).map(|e| scatter(e, 7) < 4).collect(),
                (0..n).map(|e| scatter(e, 997) == 0).collect(),
                vec![false; n],
                vec![true; n],
            ];
            for mask in masks {
                let got = true_coordinates(&mask, dims);
                assert_eq!(got.len(), dims.len().max(1));
                let strides: Vec<usize> = (0..dims.len())
                    .map(|a| dims[a + 1..].iter().product())
                    .collect();
                for (axis, coords) in got.iter().enumerate() {
                    let want: Vec<i64> = (0..n)
                        .filter(|&e| mask[e])
                        .map(|e| ((e / strides[axis]) % dims[axis]) as i64)
                        .collect();
                    assert_eq!(coords, &want, "axis {axis} of {dims:?}");
                }
            }
        }
    }

    /// A position in `0..n` for element `e`, scattered by a multiplicative hash
    /// (periodic in e: with n = 7, a fixed pattern of 7).
    fn scatter(e: usize, n: usize) -> usize {
        e.wrapping_mul(2654435761) % n
    }

    #[test]
    fn gathers_across_blocks_match_the_index_formula() {
        // sizes past several of the pool's blocks, rows that cross them, odd strides
        for (outer, n, m, inner) in [
            (1, 70001, 90001, 1),
            (3, 1001, 12345, 1),
            (3, 101, 4000, 3),
            (2, 5, 0, 3),
            (2, 5, 3, 0),
            (0, 5, 3, 2),
        ] {
            let x: Vec<i64> = (0..(outer * n * inner) as i64).map(|v| v * 3 + 1).collect();
            // take: one index per (o, j), shared across o
            let pos: Vec<usize> = (0..m).map(|j| scatter(j, n)).collect();
            let mut want = Vec::new();
            for o in 0..outer {
                for &p in &pos {
                    want.extend_from_slice(&x[(o * n + p) * inner..][..inner]);
                }
            }
            // as int64 positions, and as int32 counted from the end where odd
            let pos64: Vec<i64> = pos.iter().map(|&p| p as i64).collect();
            let from_end = |p: usize| p as i32 - if p % 2 == 1 { n as i32 } else { 0 };
            let pos32: Vec<i32> = pos.iter().map(|&p| from_end(p)).collect();
            let what = format!("take of [{outer}, {n}, {inner}] at {m} positions");
            assert_eq!(take(&x, &pos64, outer, n, inner), want, "{what}");
            check("take", &pos32, 1, n).unwrap();
            assert_eq!(take(&x, &pos32, outer, n, inner), want, "{what}");
            // take_along: one index per output element, both ways
            let along: Vec<usize> = (0..outer * m * inner).map(|e| scatter(e, n)).collect();
            let want: Vec<i64> = (0..along.len())
                .map(|e| {
                    let (o, i) = (e / (m * inner), e % inner);
                    x[(o * n + along[e]) * inner + i]
                })
                .collect();
            let along64: Vec<i64> = along.iter().map(|&p| p as i64).collect();
            assert_eq!(take_along(&x, &along64, n, m, inner), want);
            let along32: Vec<i32> = along.iter().map(|&p| from_end(p)).collect();
            assert_eq!(take_along(&x, &along32, n, m, inner), want);
        }
    }
}
