//! Linear-algebra routines of the `linalg` extension that need a factorisation (LU,
//! Cholesky, QR, SVD, self-adjoint eigendecomposition); the rest of the extension is
//! composed from ordinary ops in the namespace layer, where it fuses.
//!
//! Every call works on a stack of matrices `[..., M, N]` of one floating dtype (the
//! namespace layer casts integers and broadcasts batch axes first), one matrix at a time.

use super::{arity, min_rank, Outputs};
use crate::dtype::Category;
use crate::error::IrError;
use crate::op::{check_category, Meta};
use crate::shape::Shape;

/// A call of this family and its static parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinalgCall {
    /// The Cholesky factor of Hermitian positive-definite matrices (from their lower
    /// triangle): L with A = L Lᴴ, or U = Lᴴ when `upper`.
    Cholesky { upper: bool },
    /// Determinants `[...]`.
    Det,
    /// Eigenvalues of Hermitian matrices (from their lower triangle), ascending, in the
    /// real dtype `[..., N]`; then, when `vectors`, the eigenvectors as columns
    /// `[..., N, N]`.
    Eigh { vectors: bool },
    /// Inverses `[..., N, N]`.
    Inv,
    /// Q and R of A = Q R: `[..., M, K]` and `[..., K, N]` with K = min(M, N), or
    /// `[..., M, M]` and `[..., M, N]` when `complete`.
    Qr { complete: bool },
    /// The sign of the determinant (input dtype; z/|z| for complex) and the natural log
    /// of its absolute value (real dtype), both `[...]`.
    Slogdet,
    /// X with A X = B, for A `[..., N, N]` and B `[..., N, K]` of one batch shape.
    Solve,
    /// U, S (real, descending) and Vh of A = U diag(S) Vh: `[..., M, M]`, `[..., K]`,
    /// `[..., N, N]` when `full_matrices`, else `[..., M, K]`, `[..., K]`, `[..., K, N]`.
    Svd { full_matrices: bool },
    /// The singular values alone, `[..., K]`, descending.
    Svdvals,
    /// The singular values for `matrix_rank`: those of `Svdvals`, but a matrix with an
    /// infinity or NaN is an error (its rank is undefined; `Svdvals` gives NaN there,
    /// none of which would exceed the tolerance, a silent rank 0).
    RankValues,
}

impl LinalgCall {
    pub fn infer(&self, func: &'static str, inputs: &[&Meta]) -> Result<Outputs, IrError> {
        let n_inputs = if *self == LinalgCall::Solve { 2 } else { 1 };
        arity(func, inputs, n_inputs)?;
        let x = inputs[0];
        check_category(func, "x", x.dtype, Category::Floating)?;
        min_rank(func, "x", x, 2, "a stack of matrices [..., M, N]")?;
        let rank = x.shape.rank();
        let batch = &x.shape.0[..rank - 2];
        let (m, n) = (x.shape.0[rank - 2], x.shape.0[rank - 1]);
        let k = m.min(n);
        let (dtype, real) = (x.dtype, x.dtype.real_part());
        let with = |tail: &[usize]| {
            let mut s = Shape::new(batch);
            s.0.extend_from_slice(tail);
            s
        };
        if self.needs_square() && m != n {
            return Err(IrError::invalid(
                func,
                format!("needs square matrices [..., N, N], got shape {}", x.shape),
            ));
        }
        Ok(match *self {
            LinalgCall::Cholesky { .. } | LinalgCall::Inv => vec![(x.shape.clone(), dtype)],
            LinalgCall::Det => vec![(with(&[]), dtype)],
            LinalgCall::Eigh { vectors } => {
                let mut outs = vec![(with(&[n]), real)];
                if vectors {
                    outs.push((x.shape.clone(), dtype));
                }
                outs
            }
            LinalgCall::Qr { complete: false } => {
                vec![(with(&[m, k]), dtype), (with(&[k, n]), dtype)]
            }
            LinalgCall::Qr { complete: true } => {
                vec![(with(&[m, m]), dtype), (x.shape.clone(), dtype)]
            }
            LinalgCall::Slogdet => vec![(with(&[]), dtype), (with(&[]), real)],
            LinalgCall::Solve => vec![(infer_solve(func, x, inputs[1])?, dtype)],
            LinalgCall::Svd { full_matrices } => {
                let (u, v) = if full_matrices { (m, n) } else { (k, k) };
                vec![
                    (with(&[m, u]), dtype),
                    (with(&[k]), real),
                    (with(&[v, n]), dtype),
                ]
            }
            LinalgCall::Svdvals | LinalgCall::RankValues => vec![(with(&[k]), real)],
        })
    }

