//! Small graph builders for the unit tests of passes.

use crate::data::{Data, Literal};
use crate::graph::{Expr, ExprRef, Graph};
use crate::op::{BinaryOp, Meta, Op, UnaryOp};
use crate::{DType, Device, Scalar, Shape};
use std::panic::Location;

/// The `Meta` of a CPU array of this shape and dtype.
pub fn meta(shape: &[usize], dtype: DType) -> Meta {
    Meta {
        shape: Shape::new(shape),
        dtype,
        device: Device::Cpu,
    }
}

/// An input (a constant of zeros) of the given shape and dtype.
pub fn input(shape: &[usize], dtype: DType) -> ExprRef {
    let n = shape.iter().product();
    let data = Data::filled(dtype, Scalar::Int(0), n);
    Expr::leaf(
        "input",
        Op::Constant(Literal::new(data)),
        meta(shape, dtype),
        Location::caller(),
    )
    .expect("valid constant")
}

pub fn fill(value: impl Into<Scalar>, shape: &[usize], dtype: DType) -> ExprRef {
    Expr::leaf(
        "fill",
        Op::Fill(value.into()),
        meta(shape, dtype),
        Location::caller(),
    )
    .expect("valid fill")
}

pub fn op(op: Op, inputs: &[&ExprRef]) -> ExprRef {
    let inputs = inputs.iter().map(|e| (*e).clone()).collect();
    Expr::new("test", op, inputs, Location::caller()).expect("valid node")
}

pub fn un(u: UnaryOp, x: &ExprRef) -> ExprRef {
    op(Op::Unary(u), &[x])
}

pub fn bin(b: BinaryOp, x: &ExprRef, y: &ExprRef) -> ExprRef {
    op(Op::Binary(b), &[x, y])
}

pub fn graph(outputs: &[&ExprRef]) -> Graph {
    Graph::from_exprs(outputs)
}
