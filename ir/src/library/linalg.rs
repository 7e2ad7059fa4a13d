//! Linear-algebra routines of the `linalg` extension that need a factorisation (the rest are compositions in the namespace layer).

use super::Outputs;
use crate::error::IrError;
use crate::op::Meta;

/// A call of this family and its static parameters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LinalgCall {}

impl LinalgCall {
    pub fn infer(&self, _func: &'static str, _inputs: &[&Meta]) -> Result<Outputs, IrError> {
        match *self {}
    }
}
