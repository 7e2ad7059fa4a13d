//! Library routines behind `LibCall` steps: matrix products through the `gemm` crate,
//! factorisations through `faer`, FFTs through `rustfft`, sorts through the standard
//! library, all on contiguous row-major inputs.
//!
//! `run` is what compiled plans call. `reference` is what the interpreter calls: for the
//! matrix product it is an independent naive triple loop and for `mask_select`'s
//! compress a plain serial loop, so the differential tests compare two
//! implementations; for the other families it is the same routine (there is
//! no second factorisation to compare against), and their tests check properties
//! (A = QR, orthogonality, a naive DFT) instead.

mod fft;
pub(crate) mod indexing;
mod linalg;
pub mod matmul;
pub(crate) mod scan;
mod sorting;

use crate::error::RuntimeError;
pub use indexing::{count_true, true_coordinates};
use kiln_ir::{DType, Data, Element, LibCall, Shape};
use rayon::prelude::*;

/// An output buffer of `n` elements whose every element the caller writes: the
/// executor's (`cpu::alloc`: a freed buffer of the same dtype and length when the
/// pool has one, else a fresh zeroed one on huge pages).
pub(crate) fn output<T: Element>(n: usize) -> Vec<T> {
    T::from_data(crate::cpu::alloc(T::DTYPE, n)).expect("alloc gives T's dtype")
}

/// A scratch buffer of `n` elements taken from the buffer pool and given back when
/// dropped: a large one allocated fresh on every call costs a page fault and a zeroed
/// page per 4 KiB each time. Its contents are stale: write before reading.
pub(crate) struct Scratch<T: Element>(Vec<T>);

impl<T: Element> Scratch<T> {
    pub fn new(n: usize) -> Scratch<T> {
        Scratch(output(n))
    }
}

impl<T: Element> std::ops::Deref for Scratch<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: Element> std::ops::DerefMut for Scratch<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

impl<T: Element> Drop for Scratch<T> {
    fn drop(&mut self) {
        kiln_ir::pool::give(T::into_data(std::mem::take(&mut self.0)));
    }
}

/// A row-major array seen as `outer` blocks of `len` (one axis) × `inner` elements:
/// how routines that work along an axis (sorts, FFTs) walk its lanes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lanes {
    pub outer: usize,
    pub len: usize,
    pub inner: usize,
}

impl Lanes {
    pub fn of(shape: &Shape, axis: usize) -> Lanes {
        let d = shape.dims();
        Lanes {
            outer: d[..axis].iter().product(),
            len: d[axis],
            inner: d[axis + 1..].iter().product(),
        }
    }

    /// The number of lanes.
    pub fn count(self) -> usize {
        self.outer * self.inner
    }
}

/// A raw pointer to an output that parallel tasks share, each writing its own elements
/// only (every use says why its tasks' elements are disjoint).
#[derive(Clone, Copy)]
pub(crate) struct Shared<T>(pub *mut T);
// SAFETY: tasks write disjoint elements of an output that outlives them (each use).
unsafe impl<T> Send for Shared<T> {}
unsafe impl<T> Sync for Shared<T> {}

impl<T> Shared<T> {
    /// The pointer (a method, so closures capture the whole Send wrapper).
    pub fn get(self) -> *mut T {
        self.0
    }
}

/// `src` as `outer` row-major matrices of `rows` × `cols`, transposed into `dst`
/// (`outer` matrices of `cols` × `rows`): how routines that work on contiguous lanes
/// (sorts, FFTs) gather the lanes of an axis that is not the last, and put them back.
/// Tiles of `TILE` × `TILE` keep the strided side in cache; bands of `TILE` destination
/// rows run in parallel on large arrays.
pub(crate) fn transpose<T: Copy + Send + Sync>(
    src: &[T],
    dst: &mut [T],
    outer: usize,
    rows: usize,
    cols: usize,
) {
    const TILE: usize = 32;
    let m = rows * cols;
    assert!(
        src.len() == outer * m && dst.len() == outer * m,
        "transpose sizes"
    );
    if m == 0 {
        return;
    }
    // Destination rows c0..c0 + band.len() / rows of one matrix `s`.
    let band = |s: &[T], c0: usize, band: &mut [T]| {
        for r0 in (0..rows).step_by(TILE) {
            let r1 = (r0 + TILE).min(rows);
            for (c, row) in band.chunks_mut(rows).enumerate() {
                for r in r0..r1 {
                    row[r] = s[r * cols + c0 + c];
                }
            }
        }
    };
    let parallel = outer * m >= 1 << 16;
    for (s, d) in src.chunks(m).zip(dst.chunks_mut(m)) {
        if parallel {
            d.par_chunks_mut(TILE * rows)
                .enumerate()
                .for_each(|(b, d)| band(s, b * TILE, d));
        } else {
            d.chunks_mut(TILE * rows)
                .enumerate()
                .for_each(|(b, d)| band(s, b * TILE, d));
        }
    }
}

