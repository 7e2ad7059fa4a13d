//! Data-type and shape utilities of the standard: result_type, can_cast,
//! broadcast_shapes, finfo, iinfo, isdtype.

use crate::error::{Error, Result};
use kiln_ir::{Category, DType, IrError, Shape};
use std::panic::Location;

/// The dtype the standard's promotion gives for these dtypes, or an error naming them.
///
/// ```
/// use kiln::DType;
/// assert_eq!(kiln::result_type(&[DType::I8, DType::U8])?, DType::I16);
/// assert_eq!(kiln::result_type(&[DType::F32, DType::C64, DType::F64])?, DType::C128);
/// assert!(kiln::result_type(&[DType::I64, DType::F32]).is_err()); // kinds do not mix
/// # Ok::<(), kiln::Error>(())
/// ```
#[track_caller]
pub fn result_type(dtypes: &[DType]) -> Result<DType> {
    // Taken here: `Location::caller()` inside the closure would name this file.
    let at = Location::caller();
    kiln_ir::result_type(dtypes).ok_or_else(|| {
        let names: Vec<&str> = dtypes.iter().map(|d| d.name()).collect();
        Error::build(
            IrError::invalid(
                "result_type",
                format!(
                    "the Array API defines no promotion of [{}]",
                    names.join(", ")
                ),
            ),
            at,
        )
    })
}

/// Whether `from` promotes to `to` without changing kind or losing range.
pub fn can_cast(from: DType, to: DType) -> bool {
    kiln_ir::can_cast(from, to)
}

/// The shape that broadcasting these shapes gives.
#[track_caller]
pub fn broadcast_shapes(shapes: &[&[usize]]) -> Result<Vec<usize>> {
    let at = Location::caller();
    let shapes: Vec<Shape> = shapes.iter().map(|s| Shape::new(s)).collect();
    let refs: Vec<&Shape> = shapes.iter().collect();
    kiln_ir::broadcast_shapes("broadcast_shapes", &refs)
        .map(|s| s.dims().to_vec())
        .map_err(|e| Error::build(e, at))
}

/// Machine limits of a floating-point dtype.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FInfo {
    /// Bits of the type: 32 or 64 (of the real part, for complex).
    pub bits: u32,
    /// Difference between 1.0 and the next larger representable number.
    pub eps: f64,
    /// Largest finite representable number.
    pub max: f64,
    /// Smallest (most negative) finite representable number: `-max`.
    pub min: f64,
    /// Smallest positive normal number.
    pub smallest_normal: f64,
    /// The real floating dtype described: float32 for complex64, float64 for
    /// complex128.
    pub dtype: DType,
}

/// Limits of a floating-point dtype (for complex, of its real part).
#[track_caller]
pub fn finfo(dtype: DType) -> Result<FInfo> {
    match dtype.real_part() {
        DType::F32 => Ok(FInfo {
            bits: 32,
            eps: f32::EPSILON as f64,
            max: f32::MAX as f64,
            min: f32::MIN as f64,
            smallest_normal: f32::MIN_POSITIVE as f64,
            dtype: DType::F32,
        }),
        DType::F64 => Ok(FInfo {
            bits: 64,
            eps: f64::EPSILON,
            max: f64::MAX,
            min: f64::MIN,
            smallest_normal: f64::MIN_POSITIVE,
            dtype: DType::F64,
        }),
        _ => Err(Error::build(
            IrError::DType {
                func: "finfo",
                arg: "dtype",
                dtype,
                expected: Category::Floating,
            },
            Location::caller(),
        )),
    }
}

/// Machine limits of an integer dtype.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IInfo {
    /// Bits of the type: 8, 16, 32 or 64.
    pub bits: u32,
    /// Largest representable value (an `i128` holds that of every integer dtype).
    pub max: i128,
    /// Smallest representable value: 0 for the unsigned dtypes.
    pub min: i128,
    /// The integer dtype described.
    pub dtype: DType,
}

/// Limits of an integer dtype.
#[track_caller]
pub fn iinfo(dtype: DType) -> Result<IInfo> {
    match (dtype.int_bits(), dtype.int_range()) {
        (Some(bits), Some((min, max))) => Ok(IInfo {
            bits,
            max,
            min,
            dtype,
        }),
        _ => Err(Error::build(
            IrError::DType {
                func: "iinfo",
                arg: "dtype",
                dtype,
                expected: Category::Integer,
            },
            Location::caller(),
        )),
    }
}

/// Whether `dtype` is of a kind: the standard's kind names ("bool", "signed integer",
/// "unsigned integer", "integral", "real floating", "complex floating", "numeric").
#[track_caller]
pub fn isdtype(dtype: DType, kind: &str) -> Result<bool> {
    let cat = match kind {
        "bool" => Category::Bool,
        "signed integer" => return Ok(dtype.is_signed_integer()),
        "unsigned integer" => return Ok(dtype.is_unsigned_integer()),
        "integral" => Category::Integer,
        "real floating" => Category::RealFloating,
        "complex floating" => Category::Complex,
        "numeric" => Category::Numeric,
        other => {
            return Err(Error::build(
                IrError::invalid(
                    "isdtype",
                    format!("unknown kind {other:?}; use bool, signed integer, unsigned integer, integral, real floating, complex floating or numeric"),
                ),
                Location::caller(),
            ))
        }
    };
    Ok(cat.contains(dtype))
}
