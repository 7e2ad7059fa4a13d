//! Data types of the Array API standard and its type promotion table.
//!
//! Promotion is a table, not a cascade of branches: `promote(a, b)` looks the pair up in
//! the lattice of the standard ("Type Promotion Rules", 2025.12) and returns `None` where
//! the standard defines no result (mixed kinds, uint64 with a signed integer).

use std::fmt;

/// An element type. The set is exactly the standard's: bool, the signed and unsigned
/// integers of 8 to 64 bits, float32/64 and complex64/128.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    Bool,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
    C64,
    C128,
}

/// The kind of a dtype, as the standard's dtype categories use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Bool,
    SignedInt,
    UnsignedInt,
    Float,
    Complex,
}

/// A set of dtypes an operation accepts, named as the standard names its categories.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    /// Any dtype.
    Any,
    /// Bool only.
    Bool,
    /// Integers (signed or unsigned).
    Integer,
    /// Integers and bool.
    IntegerOrBool,
    /// Integers, real and complex floats.
    Numeric,
    /// Integers and real floats.
    RealNumeric,
    /// Real and complex floats.
    Floating,
    /// Real floats.
    RealFloating,
    /// Complex floats.
    Complex,
}

impl Category {
    pub fn contains(self, dtype: DType) -> bool {
        let kind = dtype.kind();
        match self {
            Category::Any => true,
            Category::Bool => kind == Kind::Bool,
            Category::Integer => dtype.is_integer(),
            Category::IntegerOrBool => dtype.is_integer() || kind == Kind::Bool,
            Category::Numeric => kind != Kind::Bool,
            Category::RealNumeric => kind != Kind::Bool && kind != Kind::Complex,
            Category::Floating => dtype.is_floating(),
            Category::RealFloating => kind == Kind::Float,
            Category::Complex => kind == Kind::Complex,
        }
    }

    /// How an error message describes the category ("a floating-point dtype").
    pub fn describe(self) -> &'static str {
        match self {
            Category::Any => "any dtype",
            Category::Bool => "a bool dtype",
            Category::Integer => "an integer dtype",
            Category::IntegerOrBool => "an integer or bool dtype",
            Category::Numeric => "a numeric dtype",
            Category::RealNumeric => "a real-valued numeric dtype",
            Category::Floating => "a floating-point dtype",
            Category::RealFloating => "a real-valued floating-point dtype",
            Category::Complex => "a complex floating-point dtype",
        }
    }
}

impl DType {
    /// Every dtype, in the order of the enum.
    pub const ALL: [DType; 13] = [
        DType::Bool,
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::U8,
        DType::U16,
        DType::U32,
        DType::U64,
        DType::F32,
        DType::F64,
        DType::C64,
        DType::C128,
    ];

    /// The default dtypes of the standard for this library: int64, float64, complex128.
    pub const DEFAULT_INT: DType = DType::I64;
    pub const DEFAULT_UINT: DType = DType::U64;
    pub const DEFAULT_FLOAT: DType = DType::F64;
    pub const DEFAULT_COMPLEX: DType = DType::C128;

    pub fn kind(self) -> Kind {
        use DType::*;
        match self {
            Bool => Kind::Bool,
            I8 | I16 | I32 | I64 => Kind::SignedInt,
            U8 | U16 | U32 | U64 => Kind::UnsignedInt,
            F32 | F64 => Kind::Float,
            C64 | C128 => Kind::Complex,
        }
    }

    /// Size of one element in bytes.
    pub fn size_bytes(self) -> usize {
        use DType::*;
        match self {
            Bool | I8 | U8 => 1,
            I16 | U16 => 2,
            I32 | U32 | F32 => 4,
            I64 | U64 | F64 | C64 => 8,
            C128 => 16,
        }
    }