/// The row-major result of `rows` over the lanes of `x` along `g`'s axis, the axis now
/// of `n_out` elements: `rows(lanes, out)` gets the lanes as contiguous rows of
/// `g.len` and writes rows of `n_out`. Lanes of the last axis are `x`'s own rows;
/// others are gathered into rows by `transpose` into scratch and their results
/// transposed back (sorts, FFTs).
pub(crate) fn by_lanes<T: Element, U: Element>(
    x: &[T],
    g: Lanes,
    n_out: usize,
    rows: impl FnOnce(&[T], &mut [U]),
) -> Vec<U> {
    // From the executor's pool: `rows` writes every element.
    let mut out = output::<U>(g.count() * n_out);
    if out.is_empty() {
        return out;
    }
    if g.inner == 1 {
        rows(x, &mut out);
        return out;
    }
    // [outer, len, inner] → [outer, inner, len], and back with n_out.
    let mut lanes = Scratch::<T>::new(x.len());
    transpose(x, &mut lanes, g.outer, g.len, g.inner);
    let mut results = Scratch::<U>::new(out.len());
    rows(&lanes, &mut results);
    transpose(&results, &mut out, g.outer, g.inner, n_out);
    out
}

/// Inputs of a call: contiguous data with its shape.
pub type Args<'a> = [(&'a Data, &'a Shape)];

/// Run `call`, returning every output in order.
pub fn run(call: &LibCall, args: &Args) -> Result<Vec<Data>, RuntimeError> {
    match call {
        LibCall::Matmul => Ok(vec![matmul::gemm(args[0], args[1])?]),
        LibCall::Linalg(c) => linalg::run(c, args),
        LibCall::Fft(c) => fft::run(c, args),
        LibCall::Sort(c) => sorting::run(c, args),
        LibCall::Index(c) => indexing::run(c, args),
        LibCall::AsReal => Ok(vec![as_real(args[0].0)?]),
        LibCall::AsComplex => Ok(vec![as_complex(args[0].0)?]),
    }
}

/// The interpreter's version of `call`.
pub fn reference(call: &LibCall, args: &Args) -> Result<Vec<Data>, RuntimeError> {
    match call {
        LibCall::Matmul => Ok(vec![matmul::naive(args[0], args[1])?]),
        LibCall::Index(c) => indexing::reference(c, args),
        _ => run(call, args),
    }
}

fn bad_dtype(func: &str, d: &Data) -> RuntimeError {
    RuntimeError::Unsupported {
        what: format!("{func} of {}", d.dtype()),
    }
}

/// `as_real` or `as_complex` of a buffer nothing else reads: the same memory seen as
/// the other type (`Data::recast`), without a copy. A real buffer whose length or
/// capacity is odd is copied.
pub(crate) fn reinterpret(call: &LibCall, d: Data) -> Result<Data, RuntimeError> {
    let moves = match call {
        LibCall::AsReal => d.dtype().is_complex(),
        LibCall::AsComplex => matches!(d.dtype(), DType::F32 | DType::F64),
        _ => false,
    };
    let d = if moves {
        match d.recast() {
            Ok(r) => return Ok(r),
            Err(d) => d,
        }
    } else {
        d
    };
    Ok(run(call, &[(&d, &Shape::new(&[d.len()]))])?.remove(0))
}

/// Interleaved (re, im) pairs of a complex vector, as reals (a copy: `reinterpret`
/// moves a buffer nothing else reads instead).
fn as_real(d: &Data) -> Result<Data, RuntimeError> {
    use bytemuck::cast_slice;
    Ok(match d {
        Data::C64(v) => Data::F32(copied(cast_slice(v))),
        Data::C128(v) => Data::F64(copied(cast_slice(v))),
        other => return Err(bad_dtype("as_real", other)),
    })
}

/// Complex numbers from interleaved (re, im) pairs (an odd last real is ignored).
fn as_complex(d: &Data) -> Result<Data, RuntimeError> {
    use bytemuck::cast_slice;
    Ok(match d {
        Data::F32(v) => Data::C64(copied(cast_slice(&v[..v.len() & !1]))),
        Data::F64(v) => Data::C128(copied(cast_slice(&v[..v.len() & !1]))),
        other => return Err(bad_dtype("as_complex", other)),
    })
}

/// A copy of `v` in an output from the pool, in parallel runs for a large `v` (a complex
/// constant's parts are copied on every computation that reads them).
fn copied<T: Element>(v: &[T]) -> Vec<T> {
    const RUN: usize = 1 << 16;
    let mut out = output::<T>(v.len());
    out.par_chunks_mut(RUN)
        .zip(v.par_chunks(RUN))
        .for_each(|(o, s)| o.copy_from_slice(s));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transposes_match_the_index_formula_and_round_trip() {
        // Partial tiles both ways, one and several matrices, serial and parallel sizes.
        for (outer, rows, cols) in [(2, 3, 4), (1, 1, 70), (3, 33, 65), (2, 300, 129)] {
            let n = outer * rows * cols;
            let v: Vec<u32> = (0..n as u32).collect();
            let mut t = vec![0; n];
            transpose(&v, &mut t, outer, rows, cols);
            for o in 0..outer {
                for r in 0..rows {
                    for c in 0..cols {
                        let (from, to) = ((o * rows + r) * cols + c, (o * cols + c) * rows + r);
                        assert_eq!(t[to], v[from], "{outer}×{rows}×{cols} at {o}, {r}, {c}");
                    }
                }
            }
            let mut back = vec![0; n];
            transpose(&t, &mut back, outer, cols, rows);
            assert_eq!(back, v);
        }
    }
}
