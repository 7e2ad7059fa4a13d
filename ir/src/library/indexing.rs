//! Gathers whose indices are data: `take`, `take_along_axis`, and through them
//! integer-array indexing; `Compress`, boolean-mask indexing (`mask_select`).
//!
//! Shapes are static (they depend on the indices' shape, not their values); whether
//! every index is in bounds is only known when the call runs, so an index outside its
//! axis is a run-time error of the call's step.

use super::{arity, Outputs};
use crate::dtype::Category;
use crate::error::IrError;
use crate::op::{check_category, Meta};

/// A call of this family and its static parameters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IndexCall {
    /// Inputs `[x, indices]`, indices 1-D of an integer dtype: the slices of x at those
    /// positions along `axis` (negative positions count from the end). Output: x's
    /// shape with `axis` resized to the number of indices, x's dtype.
    Take { axis: usize },
    /// Inputs `[x, indices]` of one rank and equal sizes except along `axis` (the
    /// namespace layer broadcasts them first): `out[.., j, ..] = x[.., indices[.., j,
    /// ..], ..]` along `axis`. Output: indices' shape, x's dtype.
    TakeAlongAxis { axis: usize },
    /// Inputs `[x, mask]`, mask 1-D bool as long as x's first axis: the slices of x
    /// where the mask is true, in order (`mask_select` after folding the masked axes
    /// into one). `count` is the mask's number of true elements (the output's length,
    /// counted when the call was built). Output: x's shape with the first axis
    /// resized to `count`, x's dtype.
    Compress { count: usize },
}

impl IndexCall {
    pub fn infer(&self, func: &'static str, inputs: &[&Meta]) -> Result<Outputs, IrError> {
        arity(func, inputs, 2)?;
        let (x, indices) = (inputs[0], inputs[1]);
        if let IndexCall::Compress { count } = *self {
            return compress_shape(func, x, indices, count);
        }
        check_category(func, "indices", indices.dtype, Category::Integer)?;
        let axis = match *self {
            IndexCall::Take { axis } | IndexCall::TakeAlongAxis { axis } => axis,
            IndexCall::Compress { .. } => unreachable!("handled above"),
        };
        if axis >= x.shape.rank() {
            return Err(IrError::Axis {
                func,
                axis: axis as i64,
                rank: x.shape.rank(),
            });
        }
        match *self {
            IndexCall::Take { axis } => {
                if indices.shape.rank() != 1 {
                    return Err(IrError::invalid(
                        func,
                        format!("indices must be 1-D, got shape {}", indices.shape),
                    ));
                }
                let mut shape = x.shape.clone();
                shape.0[axis] = indices.shape.0[0];
                Ok(vec![(shape, x.dtype)])
            }
            IndexCall::TakeAlongAxis { axis } => {
                let (xs, is) = (x.shape.dims(), indices.shape.dims());
                let agree =
                    xs.len() == is.len() && (0..xs.len()).all(|k| k == axis || xs[k] == is[k]);
                if !agree {
                    return Err(IrError::invalid(
                        func,
                        format!(
                            "x {} and indices {} must have one rank and equal sizes on \
                             every axis but {axis}",
                            x.shape, indices.shape
                        ),
                    ));
                }
                Ok(vec![(indices.shape.clone(), x.dtype)])
            }
            IndexCall::Compress { .. } => unreachable!("handled above"),
        }
    }
}

/// `Compress`'s output: x with its first axis resized to `count`.
fn compress_shape(
    func: &'static str,
    x: &Meta,
    mask: &Meta,
    count: usize,
) -> Result<Outputs, IrError> {
    check_category(func, "mask", mask.dtype, Category::Bool)?;
    let (xs, ms) = (x.shape.dims(), mask.shape.dims());
    if ms.len() != 1 || xs.first() != ms.first() || count > ms[0] {
        return Err(IrError::invalid(
            func,
            format!(
                "mask {} must be 1-D and as long as x's first axis (x is {}), with at \
                 most that many true elements ({count})",
                mask.shape, x.shape
            ),
        ));
    }
    let mut shape = x.shape.clone();
    shape.0[0] = count;
    Ok(vec![(shape, x.dtype)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::DType;
    use crate::shape::Shape;
    use crate::testing::meta;

    #[test]
    fn take_resizes_the_axis_to_the_index_count() {
        let (x, i) = (meta(&[3, 4, 5], DType::F64), meta(&[7], DType::U8));
        let out = IndexCall::Take { axis: 1 }
            .infer("take", &[&x, &i])
            .unwrap();
        assert_eq!(out, vec![(Shape::new(&[3, 7, 5]), DType::F64)]);
        let float = meta(&[7], DType::F32);
        assert!(matches!(
            IndexCall::Take { axis: 1 }.infer("take", &[&x, &float]),
            Err(IrError::DType { arg: "indices", .. })
        ));
    }

    #[test]
    fn compress_resizes_the_first_axis_to_the_count() {
        let (x, m) = (meta(&[6, 4], DType::F32), meta(&[6], DType::Bool));
        let out = IndexCall::Compress { count: 2 }
            .infer("mask_select", &[&x, &m])
            .unwrap();
        assert_eq!(out, vec![(Shape::new(&[2, 4]), DType::F32)]);
        let call = IndexCall::Compress { count: 7 };
        assert!(call.infer("mask_select", &[&x, &m]).is_err());
        let short = meta(&[5], DType::Bool);
        let call = IndexCall::Compress { count: 2 };
        assert!(call.infer("mask_select", &[&x, &short]).is_err());
        let ints = meta(&[6], DType::I64);
        assert!(matches!(
            call.infer("mask_select", &[&x, &ints]),
            Err(IrError::DType { arg: "mask", .. })
        ));
    }

    #[test]
    fn take_along_axis_needs_equal_sizes_off_the_axis() {
        let (x, i) = (meta(&[3, 4], DType::I32), meta(&[3, 9], DType::I64));
        let call = IndexCall::TakeAlongAxis { axis: 1 };
        assert_eq!(
            call.infer("take_along_axis", &[&x, &i]).unwrap(),
            vec![(Shape::new(&[3, 9]), DType::I32)]
        );
        let wrong = meta(&[2, 9], DType::I64);
        assert!(call.infer("take_along_axis", &[&x, &wrong]).is_err());
    }
}