    /// The name of the standard's function this call computes, for messages.
    pub fn func(&self) -> &'static str {
        match self {
            LinalgCall::Cholesky { .. } => "cholesky",
            LinalgCall::Det => "det",
            LinalgCall::Eigh { vectors: true } => "eigh",
            LinalgCall::Eigh { vectors: false } => "eigvalsh",
            LinalgCall::Inv => "inv",
            LinalgCall::Qr { .. } => "qr",
            LinalgCall::Slogdet => "slogdet",
            LinalgCall::Solve => "solve",
            LinalgCall::Svd { .. } => "svd",
            LinalgCall::Svdvals => "svdvals",
            LinalgCall::RankValues => "matrix_rank",
        }
    }

    fn needs_square(&self) -> bool {
        !matches!(
            self,
            LinalgCall::Qr { .. }
                | LinalgCall::Svd { .. }
                | LinalgCall::Svdvals
                | LinalgCall::RankValues
        )
    }
}

/// The shape of X in A X = B: B `[..., N, K]` with A's batch shape and dtype.
fn infer_solve(func: &'static str, a: &Meta, b: &Meta) -> Result<Shape, IrError> {
    min_rank(func, "x2", b, 2, "a stack of matrices [..., N, K]")?;
    let (ra, rb) = (a.shape.rank(), b.shape.rank());
    crate::op::same_dtype(func, a, b)?;
    if ra != rb
        || a.shape.0[..ra - 2] != b.shape.0[..rb - 2]
        || a.shape.0[ra - 1] != b.shape.0[rb - 2]
    {
        return Err(IrError::invalid(
            func,
            format!(
                "x1 {} and x2 {} must be [..., N, N] and [..., N, K] with one batch shape \
                 (broadcasting happens before)",
                a.shape, b.shape
            ),
        ));
    }
    Ok(b.shape.clone())
}

#[cfg(test)]
mod tests {
    use super::LinalgCall;
    use crate::dtype::DType;
    use crate::op::Meta;
    use crate::testing::meta;

    fn shapes(call: LinalgCall, inputs: &[&Meta]) -> Vec<(Vec<usize>, DType)> {
        call.infer("test", inputs)
            .unwrap()
            .into_iter()
            .map(|(s, d)| (s.dims().to_vec(), d))
            .collect()
    }

    #[test]
    fn svd_and_qr_shapes_follow_the_mode() {
        let x = meta(&[2, 5, 3], DType::F32);
        assert_eq!(
            shapes(
                LinalgCall::Svd {
                    full_matrices: true
                },
                &[&x]
            ),
            vec![
                (vec![2, 5, 5], DType::F32),
                (vec![2, 3], DType::F32),
                (vec![2, 3, 3], DType::F32)
            ]
        );
        assert_eq!(
            shapes(
                LinalgCall::Svd {
                    full_matrices: false
                },
                &[&x]
            ),
            vec![
                (vec![2, 5, 3], DType::F32),
                (vec![2, 3], DType::F32),
                (vec![2, 3, 3], DType::F32)
            ]
        );
        assert_eq!(
            shapes(LinalgCall::Qr { complete: true }, &[&x]),
            vec![(vec![2, 5, 5], DType::F32), (vec![2, 5, 3], DType::F32)]
        );
        assert_eq!(
            shapes(LinalgCall::Qr { complete: false }, &[&x]),
            vec![(vec![2, 5, 3], DType::F32), (vec![2, 3, 3], DType::F32)]
        );
    }

    #[test]
    fn complex_input_gives_real_eigenvalues_and_log_determinants() {
        let x = meta(&[4, 4], DType::C128);
        assert_eq!(
            shapes(LinalgCall::Eigh { vectors: true }, &[&x]),
            vec![(vec![4], DType::F64), (vec![4, 4], DType::C128)]
        );
        assert_eq!(
            shapes(LinalgCall::Slogdet, &[&x]),
            vec![(vec![], DType::C128), (vec![], DType::F64)]
        );
    }

    #[test]
    fn non_square_integer_and_mismatched_inputs_are_refused() {
        let rect = meta(&[3, 4], DType::F64);
        let err = LinalgCall::Inv.infer("inv", &[&rect]).unwrap_err();
        assert!(err.to_string().contains("square"), "{err}");
        let int = meta(&[3, 3], DType::I64);
        assert!(LinalgCall::Det.infer("det", &[&int]).is_err());
        let a = meta(&[2, 3, 3], DType::F64);
        let b = meta(&[3, 3, 1], DType::F64);
        assert!(LinalgCall::Solve.infer("solve", &[&a, &b]).is_err());
        let vector = meta(&[3], DType::F64);
        assert!(LinalgCall::Svdvals.infer("svdvals", &[&vector]).is_err());
    }
}