    /// The standard's name: "float32", "int64", ...
    pub fn name(self) -> &'static str {
        use DType::*;
        match self {
            Bool => "bool",
            I8 => "int8",
            I16 => "int16",
            I32 => "int32",
            I64 => "int64",
            U8 => "uint8",
            U16 => "uint16",
            U32 => "uint32",
            U64 => "uint64",
            F32 => "float32",
            F64 => "float64",
            C64 => "complex64",
            C128 => "complex128",
        }
    }

    pub fn is_integer(self) -> bool {
        matches!(self.kind(), Kind::SignedInt | Kind::UnsignedInt)
    }
    pub fn is_signed_integer(self) -> bool {
        self.kind() == Kind::SignedInt
    }
    pub fn is_unsigned_integer(self) -> bool {
        self.kind() == Kind::UnsignedInt
    }
    /// Real or complex float.
    pub fn is_floating(self) -> bool {
        matches!(self.kind(), Kind::Float | Kind::Complex)
    }
    pub fn is_real_floating(self) -> bool {
        self.kind() == Kind::Float
    }
    pub fn is_complex(self) -> bool {
        self.kind() == Kind::Complex
    }
    pub fn is_bool(self) -> bool {
        self == DType::Bool
    }

    /// The real dtype of the same precision: complex64 → float32; others unchanged.
    pub fn real_part(self) -> DType {
        match self {
            DType::C64 => DType::F32,
            DType::C128 => DType::F64,
            other => other,
        }
    }

    /// The complex dtype of the same precision: float32 → complex64, float64 → complex128.
    pub fn to_complex(self) -> Option<DType> {
        match self {
            DType::F32 | DType::C64 => Some(DType::C64),
            DType::F64 | DType::C128 => Some(DType::C128),
            _ => None,
        }
    }

    /// Bit width of an integer dtype (8..64), None otherwise.
    pub fn int_bits(self) -> Option<u32> {
        use DType::*;
        match self {
            I8 | U8 => Some(8),
            I16 | U16 => Some(16),
            I32 | U32 => Some(32),
            I64 | U64 => Some(64),
            _ => None,
        }
    }

    /// Inclusive integer range of an integer dtype, as i128 (None for other kinds).
    pub fn int_range(self) -> Option<(i128, i128)> {
        use DType::*;
        Some(match self {
            I8 => (i8::MIN as i128, i8::MAX as i128),
            I16 => (i16::MIN as i128, i16::MAX as i128),
            I32 => (i32::MIN as i128, i32::MAX as i128),
            I64 => (i64::MIN as i128, i64::MAX as i128),
            U8 => (0, u8::MAX as i128),
            U16 => (0, u16::MAX as i128),
            U32 => (0, u32::MAX as i128),
            U64 => (0, u64::MAX as i128),
            _ => return None,
        })
    }

    /// The dtype that `sum`, `prod` and `cumulative_sum` return by default: integers
    /// narrower than the default integer widen to it (signed → int64, unsigned → uint64);
    /// everything else keeps its dtype.
    pub fn accumulation_dtype(self) -> DType {
        match self.kind() {
            Kind::SignedInt => DType::DEFAULT_INT,
            Kind::UnsignedInt => DType::DEFAULT_UINT,
            _ => self,
        }
    }

    /// Whether `astype` may convert `self` to `to`. The standard forbids complex → real
    /// (the imaginary part would be dropped silently); every other conversion is allowed.
    pub fn can_astype(self, to: DType) -> bool {
        !self.is_complex() || to.is_complex()
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The standard's promotion of two array dtypes: their join on the promotion lattice.
/// `None` where the standard defines no promotion (bool with a number, integer with
/// float, uint64 with any signed integer).
pub fn promote(a: DType, b: DType) -> Option<DType> {
    use DType::*;
    use Kind::*;
    if a == b {
        return Some(a);
    }
    match (a.kind(), b.kind()) {
        (SignedInt, SignedInt) | (UnsignedInt, UnsignedInt) => Some(a.max_by_bits(b)),
        (SignedInt, UnsignedInt) => mixed_int(a, b),
        (UnsignedInt, SignedInt) => mixed_int(b, a),
        (Float | Complex, Float | Complex) => {
            let wide = a == F64 || a == C128 || b == F64 || b == C128;
            let complex = a.is_complex() || b.is_complex();
            Some(match (complex, wide) {
                (false, false) => F32,
                (false, true) => F64,
                (true, false) => C64,
                (true, true) => C128,
            })
        }
        _ => None,
    }
}

/// Mixed signed/unsigned: the smallest signed type holding both ranges, or None for
/// uint64 (no signed type holds it).
fn mixed_int(signed: DType, unsigned: DType) -> Option<DType> {
    let need = (unsigned.int_bits()? + 1).max(signed.int_bits()?);
    match need {
        0..=8 => Some(DType::I8),
        9..=16 => Some(DType::I16),
        17..=32 => Some(DType::I32),
        33..=64 => Some(DType::I64),
        _ => None,
    }
}

impl DType {
    fn max_by_bits(self, other: DType) -> DType {
        if self.size_bytes() >= other.size_bytes() {
            self
        } else {
            other
        }
    }
}

/// The standard's `result_type` over several dtypes: promotion applied left to right
/// (associative, so the order does not matter).
pub fn result_type(dtypes: &[DType]) -> Option<DType> {
    let (first, rest) = dtypes.split_first()?;
    rest.iter().try_fold(*first, |acc, &d| promote(acc, d))
}

/// `can_cast(from, to)` of the standard: whether `promote(from, to) == to`.
pub fn can_cast(from: DType, to: DType) -> bool {
    promote(from, to) == Some(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use DType::*;

    #[test]
    fn promotion_is_symmetric_and_idempotent() {
        for a in DType::ALL {
            assert_eq!(promote(a, a), Some(a));
            for b in DType::ALL {
                assert_eq!(promote(a, b), promote(b, a), "{a} {b}");
            }
        }
    }

    #[test]
    fn mixed_signed_unsigned_follows_the_table() {
        assert_eq!(promote(I8, U8), Some(I16));
        assert_eq!(promote(I8, U16), Some(I32));
        assert_eq!(promote(I8, U32), Some(I64));
        assert_eq!(promote(I32, U16), Some(I32));
        assert_eq!(promote(I64, U32), Some(I64));
        assert_eq!(promote(I64, U64), None);
        assert_eq!(promote(I8, U64), None);
    }
}
