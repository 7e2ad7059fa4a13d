//! A process-wide cache of large freed buffers (a caching allocator, as PyTorch's and
//! XLA's): a fresh large buffer costs a page fault and the kernel's zeroing of every
//! page on first touch (29% of softmax's time on 4096² f32, measured with `perf` here on
//! 2026-12-01), every time. Two kinds of buffers come back here: intermediates that an
//! execution has finished with, and the data of a dropped array (`Literal`'s `Drop`),
//! so a loop that computes arrays of the same shapes again and again writes into warm
//! pages. Exact (dtype, length) matches are reused first (or the same memory seen as
//! complex numbers or as their real parts), then an allocation up to 1/8 larger, its
//! length set to the request's (a time-stepped stencil's outputs shrink a little each
//! step: 20 Jacobi steps on 1000 × 1000 f64 took 24–26 ms with exact matches only,
//! 8.4–8.5 ms with this, 2026-12-07). A reused buffer holds stale values: whoever
//! takes one must write every element before anything reads it (the executor's
//! kernels do). Bounded: buffers of at least `MIN_BYTES`, at most
//! `MAX_BUFFERS` of them and `MAX_BYTES` in all, the oldest dropped first; `clear`
//! releases them.

use crate::data::Data;
use crate::dtype::DType;
use std::sync::Mutex;

const MIN_BYTES: usize = 1 << 20;
const MAX_BYTES: usize = 1 << 30;
const MAX_BUFFERS: usize = 16;
/// A freed buffer serves a request up to 1/SLACK shorter than itself.
const SLACK: usize = 8;

static POOL: Mutex<Vec<Data>> = Mutex::new(Vec::new());

/// Bytes of the buffer's allocation.
fn bytes(d: &Data) -> usize {
    capacity(d) * d.dtype().size_bytes()
}

/// Elements the buffer's allocation holds (its length, or more once shortened).
fn capacity(d: &Data) -> usize {
    crate::with_data!(d, v => v.capacity())
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
    // An allocation slightly larger, its length set to n (stale values either way):
    // the outputs of a shrinking sequence (each step of a stencil two rows and columns
    // smaller) reuse the buffers of the steps before them, and the next run of the
    // same sequence finds each allocation again, whatever length it was last given.
    // The smallest allocation that fits.
    let fits = |d: &Data| d.dtype() == dtype && capacity(d) >= n && capacity(d) - n <= n / SLACK;
    if let Some(i) = (0..pool.len())
        .filter(|&i| fits(&pool[i]))
        .min_by_key(|&i| capacity(&pool[i]))
    {
        let mut d = pool.remove(i);
        crate::with_data!(&mut d, v => v.resize(n, Default::default()));
        return Some(d);
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
        assert_eq!(take(DType::F32, n / 2), None, "a length far shorter");
        assert_eq!(take(DType::F32, n + 1), None, "a longer length");
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
        // Up to 1/SLACK shorter: the same allocation, shortened, and lengthened again
        // for a later request up to its size; the smallest allocation that fits.
        let m = n + n / SLACK;
        give(Data::F32(vec![3.0; m + 8]));
        give(Data::F32(vec![4.0; m]));
        let d = take(DType::F32, n).expect("a buffer up to 1/SLACK longer serves");
        assert_eq!(
            (d.len(), capacity(&d)),
            (n, m),
            "the smaller of the two fits"
        );
        give(d);
        let d = take(DType::F32, m).expect("the same allocation at its full length");
        assert_eq!((d.len(), capacity(&d)), (m, m));
        assert_eq!(
            take(DType::F32, m / 2),
            None,
            "the other is too long for half"
        );
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
