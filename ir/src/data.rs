//! Host data: the contents of constants in a graph, and of evaluated arrays.
//!
//! `Data` is a contiguous, row-major vector of one dtype. `Element` ties each Rust
//! element type to its dtype and converts through `Scalar`, which is where the casting
//! rules live (`cast_scalar`).

use crate::dtype::DType;
use crate::scalar::Scalar;
use num_complex::{Complex32, Complex64};
use std::fmt;
use std::sync::Arc;

/// A contiguous row-major vector of elements of one dtype.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    Bool(Vec<bool>),
    I8(Vec<i8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
    U64(Vec<u64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    C64(Vec<Complex32>),
    C128(Vec<Complex64>),
}

/// Apply `$body` to the vector inside a `Data`, whatever its dtype, binding it as `$v`.
#[macro_export]
macro_rules! with_data {
    ($data:expr, $v:ident => $body:expr) => {
        match $data {
            $crate::Data::Bool($v) => $body,
            $crate::Data::I8($v) => $body,
            $crate::Data::I16($v) => $body,
            $crate::Data::I32($v) => $body,
            $crate::Data::I64($v) => $body,
            $crate::Data::U8($v) => $body,
            $crate::Data::U16($v) => $body,
            $crate::Data::U32($v) => $body,
            $crate::Data::U64($v) => $body,
            $crate::Data::F32($v) => $body,
            $crate::Data::F64($v) => $body,
            $crate::Data::C64($v) => $body,
            $crate::Data::C128($v) => $body,
        }
    };
}

/// Build a `Data` of dtype `$dtype` from an expression generic in the element type `$T`.
#[macro_export]
macro_rules! for_dtype {
    ($dtype:expr, $T:ident => $body:expr) => {
        match $dtype {
            $crate::DType::Bool => {
                type $T = bool;
                $body
            }
            $crate::DType::I8 => {
                type $T = i8;
                $body
            }
            $crate::DType::I16 => {
                type $T = i16;
                $body
            }
            $crate::DType::I32 => {
                type $T = i32;
                $body
            }
            $crate::DType::I64 => {
                type $T = i64;
                $body
            }
            $crate::DType::U8 => {
                type $T = u8;
                $body
            }
            $crate::DType::U16 => {
                type $T = u16;
                $body
            }
            $crate::DType::U32 => {
                type $T = u32;
                $body
            }
            $crate::DType::U64 => {
                type $T = u64;
                $body
            }
            $crate::DType::F32 => {
                type $T = f32;
                $body
            }
            $crate::DType::F64 => {
                type $T = f64;
                $body
            }
            $crate::DType::C64 => {
                type $T = $crate::num_complex::Complex32;
                $body
            }
            $crate::DType::C128 => {
                type $T = $crate::num_complex::Complex64;
                $body
            }
        }
    };
}

/// A Rust type that is the element type of one dtype.
pub trait Element: Copy + Send + Sync + PartialEq + fmt::Debug + 'static {
    const DTYPE: DType;
    fn slice(data: &Data) -> Option<&[Self]>;
    fn into_data(v: Vec<Self>) -> Data;
    fn from_data(data: Data) -> Result<Vec<Self>, Data>;
    fn to_scalar(self) -> Scalar;
    /// Convert a scalar to this type by the casting rules of `cast_scalar`.
    fn from_scalar(s: Scalar) -> Self;
}

