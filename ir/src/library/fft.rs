//! Discrete Fourier transforms of the `fft` extension.

use super::Outputs;
use crate::error::IrError;
use crate::op::Meta;

/// A call of this family and its static parameters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FftCall {}

impl FftCall {
    pub fn infer(&self, _func: &'static str, _inputs: &[&Meta]) -> Result<Outputs, IrError> {
        match *self {}
    }
}

/// Which transform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FftKind {}

/// Normalisation of the standard (`norm="backward" | "ortho" | "forward"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FftNorm {
    #[default]
    Backward,
    Ortho,
    Forward,
}

impl std::fmt::Display for FftCall {
    fn fmt(&self, _f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {}
    }
}
