//! Sorting and searching.

use super::Outputs;
use crate::error::IrError;
use crate::op::Meta;

/// A call of this family and its static parameters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SortCall {}

impl SortCall {
    pub fn infer(&self, _func: &'static str, _inputs: &[&Meta]) -> Result<Outputs, IrError> {
        match *self {}
    }
}
