//! Scalars: Rust numbers used as operands, and the one value type every element converts
//! through.
//!
//! A `Scalar` is *weak* in the standard's sense ("Mixing arrays with Python scalars"):
//! combined with an array it takes the array's dtype, so `&x * 2.0` keeps float32.

use crate::dtype::{DType, Kind};
use crate::error::IrError;
use std::fmt;
use std::hash::{Hash, Hasher};

/// A weakly typed number: its kind is known, its width is not.
#[derive(Clone, Copy, Debug)]
pub enum Scalar {
    Bool(bool),
    /// Any integer a Rust integer type can hold.
    Int(i128),
    Float(f64),
    Complex(f64, f64),
}

impl Scalar {
    /// The kind's name, for error messages ("float", "int").
    pub fn kind_name(self) -> &'static str {
        match self {
            Scalar::Bool(_) => "bool",
            Scalar::Int(_) => "integer",
            Scalar::Float(_) => "float",
            Scalar::Complex(..) => "complex",
        }
    }

    /// The dtype this scalar takes when combined with an array of dtype `array`: the
    /// array's own dtype (or its complex counterpart for a complex scalar with a real
    /// float array). Kinds the standard does not allow together are an error, as is an
    /// integer that does not fit the integer dtype.
    pub fn resolve(self, func: &'static str, array: DType) -> Result<DType, IrError> {
        let kind_err = || IrError::ScalarKind {
            func,
            scalar: self.kind_name(),
            dtype: array,
        };
        match (self, array.kind()) {
            (Scalar::Bool(_), Kind::Bool) => Ok(array),
            (Scalar::Int(v), Kind::SignedInt | Kind::UnsignedInt) => {
                let (lo, hi) = array.int_range().expect("integer dtype has a range");
                if v < lo || v > hi {
                    return Err(IrError::ScalarRange {
                        func,
                        value: v.to_string(),
                        dtype: array,
                    });
                }
                Ok(array)
            }
            (Scalar::Int(_) | Scalar::Float(_), Kind::Float | Kind::Complex) => Ok(array),
            (Scalar::Complex(..), Kind::Float | Kind::Complex) => Ok(array
                .to_complex()
                .expect("floating dtype has a complex counterpart")),
            _ => Err(kind_err()),
        }
    }

    /// The default dtype of a scalar standing alone (`full(shape, 2.0)` → float64).
    pub fn default_dtype(self) -> DType {
        match self {
            Scalar::Bool(_) => DType::Bool,
            Scalar::Int(_) => DType::DEFAULT_INT,
            Scalar::Float(_) => DType::DEFAULT_FLOAT,
            Scalar::Complex(..) => DType::DEFAULT_COMPLEX,
        }
    }

    /// Real part as f64 (bool → 0/1).
    pub fn as_f64(self) -> f64 {
        match self {
            Scalar::Bool(b) => b as u8 as f64,
            Scalar::Int(i) => i as f64,
            Scalar::Float(f) => f,
            Scalar::Complex(re, _) => re,
        }
    }

    /// Bitwise identity, used for hashing and equality of graph nodes: two scalars are
    /// the same node input only if they hold the same bits (so -0.0 ≠ +0.0, NaN = NaN).
    fn key(self) -> (u8, u128, u64) {
        match self {
            Scalar::Bool(b) => (0, b as u128, 0),
            Scalar::Int(i) => (1, i as u128, 0),
            Scalar::Float(f) => (2, f.to_bits() as u128, 0),
            Scalar::Complex(re, im) => (3, re.to_bits() as u128, im.to_bits()),
        }
    }
}

impl PartialEq for Scalar {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Scalar {}
impl Hash for Scalar {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state)
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Int(i) => write!(f, "{i}"),
            Scalar::Float(x) => write!(f, "{x:?}"),
            Scalar::Complex(re, im) => write!(f, "({re:?}{im:+?}j)"),
        }
    }
}

macro_rules! scalar_from {
    ($variant:ident, $conv:expr; $($t:ty),*) => {$(
        impl From<$t> for Scalar {
            fn from(v: $t) -> Scalar {
                #[allow(clippy::redundant_closure_call)]
                Scalar::$variant(($conv)(v))
            }
        }
    )*};
}
scalar_from!(Bool, |v| v; bool);
scalar_from!(Int, |v| v as i128; i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);
#[allow(clippy::unnecessary_cast)]
mod float_from {
    use super::Scalar;
    scalar_from!(Float, |v| v as f64; f32, f64);
}

impl From<num_complex::Complex<f32>> for Scalar {
    fn from(v: num_complex::Complex<f32>) -> Scalar {
        Scalar::Complex(v.re as f64, v.im as f64)
    }
}
impl From<num_complex::Complex<f64>> for Scalar {
    fn from(v: num_complex::Complex<f64>) -> Scalar {
        Scalar::Complex(v.re, v.im)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_scalars_take_the_array_dtype() {
        assert_eq!(Scalar::Float(2.0).resolve("f", DType::F32), Ok(DType::F32));
        assert_eq!(Scalar::Int(2).resolve("f", DType::F32), Ok(DType::F32));
        assert_eq!(Scalar::Int(2).resolve("f", DType::U8), Ok(DType::U8));
        assert_eq!(
            Scalar::Complex(0.0, 1.0).resolve("f", DType::F32),
            Ok(DType::C64)
        );
        assert!(Scalar::Int(256).resolve("f", DType::U8).is_err());
        assert!(Scalar::Int(-1).resolve("f", DType::U8).is_err());
        assert!(Scalar::Float(1.5).resolve("f", DType::I32).is_err());
        assert!(Scalar::Bool(true).resolve("f", DType::I32).is_err());
        assert!(Scalar::Int(1).resolve("f", DType::Bool).is_err());
    }
}
