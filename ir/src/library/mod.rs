//! Library calls: operations that are not loop nests (matrix products, factorisations,
//! sorts, FFTs). Each is one node of the graph (one node per output of a multi-output
//! routine, all naming the same call) and one step of its own in the fusion plan: its
//! inputs are materialised as contiguous row-major buffers, the runtime runs a library
//! routine on them, and elementwise consumers of its outputs fuse as usual afterwards.
//!
//! Every call states its outputs' shapes and dtypes here, from its inputs' metas alone,
//! so a wrong shape is an error where the user wrote the call. Run-time conditions that
//! depend on values (a singular matrix, an index out of bounds) are `RuntimeError`s of
//! the call's step.

pub mod fft;
pub mod indexing;
pub mod linalg;
pub mod sorting;

pub use fft::{FftCall, FftKind, FftNorm};
pub use indexing::IndexCall;
pub use linalg::LinalgCall;
pub use sorting::SortCall;

use crate::dtype::{Category, DType};
use crate::error::IrError;
use crate::op::{check_category, Meta};
use crate::shape::Shape;
use std::fmt;

/// A library routine and its static parameters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LibCall {
    /// `a[..., m, k] @ b[..., k, n]` with equal batch shapes and dtypes (the namespace
    /// layer broadcasts batch axes and promotes dtypes with explicit nodes first).
    Matmul,
    Linalg(LinalgCall),
    Fft(FftCall),
    Sort(SortCall),
    Index(IndexCall),
    /// complex[S] → real[S..., 2]: the same interleaved (re, im) memory read as reals.
    AsReal,
    /// real[S..., 2] → complex[S]: pairs (re, im) read as complex numbers.
    AsComplex,
}

/// Shape and dtype of each output of a call.
pub type Outputs = Vec<(Shape, DType)>;

impl LibCall {
    /// The outputs of the call on inputs with the given metas. `func` names the
    /// user-facing function in errors.
    pub fn infer(&self, func: &'static str, inputs: &[&Meta]) -> Result<Outputs, IrError> {
        match self {
            LibCall::Matmul => infer_matmul(func, inputs),
            LibCall::Linalg(c) => c.infer(func, inputs),
            LibCall::Fft(c) => c.infer(func, inputs),
            LibCall::Sort(c) => c.infer(func, inputs),
            LibCall::Index(c) => c.infer(func, inputs),
            LibCall::AsReal => {
                arity(func, inputs, 1)?;
                check_category(func, "x", inputs[0].dtype, Category::Complex)?;
                let mut shape = inputs[0].shape.clone();
                shape.0.push(2);
                Ok(vec![(shape, inputs[0].dtype.real_part())])
            }
            LibCall::AsComplex => {
                arity(func, inputs, 1)?;
                let x = inputs[0];
                check_category(func, "x", x.dtype, Category::RealFloating)?;
                min_rank(func, "x", x, 1, "[..., 2]")?;
                let mut shape = x.shape.clone();
                if shape.0.pop() != Some(2) {
                    return Err(IrError::invalid(
                        func,
                        format!(
                            "the last axis must hold (re, im) pairs, got shape {}",
                            x.shape
                        ),
                    ));
                }
                let dtype = x
                    .dtype
                    .to_complex()
                    .expect("real floating dtypes have a complex");
                Ok(vec![(shape, dtype)])
            }
        }
    }

    /// Whether the routine reads its inputs through strided views (offset and strides
    /// over a buffer), so a transpose, slice or broadcast of an input costs no copy.
    /// The others get contiguous row-major inputs.
    pub fn takes_views(&self) -> bool {
        matches!(self, LibCall::Matmul)
    }

    pub fn name(&self) -> String {
        match self {
            LibCall::Matmul => "matmul".into(),
            LibCall::Linalg(c) => format!("{c:?}").to_lowercase(),
            LibCall::Fft(c) => format!("{c}"),
            LibCall::Sort(c) => format!("{c:?}").to_lowercase(),
            LibCall::Index(c) => format!("{c:?}").to_lowercase(),
            LibCall::AsReal => "as_real".into(),
            LibCall::AsComplex => "as_complex".into(),
        }
    }
}

impl fmt::Display for LibCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// The number of inputs is part of a call's contract; a mismatch is a bug of the
/// namespace layer, still reported as an error rather than a panic.
pub(crate) fn arity(func: &'static str, inputs: &[&Meta], n: usize) -> Result<(), IrError> {
    if inputs.len() == n {
        Ok(())
    } else {
        Err(IrError::invalid(
            func,
            format!("takes {n} array(s), got {}", inputs.len()),
        ))
    }
}

/// Rank at least `min`, naming the argument and what the axes mean.
pub(crate) fn min_rank(
    func: &'static str,
    arg: &str,
    m: &Meta,
    min: usize,
    what: &str,
) -> Result<(), IrError> {
    if m.shape.rank() >= min {
        Ok(())
    } else {
        Err(IrError::invalid(
            func,
            format!(
                "{arg} must have at least {min} axes ({what}), got shape {}",
                m.shape
            ),
        ))
    }
}

fn infer_matmul(func: &'static str, inputs: &[&Meta]) -> Result<Outputs, IrError> {
    arity(func, inputs, 2)?;
    let (a, b) = (inputs[0], inputs[1]);
    check_category(func, "x1", a.dtype, Category::Numeric)?;
    check_category(func, "x2", b.dtype, Category::Numeric)?;
    crate::op::same_dtype(func, a, b)?;
    min_rank(func, "x1", a, 2, "[..., M, K]")?;
    min_rank(func, "x2", b, 2, "[..., K, N]")?;
    let (ra, rb) = (a.shape.rank(), b.shape.rank());
    let (m, k) = (a.shape.0[ra - 2], a.shape.0[ra - 1]);
    let (k2, n) = (b.shape.0[rb - 2], b.shape.0[rb - 1]);
    if k != k2 || a.shape.0[..ra - 2] != b.shape.0[..rb - 2] {
        return Err(IrError::invalid(
            func,
            format!(
                "shapes {} and {} do not chain: x1's last axis ({k}) must equal x2's \
                 second-to-last ({k2})",
                a.shape, b.shape
            ),
        ));
    }
    let mut shape = a.shape.clone();
    shape.0[ra - 2] = m;
    shape.0[ra - 1] = n;
    Ok(vec![(shape, a.dtype)])
}
