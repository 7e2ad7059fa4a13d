//! Discrete Fourier transforms of the `fft` extension, as one-dimensional transforms
//! along one axis. The n-dimensional functions are compositions of these (one call per
//! axis), which is exact: a multi-dimensional DFT is separable, and the norm factors
//! multiply (`1/sqrt(n1·n2) = 1/sqrt(n1)·1/sqrt(n2)`).
//!
//! A call pads or trims its input along the axis itself, promotes real input of a
//! complex transform, conjugates for the Hermitian transforms and applies the norm
//! factor, so the namespace layer adds no elementwise work on complex values.

use super::{arity, Outputs};
use crate::dtype::{Category, DType};
use crate::error::IrError;
use crate::op::{check_category, Meta};
use std::fmt;

/// A transform of length `n` along `axis` (already normalised), scaled by `norm`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FftCall {
    pub kind: FftKind,
    pub axis: usize,
    /// The logical transform length: the length of the complex side of `Forward` and
    /// `Inverse`, of the real side of the other kinds (whose complex side holds
    /// `n/2 + 1` values).
    pub n: usize,
    pub norm: FftNorm,
}

/// Which transform, with `X[k] = Σ_j x[j]·exp(∓2πi·jk/n)` (`-` for the forward kinds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FftKind {
    /// `fft`: complex (or real, promoted) to complex, exponent sign `-`.
    Forward,
    /// `ifft`: complex (or real, promoted) to complex, exponent sign `+`.
    Inverse,
    /// `rfft`: n real values to the n/2+1 non-negative frequencies.
    RealForward,
    /// `irfft`: the n/2+1 non-negative frequencies of a Hermitian spectrum to n real
    /// values (imaginary parts of the zero and Nyquist terms are ignored).
    RealInverse,
    /// `hfft`: `irfft` of the conjugated input, scaled as a forward transform
    /// (NumPy's `irfft(conj(x), n, norm=swap(norm))`).
    HermitianForward,
    /// `ihfft`: the conjugate of `rfft`, scaled as an inverse transform
    /// (NumPy's `conj(rfft(x, n, norm=swap(norm)))`).
    HermitianInverse,
}

/// Normalisation of the standard (`norm="backward" | "ortho" | "forward"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FftNorm {
    #[default]
    Backward,
    Ortho,
    Forward,
}

impl FftKind {
    /// The function of the standard this kind is.
    pub fn name(self) -> &'static str {
        match self {
            FftKind::Forward => "fft",
            FftKind::Inverse => "ifft",
            FftKind::RealForward => "rfft",
            FftKind::RealInverse => "irfft",
            FftKind::HermitianForward => "hfft",
            FftKind::HermitianInverse => "ihfft",
        }
    }

    /// Whether the norm scales this kind as a forward transform (`backward`: 1,
    /// `forward`: 1/n) rather than as an inverse one (`backward`: 1/n, `forward`: 1).
    pub fn scales_as_forward(self) -> bool {
        matches!(
            self,
            FftKind::Forward | FftKind::RealForward | FftKind::HermitianForward
        )
    }

    /// Real input, complex output (`rfft`, `ihfft`).
    pub fn real_to_complex(self) -> bool {
        matches!(self, FftKind::RealForward | FftKind::HermitianInverse)
    }

    /// Complex (or promoted real) input, real output (`irfft`, `hfft`).
    pub fn complex_to_real(self) -> bool {
        matches!(self, FftKind::RealInverse | FftKind::HermitianForward)
    }

    /// Values of each input lane a transform of length `n` reads.
    pub fn input_len(self, n: usize) -> usize {
        if self.complex_to_real() {
            n / 2 + 1
        } else {
            n
        }
    }

    /// Values of each output lane of a transform of length `n`.
    pub fn output_len(self, n: usize) -> usize {
        if self.real_to_complex() {
            n / 2 + 1
        } else {
            n
        }
    }

    fn input_category(self) -> Category {
        if self.real_to_complex() {
            Category::RealFloating
        } else {
            Category::Floating
        }
    }

    fn output_dtype(self, input: DType) -> DType {
        if self.complex_to_real() {
            input.real_part()
        } else {
            input
                .to_complex()
                .expect("the input category is floating, which has a complex dtype")
        }
    }
}