macro_rules! element {
    ($t:ty, $variant:ident, $to:expr, $from:expr) => {
        impl Element for $t {
            const DTYPE: DType = DType::$variant;
            fn slice(data: &Data) -> Option<&[Self]> {
                match data {
                    Data::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn into_data(v: Vec<Self>) -> Data {
                Data::$variant(v)
            }
            fn from_data(data: Data) -> Result<Vec<Self>, Data> {
                match data {
                    Data::$variant(v) => Ok(v),
                    other => Err(other),
                }
            }
            #[allow(clippy::redundant_closure_call)]
            fn to_scalar(self) -> Scalar {
                ($to)(self)
            }
            #[allow(clippy::redundant_closure_call)]
            fn from_scalar(s: Scalar) -> Self {
                ($from)(s)
            }
        }
    };
}

// Casting rules, one place: int → int wraps (two's complement), float → int truncates
// toward zero and saturates (NaN → 0), anything → bool is "nonzero", bool → number is
// 0/1, complex → real keeps the real part (astype forbids it; internal use only).
macro_rules! int_element {
    ($t:ty, $variant:ident) => {
        element!(
            $t,
            $variant,
            |v: $t| Scalar::Int(v as i128),
            |s: Scalar| match s {
                Scalar::Bool(b) => b as $t,
                Scalar::Int(i) => i as $t,
                Scalar::Float(f) => f as $t,
                Scalar::Complex(re, _) => re as $t,
            }
        );
    };
}
int_element!(i8, I8);
int_element!(i16, I16);
int_element!(i32, I32);
int_element!(i64, I64);
int_element!(u8, U8);
int_element!(u16, U16);
int_element!(u32, U32);
int_element!(u64, U64);

element!(bool, Bool, Scalar::Bool, |s: Scalar| match s {
    Scalar::Bool(b) => b,
    Scalar::Int(i) => i != 0,
    Scalar::Float(f) => f != 0.0,
    Scalar::Complex(re, im) => re != 0.0 || im != 0.0,
});

macro_rules! float_element {
    ($t:ty, $variant:ident) => {
        element!(
            $t,
            $variant,
            |v: $t| Scalar::Float(v as f64),
            |s: Scalar| match s {
                Scalar::Bool(b) => b as u8 as $t,
                Scalar::Int(i) => i as $t,
                Scalar::Float(f) => f as $t,
                Scalar::Complex(re, _) => re as $t,
            }
        );
    };
}
float_element!(f32, F32);
float_element!(f64, F64);

macro_rules! complex_element {
    ($t:ty, $f:ty, $variant:ident) => {
        element!(
            $t,
            $variant,
            |v: $t| Scalar::Complex(v.re as f64, v.im as f64),
            |s: Scalar| match s {
                Scalar::Complex(re, im) => <$t>::new(re as $f, im as $f),
                other => <$t>::new(<$f>::from_scalar(other), 0.0),
            }
        );
    };
}
complex_element!(Complex32, f32, C64);
complex_element!(Complex64, f64, C128);

impl Data {
    pub fn dtype(&self) -> DType {
        with_data!(self, v => element_dtype(v))
    }

    pub fn len(&self) -> usize {
        with_data!(self, v => v.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The same memory seen as the partner type, without a copy: complex numbers as
    /// their interleaved (re, im) reals, reals as complex numbers (when their number
    /// and their allocation's are even). `Err(self)` otherwise, and for other dtypes.
    pub fn recast(self) -> Result<Data, Data> {
        use bytemuck::allocation::{cast_vec, try_cast_vec};
        match self {
            Data::C64(v) => Ok(Data::F32(cast_vec(v))),
            Data::C128(v) => Ok(Data::F64(cast_vec(v))),
            Data::F32(v) => try_cast_vec(v)
                .map(Data::C64)
                .map_err(|(_, v)| Data::F32(v)),
            Data::F64(v) => try_cast_vec(v)
                .map(Data::C128)
                .map_err(|(_, v)| Data::F64(v)),
            d => Err(d),
        }
    }

    /// The dtype `recast` gives data of `dtype`, if any.
    pub fn recast_dtype(dtype: DType) -> Option<DType> {
        match dtype {
            DType::C64 => Some(DType::F32),
            DType::C128 => Some(DType::F64),
            DType::F32 => Some(DType::C64),
            DType::F64 => Some(DType::C128),
            _ => None,
        }
    }

    /// `n` copies of `value` converted to `dtype`.
    pub fn filled(dtype: DType, value: Scalar, n: usize) -> Data {
        for_dtype!(dtype, T => T::into_data(vec![T::from_scalar(value); n]))
    }

    /// Element `i` as a scalar.
    pub fn get(&self, i: usize) -> Scalar {
        with_data!(self, v => v[i].to_scalar())
    }

    /// Every element converted to `to` by the casting rules.
    pub fn cast(&self, to: DType) -> Data {
        if self.dtype() == to {
            return self.clone();
        }
        with_data!(self, v => for_dtype!(to, T => T::into_data(
            v.iter().map(|&x| T::from_scalar(x.to_scalar())).collect()
        )))
    }

    /// Elements at the given flat positions, in order.
    pub fn gather(&self, positions: &[usize]) -> Data {
        with_data!(self, v => Element::into_data(positions.iter().map(|&p| v[p]).collect()))
    }
}

fn element_dtype<T: Element>(_: &[T]) -> DType {
    T::DTYPE
}

/// A constant's data, shared between the graph and every handle to it. Two literals are
/// the same graph input only if they are the same allocation.
#[derive(Clone, Debug)]
pub struct Literal(pub Arc<Data>);

impl Literal {
    pub fn new(data: Data) -> Literal {
        Literal(Arc::new(data))
    }
    pub fn data(&self) -> &Data {
        &self.0
    }
}

/// The last handle to a large literal gives its buffer to the pool for reuse by a later
/// execution (`crate::pool`).
impl Drop for Literal {
    fn drop(&mut self) {
        if let Some(data) = Arc::get_mut(&mut self.0) {
            let empty = Data::filled(data.dtype(), Scalar::Int(0), 0);
            crate::pool::give(std::mem::replace(data, empty));
        }
    }
}

impl PartialEq for Literal {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
impl Eq for Literal {}
impl std::hash::Hash for Literal {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (Arc::as_ptr(&self.0) as usize).hash(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casting_follows_the_documented_rules() {
        let d = Data::F64(vec![-1.7, 2.5, f64::NAN, 1e300]);
        assert_eq!(d.cast(DType::I8), Data::I8(vec![-1, 2, 0, 127]));
        assert_eq!(d.cast(DType::U8), Data::U8(vec![0, 2, 0, 255]));
        assert_eq!(
            d.cast(DType::Bool),
            Data::Bool(vec![true, true, true, true])
        );
        let i = Data::I32(vec![300, -1]);
        assert_eq!(i.cast(DType::U8), Data::U8(vec![44, 255]));
        assert_eq!(
            Data::Bool(vec![true, false]).cast(DType::F32),
            Data::F32(vec![1.0, 0.0])
        );
    }
}
