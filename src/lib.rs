#![warn(missing_docs)]

//! # kiln
//!
//! The Python Array API standard's functions and semantics in Rust, lazily: every call
//! builds a node of a typed graph whose shape, dtype and device are known at once (a
//! mistake is an `Err` where it was written), and nothing runs until `compute()` or
//! [`eval`].
//!
//! ```
//! use kiln::{DType, ReduceOpts};
//! let x = kiln::asarray([[1.0f32, 2.0], [3.0, 4.0]], ())?;
//! let y = ((&x * 2.0)? + 1.0)?;                      // float32: Rust scalars are weak
//! let m = kiln::mean(&y, ReduceOpts::new().axis(1).keepdims(true))?;
//! let z = kiln::exp(&(&y - &m)?)?;                   // broadcasting [2, 2] - [2, 1]
//! assert_eq!(z.shape(), &[2, 2]);
//! assert_eq!(z.dtype(), DType::F32);
//! let values: Vec<f32> = z.compute()?.to_vec()?;     // runs here
//! assert_eq!(values.len(), 4);
//! # Ok::<(), kiln::Error>(())
//! ```
//!
//! Functions are free functions named as in the standard (`kiln::exp`,
//! `kiln::matrix_transpose`); methods are sugar. Optional arguments follow one idiom
//! everywhere: see [`options`].

mod array;
mod creation;
mod display;
pub mod dlpack;
mod elementwise;
mod error;
pub mod fft;
mod indexing;
pub mod linalg;
mod manipulation;
mod operand;
mod ops;
pub mod options;
mod reduction;
mod searching;
mod sets;
mod sorting;
mod utility;

pub use array::{default_mode, eval, eval_with, with_mode, Array};
pub use creation::*;
pub use dlpack::{from_dlpack, from_dlpack_versioned};
pub use elementwise::*;
pub use error::{Error, Result};
pub use indexing::{Ellipsis, NewAxis, SliceArg};
pub use kiln_ir::{DType, Device, Element, IrError, Scalar};
pub use kiln_runtime::{ExecStats, Mode};

/// Release the buffers kiln keeps for reuse between computations (up to 16 buffers of
/// at least 1 MiB, 1 GiB in all): intermediates the compiled modes freed, and the data
/// of dropped arrays. Returns the bytes released. kiln caches them because a fresh
/// large buffer costs page faults and zeroing on every call.
pub fn free_cached_buffers() -> usize {
    kiln_runtime::free_cached_buffers()
}

/// The size from which a kernel's outputs are written past the caches, with
/// non-temporal stores (a plain store first reads the line it writes; without that
/// read, `x + 1` and `where(x > a, x, 0)` over 10M f64 ran 1.2–1.5× faster here). The
/// default is the last-level cache's size (32 MiB where unknown), or the environment
/// variable `KILN_STREAM_MIN_BYTES`. Only light elementwise kernels (cheap operations,
/// little arithmetic per byte, outputs written in loop order) are streamed
/// (docs/architecture.md, *Streaming large outputs*); the results are the same bits
/// either way.
///
/// ```
/// let default = kiln::stream_min_bytes();
/// kiln::set_stream_min_bytes(usize::MAX); // never stream
/// assert_eq!(kiln::stream_min_bytes(), usize::MAX);
/// kiln::set_stream_min_bytes(0); // back to the default
/// assert_eq!(kiln::stream_min_bytes(), default);
/// ```
pub fn stream_min_bytes() -> usize {
    kiln_runtime::stream_min_bytes()
}

/// Set `stream_min_bytes` for this process: `usize::MAX` never streams, 0 restores the
/// default.
pub fn set_stream_min_bytes(bytes: usize) {
    kiln_runtime::set_stream_min_bytes(bytes)
}
pub use linalg::{matmul, tensordot, vecdot, TensordotAxes};
pub use manipulation::*;
pub use operand::Operand;
pub use options::{AxisArg, CreateOpts, CumulativeOpts, ReduceOpts};
pub use reduction::*;
pub use searching::*;
pub use sets::*;
pub use sorting::*;
pub use utility::*;

/// Complex element types, re-exported for `asarray` and scalars.
pub use num_complex::{Complex32, Complex64};
