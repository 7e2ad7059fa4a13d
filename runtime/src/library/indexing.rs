use super::Args;
use crate::error::RuntimeError;
use kiln_ir::library::IndexCall;
use kiln_ir::Data;

pub fn run(call: &IndexCall, _args: &Args) -> Result<Vec<Data>, RuntimeError> {
    match *call {}
}
