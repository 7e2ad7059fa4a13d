use super::Args;
use crate::error::RuntimeError;
use kiln_ir::library::FftCall;
use kiln_ir::Data;

pub fn run(call: &FftCall, _args: &Args) -> Result<Vec<Data>, RuntimeError> {
    match *call {}
}
