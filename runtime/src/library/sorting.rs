use super::Args;
use crate::error::RuntimeError;
use kiln_ir::library::SortCall;
use kiln_ir::Data;

pub fn run(call: &SortCall, _args: &Args) -> Result<Vec<Data>, RuntimeError> {
    match *call {}
}
