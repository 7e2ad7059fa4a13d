//! Operands of elementwise functions (arrays or Rust scalars) and the one place where the
//! standard's promotion and broadcasting are made explicit as `Cast` and `Broadcast`
//! nodes.

use crate::array::Array;
use crate::error::{Error, Result};
use kiln_ir::{
    broadcast_shapes, promote, DType, Device, Expr, IrError, Loc, Meta, Op, Scalar, Shape,
};

/// An array or a weakly typed Rust scalar, as elementwise functions accept them.
#[derive(Clone, Debug)]
pub enum Operand {
    /// An array: its dtype takes part in promotion, its shape in broadcasting.
    Array(Array),
    /// A weak Rust scalar: it takes the dtype the arrays promote to (a complex scalar
    /// makes a real floating dtype complex), and one that dtype cannot hold (an integer
    /// out of range, a float beside integer arrays) is an error.
    Scalar(Scalar),
}

impl From<&Array> for Operand {
    fn from(a: &Array) -> Operand {
        Operand::Array(a.clone())
    }
}
impl From<Array> for Operand {
    fn from(a: Array) -> Operand {
        Operand::Array(a)
    }
}
impl From<&&Array> for Operand {
    fn from(a: &&Array) -> Operand {
        Operand::Array((*a).clone())
    }
}
impl From<Scalar> for Operand {
    fn from(s: Scalar) -> Operand {
        Operand::Scalar(s)
    }
}

macro_rules! operand_from_scalar {
    ($($t:ty),*) => {$(
        impl From<$t> for Operand {
            fn from(v: $t) -> Operand {
                Operand::Scalar(Scalar::from(v))
            }
        }
    )*};
}
operand_from_scalar!(
    bool,
    i8,
    i16,
    i32,
    i64,
    isize,
    u8,
    u16,
    u32,
    u64,
    usize,
    f32,
    f64,
    num_complex::Complex32,
    num_complex::Complex64
);

pub(crate) fn cast(func: &'static str, a: &Array, dtype: DType, at: Loc) -> Result<Array> {
    if a.dtype() == dtype {
        return Ok(a.clone());
    }
    Array::node(func, Op::Cast(dtype), &[a], at)
}

pub(crate) fn broadcast(func: &'static str, a: &Array, shape: &Shape, at: Loc) -> Result<Array> {
    if a.shape() == shape.dims() {
        return Ok(a.clone());
    }
    Array::node(func, Op::Broadcast(shape.clone()), &[a], at)
}

/// A leaf whose every element is `value` (already resolved to `dtype`).
pub(crate) fn fill(
    func: &'static str,
    value: Scalar,
    shape: Shape,
    dtype: DType,
    device: Device,
    at: Loc,
) -> Result<Array> {
    let meta = Meta {
        shape,
        dtype,
        device,
    };
    Expr::leaf(func, Op::Fill(value), meta, at)
        .map(Array::from_expr)
        .map_err(|e| Error::build(e, at))
}

/// The dtype, shape and device that operands promote and broadcast to.
pub(crate) fn common_meta(func: &'static str, operands: &[Operand], at: Loc) -> Result<Meta> {
    let err = |e| Error::build(e, at);
    let arrays: Vec<&Array> = operands
        .iter()
        .filter_map(|o| match o {
            Operand::Array(a) => Some(a),
            Operand::Scalar(_) => None,
        })
        .collect();
    let Some(first) = arrays.first() else {
        return Err(err(IrError::invalid(
            func,
            "at least one operand must be an array (got only scalars)",
        )));
    };
    let mut dtype = promote_arrays(func, &arrays, at)?;
    // Scalars are weak: they take the arrays' dtype (a complex scalar lifts a real
    // float dtype to the complex one of the same precision).
    for o in operands {
        if let Operand::Scalar(s) = o {
            dtype = s.resolve(func, dtype).map_err(err)?;
        }
    }
    let device = first.device();
    if arrays.iter().any(|a| a.device() != device) {
        return Err(err(IrError::Device {
            func,
            devices: arrays.iter().map(|a| a.device()).collect(),
        }));
    }
    let shapes: Vec<Shape> = arrays.iter().map(|a| Shape::new(a.shape())).collect();
    let refs: Vec<&Shape> = shapes.iter().collect();
    let shape = broadcast_shapes(func, &refs).map_err(err)?;
    Ok(Meta {
        shape,
        dtype,
        device,
    })
}

/// The standard's promotion of the arrays' dtypes, or an error naming the pair that
/// does not promote.
pub(crate) fn promote_arrays(func: &'static str, arrays: &[&Array], at: Loc) -> Result<DType> {
    let mut dtype = arrays[0].dtype();
    for a in &arrays[1..] {
        dtype = promote(dtype, a.dtype()).ok_or_else(|| {
            Error::build(
                IrError::Promotion {
                    func,
                    a: dtype,
                    b: a.dtype(),
                    hint: promotion_hint(dtype, a.dtype()),
                },
                at,
            )
        })?;
    }
    Ok(dtype)
}

fn promotion_hint(a: DType, b: DType) -> &'static str {
    if a.kind() != b.kind() && (a.is_bool() || b.is_bool()) {
        " (bool does not mix with numbers)"
    } else if a.is_integer() && b.is_integer() {
        " (no signed integer type holds every uint64)"
    } else {
        " (integer and floating-point kinds do not mix)"
    }
}

/// Promote and broadcast operands to one dtype and shape, as arrays.
pub(crate) fn unify(func: &'static str, operands: &[Operand], at: Loc) -> Result<Vec<Array>> {
    let meta = common_meta(func, operands, at)?;
    operands
        .iter()
        .map(|o| match o {
            Operand::Array(a) => {
                let a = cast(func, a, meta.dtype, at)?;
                broadcast(func, &a, &meta.shape, at)
            }
            Operand::Scalar(s) => fill(func, *s, meta.shape.clone(), meta.dtype, meta.device, at),
        })
        .collect()
}
