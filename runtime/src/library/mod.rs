//! Library routines behind `LibCall` steps: matrix products through the `gemm` crate,
//! factorisations through `faer`, FFTs through `rustfft`, sorts through the standard
//! library, all on contiguous row-major inputs.
//!
//! `run` is what compiled plans call. `reference` is what the interpreter calls: for the
//! matrix product it is an independent naive triple loop, so the differential tests
//! compare two implementations; for the other families it is the same routine (there is
//! no second factorisation to compare against), and their tests check properties
//! (A = QR, orthogonality, a naive DFT) instead.

mod fft;
mod indexing;
mod linalg;
pub mod matmul;
mod sorting;

use crate::error::RuntimeError;
use kiln_ir::{Data, LibCall, Shape};

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
    }
}

/// The interpreter's version of `call`.
pub fn reference(call: &LibCall, args: &Args) -> Result<Vec<Data>, RuntimeError> {
    match call {
        LibCall::Matmul => Ok(vec![matmul::naive(args[0], args[1])?]),
        _ => run(call, args),
    }
}
