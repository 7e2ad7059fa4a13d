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
pub use indexing::{count_true, true_positions};
use kiln_ir::{Data, Element, LibCall, Shape};

/// An output buffer of `n` elements whose every element the caller writes: the
/// executor's (`cpu::alloc`: a freed buffer of the same dtype and length when the
/// pool has one, else a fresh zeroed one on huge pages).
pub(crate) fn output<T: Element>(n: usize) -> Vec<T> {
    T::from_data(crate::cpu::alloc(T::DTYPE, n)).expect("alloc gives T's dtype")
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

/// Interleaved (re, im) pairs of a complex vector, as reals.
fn as_real(d: &Data) -> Result<Data, RuntimeError> {
    Ok(match d {
        Data::C64(v) => Data::F32(v.iter().flat_map(|z| [z.re, z.im]).collect()),
        Data::C128(v) => Data::F64(v.iter().flat_map(|z| [z.re, z.im]).collect()),
        other => return Err(bad_dtype("as_real", other)),
    })
}

/// Complex numbers from interleaved (re, im) pairs.
fn as_complex(d: &Data) -> Result<Data, RuntimeError> {
    use num_complex::Complex;
    Ok(match d {
        Data::F32(v) => Data::C64(
            v.chunks_exact(2)
                .map(|p| Complex::new(p[0], p[1]))
                .collect(),
        ),
        Data::F64(v) => Data::C128(
            v.chunks_exact(2)
                .map(|p| Complex::new(p[0], p[1]))
                .collect(),
        ),
        other => return Err(bad_dtype("as_complex", other)),
    })
}
