//! Sorting and searching: `sort`, `argsort`, `searchsorted` and `isin`.
//!
//! Every routine of the family orders elements one way, so that `searchsorted` finds
//! what `sort` sorted: numbers by value with -0.0 equal to 0.0, NaN after every number
//! (as NumPy), false before true, complex numbers by real then imaginary part (a complex
//! with a NaN part counts as NaN). Any dtype is accepted here; the namespace layer
//! applies the standard's narrower rules (sort and searchsorted: real-valued dtypes).

use super::{arity, Outputs};
use crate::dtype::DType;
use crate::error::IrError;
use crate::op::Meta;

/// Which end of a run of equal elements `searchsorted` returns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Side {
    /// The first position where the value could be inserted (`x1[i-1] < v <= x1[i]`).
    #[default]
    Left,
    /// The last such position (`x1[i-1] <= v < x1[i]`).
    Right,
}

/// A call of this family and its static parameters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SortCall {
    /// Input `[x]`: x's values sorted along `axis`, stably (equal elements keep their
    /// order, also when descending). Output: x's shape and dtype.
    Sort { axis: usize, descending: bool },
    /// Input `[x]`: the positions along `axis` that sort x stably, as int64.
    Argsort { axis: usize, descending: bool },
    /// Inputs `[x1, x2]` of one dtype, x1 1-D and ascending: for each element of x2 the
    /// int64 position in x1 where it would be inserted. Output: x2's shape.
    SearchSorted { side: Side },
    /// Inputs `[x1, x2]` of one dtype: whether each element of x1 equals (`==`, so NaN
    /// never does) some element of x2, negated when `invert`. Output: bool, x1's shape.
    IsIn { invert: bool },
}

impl SortCall {
    pub fn infer(&self, func: &'static str, inputs: &[&Meta]) -> Result<Outputs, IrError> {
        match *self {
            SortCall::Sort { axis, .. } => along(func, inputs, axis, None),
            SortCall::Argsort { axis, .. } => along(func, inputs, axis, Some(DType::I64)),
            SortCall::SearchSorted { .. } => {
                let (x1, x2) = pair(func, inputs)?;
                if x1.shape.rank() != 1 {
                    return Err(IrError::invalid(
                        func,
                        format!(
                            "x1 must be 1-D (the sorted sequence), got shape {}",
                            x1.shape
                        ),
                    ));
                }
                Ok(vec![(x2.shape.clone(), DType::I64)])
            }
            SortCall::IsIn { .. } => {
                let (x1, _) = pair(func, inputs)?;
                Ok(vec![(x1.shape.clone(), DType::Bool)])
            }
        }
    }
}

/// One input and an axis of it: the output keeps x's shape, in x's dtype or `dtype`.
fn along(
    func: &'static str,
    inputs: &[&Meta],
    axis: usize,
    dtype: Option<DType>,
) -> Result<Outputs, IrError> {
    arity(func, inputs, 1)?;
    let x = inputs[0];
    if axis >= x.shape.rank() {
        return Err(IrError::Axis {
            func,
            axis: axis as i64,
            rank: x.shape.rank(),
        });
    }
    Ok(vec![(x.shape.clone(), dtype.unwrap_or(x.dtype))])
}

/// Two inputs of one dtype (the namespace layer promotes them first).
fn pair<'a>(func: &'static str, inputs: &[&'a Meta]) -> Result<(&'a Meta, &'a Meta), IrError> {
    arity(func, inputs, 2)?;
    let (x1, x2) = (inputs[0], inputs[1]);
    if x1.dtype != x2.dtype {
        return Err(IrError::invalid(
            func,
            format!(
                "x1 and x2 must have one dtype here, got {} and {} (promotion happens before)",
                x1.dtype, x2.dtype
            ),
        ));
    }
    Ok((x1, x2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Shape;
    use crate::testing::meta;

    #[test]
    fn argsort_keeps_the_shape_in_int64() {
        let x = meta(&[3, 4], DType::F32);
        let call = SortCall::Argsort {
            axis: 1,
            descending: true,
        };
        assert_eq!(
            call.infer("argsort", &[&x]).unwrap(),
            vec![(Shape::new(&[3, 4]), DType::I64)]
        );
        let bad = SortCall::Sort {
            axis: 2,
            descending: false,
        };
        assert!(matches!(
            bad.infer("sort", &[&x]),
            Err(IrError::Axis {
                axis: 2,
                rank: 2,
                ..
            })
        ));
    }

    #[test]
    fn searchsorted_needs_a_1d_sequence_of_the_values_dtype() {
        let call = SortCall::SearchSorted { side: Side::Left };
        let (x1, x2) = (meta(&[5], DType::I32), meta(&[2, 3], DType::I32));
        assert_eq!(
            call.infer("searchsorted", &[&x1, &x2]).unwrap(),
            vec![(Shape::new(&[2, 3]), DType::I64)]
        );
        let flat = meta(&[5, 1], DType::I32);
        assert!(call.infer("searchsorted", &[&flat, &x2]).is_err());
        let other = meta(&[2], DType::I64);
        assert!(call.infer("searchsorted", &[&x1, &other]).is_err());
    }
}
