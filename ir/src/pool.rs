//! A process-wide cache of large freed buffers (a caching allocator, as PyTorch's and
//! XLA's): a fresh large buffer costs a page fault and the kernel's zeroing of every
//! page on first touch (29% of softmax's time on 4096² f32, measured with `perf` here on
//! 2026-12-01), every time. Two kinds of buffers come back here: intermediates that an
//! execution has finished with, and the data of a dropped array (`Literal`'s `Drop`),
//! so a loop that computes arrays of the same shapes again and again writes into warm
//! pages. Only exact (dtype, length) matches are reused (or the same memory seen as
//! complex numbers or as their real parts), so a reused buffer holds stale
//! values: whoever takes one must write every element before anything reads it (the
//! executor's kernels do). Bounded: buffers of at least `MIN_BYTES`, at most
//! `MAX_BUFFERS` of them and `MAX_BYTES` in all, the oldest dropped first; `clear`
//! releases them.

use crate::data::Data;
use crate::dtype::DType;
use std::sync::Mutex;

const MIN_BYTES: usize = 1 << 20;
const MAX_BYTES: usize = 1 << 30;
const MAX_BUFFERS: usize = 16;

static POOL: Mutex<Vec<Data>> = Mutex::new(Vec::new());

fn bytes(d: &Data) -> usize {
    d.len() * d.dtype().size_bytes()
}

/// A cached buffer of exactly this dtype and length, most recently freed first. Its
/// contents are stale.
pub fn take(dtype: DType, n: usize) -> Option<Data> {
    if n * dtype.size_bytes() < MIN_BYTES {
        return None;
    }
    let mut pool = POOL.lock().ok()?;
    if let Some(i) = pool
        .iter()
        .rposition(|d| d.dtype() == dtype && d.len() == n)
    {
        return Some(pool.remove(i));
    }
    // A complex buffer's memory is its (re, im) pairs: a freed complex64 buffer of n
    // elements serves float32 ones of 2n, and back (an FFT's result freed as the reals
    // its `abs` read, then the next FFT's). The most recently freed that recasts.
    for i in (0..pool.len()).rev() {
        let d = &pool[i];
        if Data::recast_dtype(d.dtype()) == Some(dtype) && bytes(d) == n * dtype.size_bytes() {
            match pool.remove(i).recast() {
                Ok(d) => return Some(d),
                // Reals of an odd allocation: not whole complex numbers.
                Err(d) => pool.insert(i, d),
            }
        }
    }
    None
}

/// Keep a buffer for reuse (small and oversized ones are simply dropped).
pub fn give(d: Data) {
    let size = bytes(&d);
    if !(MIN_BYTES..=MAX_BYTES).contains(&size) {
        return;
    }
    let Ok(mut pool) = POOL.lock() else { return };
    pool.push(d);
    while pool.len() > MAX_BUFFERS || pool.iter().map(bytes).sum::<usize>() > MAX_BYTES {
        pool.remove(0);
    }
}

/// Drop every cached buffer; returns the bytes released.
pub fn clear() -> usize {
    let Ok(mut pool) = POOL.lock() else { return 0 };
    let n = pool.iter().map(bytes).sum();
    pool.clear();
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    // One test: the pool is process-wide, and this crate's other tests never give it
    // buffers this large, so nothing else touches it meanwhile.
    #[test]
    fn reuses_exact_matches_and_complex_parts_and_stays_bounded() {
        let n = (MIN_BYTES / 4) + 3; // just over 1 MiB of f32
        clear();
        give(Data::F32(vec![7.5; n]));
        assert_eq!(take(DType::F64, n), None, "another dtype");
        assert_eq!(take(DType::F32, n - 1), None, "another length");
        assert_eq!(
            take(DType::F32, n),
            Some(Data::F32(vec![7.5; n])),
            "the same buffer"
        );
        assert_eq!(take(DType::F32, n), None, "taken once");
        // The same memory as complex numbers or as their parts, values kept.
        give(Data::C64(vec![num_complex::Complex32::new(1.5, -2.0); n]));
        assert_eq!(take(DType::F32, n), None, "n complex numbers are 2n reals");
        let reals = [1.5f32, -2.0].repeat(n);
        assert_eq!(take(DType::F32, 2 * n), Some(Data::F32(reals.clone())));
        give(Data::F32(reals));
        let pairs = vec![num_complex::Complex32::new(1.5, -2.0); n];
        assert_eq!(take(DType::C64, n), Some(Data::C64(pairs)));
        // 2n reals in an allocation of 2n + 1: not a whole number of complex numbers.
        let mut odd = Vec::with_capacity(2 * n + 1);
        odd.resize(2 * n, 0.5f64);
        give(Data::F64(odd));
        assert_eq!(take(DType::C128, n), None, "an odd capacity");
        assert!(take(DType::F64, 2 * n).is_some());
        clear();
        give(Data::F32(vec![0.0; 1000]));
        assert_eq!(take(DType::F32, 1000), None, "small buffers are not kept");
        // The most recently freed buffer of a size comes back first.
        give(Data::F32(vec![1.0; n]));
        give(Data::F32(vec![2.0; n]));
        assert_eq!(take(DType::F32, n), Some(Data::F32(vec![2.0; n])));
        clear();
        // At most MAX_BUFFERS buffers: the oldest go first.
        for i in 0..MAX_BUFFERS + 3 {
            give(Data::F32(vec![i as f32; n]));
        }
        assert_eq!(clear(), MAX_BUFFERS * n * 4);
        // At most MAX_BYTES in all.
        let big = MAX_BYTES / 8 / 3 + 1; // a third of the budget, plus a little
        for _ in 0..3 {
            give(Data::F64(vec![0.0; big]));
        }
        assert_eq!(clear(), 2 * big * 8, "the third would exceed the budget");
        assert_eq!(clear(), 0);
    }
}