impl FftNorm {
    pub fn name(self) -> &'static str {
        match self {
            FftNorm::Backward => "backward",
            FftNorm::Ortho => "ortho",
            FftNorm::Forward => "forward",
        }
    }
}

impl FftCall {
    pub fn infer(&self, func: &'static str, inputs: &[&Meta]) -> Result<Outputs, IrError> {
        arity(func, inputs, 1)?;
        let x = inputs[0];
        check_category(func, "x", x.dtype, self.kind.input_category())?;
        let rank = x.shape.rank();
        if self.axis >= rank {
            return Err(IrError::Axis {
                func,
                axis: self.axis as i64,
                rank,
            });
        }
        if self.n == 0 {
            return Err(IrError::invalid(
                func,
                format!(
                    "the transform length must be at least 1, got 0 (input shape {})",
                    x.shape
                ),
            ));
        }
        let mut shape = x.shape.clone();
        shape.0[self.axis] = self.kind.output_len(self.n);
        Ok(vec![(shape, self.kind.output_dtype(x.dtype))])
    }

    /// The factor every output value is multiplied by (standard, `norm` of each
    /// function): 1, 1/sqrt(n) or 1/n, by the norm and the kind's direction.
    pub fn scale(&self) -> f64 {
        let n = self.n as f64;
        match (self.norm, self.kind.scales_as_forward()) {
            (FftNorm::Ortho, _) => 1.0 / n.sqrt(),
            (FftNorm::Backward, true) | (FftNorm::Forward, false) => 1.0,
            (FftNorm::Backward, false) | (FftNorm::Forward, true) => 1.0 / n,
        }
    }
}

impl fmt::Display for FftCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}(axis={}, n={}, norm={})",
            self.kind.name(),
            self.axis,
            self.n,
            self.norm.name()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::Device;
    use crate::shape::Shape;

    fn meta(shape: &[usize], dtype: DType) -> Meta {
        Meta {
            shape: Shape::new(shape),
            dtype,
            device: Device::default(),
        }
    }

    fn call(kind: FftKind, axis: usize, n: usize) -> FftCall {
        FftCall {
            kind,
            axis,
            n,
            norm: FftNorm::Backward,
        }
    }

    #[test]
    fn output_shapes_and_dtypes_follow_the_standard() {
        let x = meta(&[3, 5, 2], DType::F32);
        let z = meta(&[3, 5, 2], DType::C128);
        let infer = |c: FftCall, m: &Meta| c.infer("t", &[m]).unwrap().remove(0);
        assert_eq!(
            infer(call(FftKind::Forward, 1, 8), &x),
            (Shape::new(&[3, 8, 2]), DType::C64)
        );
        assert_eq!(
            infer(call(FftKind::RealForward, 1, 7), &x),
            (Shape::new(&[3, 4, 2]), DType::C64)
        );
        assert_eq!(
            infer(call(FftKind::RealInverse, 0, 7), &z),
            (Shape::new(&[7, 5, 2]), DType::F64)
        );
        assert_eq!(
            infer(call(FftKind::HermitianInverse, 2, 2), &x),
            (Shape::new(&[3, 5, 2]), DType::C64)
        );
    }

    #[test]
    fn wrong_inputs_are_errors() {
        let ints = meta(&[4], DType::I64);
        let z = meta(&[4], DType::C64);
        assert!(call(FftKind::Forward, 0, 4).infer("t", &[&ints]).is_err());
        assert!(call(FftKind::RealForward, 0, 4).infer("t", &[&z]).is_err());
        assert!(call(FftKind::Forward, 1, 4).infer("t", &[&z]).is_err());
        assert!(call(FftKind::Forward, 0, 0).infer("t", &[&z]).is_err());
    }

    #[test]
    fn scale_depends_on_norm_and_direction() {
        let with = |kind, norm| FftCall {
            kind,
            axis: 0,
            n: 4,
            norm,
        };
        assert_eq!(with(FftKind::Forward, FftNorm::Backward).scale(), 1.0);
        assert_eq!(with(FftKind::Inverse, FftNorm::Backward).scale(), 0.25);
        assert_eq!(
            with(FftKind::HermitianForward, FftNorm::Forward).scale(),
            0.25
        );
        assert_eq!(
            with(FftKind::HermitianInverse, FftNorm::Forward).scale(),
            1.0
        );
        assert_eq!(with(FftKind::RealInverse, FftNorm::Ortho).scale(), 0.5);
    }
}
