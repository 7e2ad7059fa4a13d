//! Shapes, broadcasting and axis normalisation.
//!
//! A `Shape` is a small vector of axis sizes, row-major. Broadcasting follows the
//! standard's rules ("Broadcasting", 2025.12): shapes align at their trailing axes and a
//! size-1 axis stretches to the other size.

use crate::error::IrError;
use smallvec::SmallVec;
use std::fmt;

/// Axis sizes of an array, outermost first. Rank 0 is a scalar.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Shape(pub SmallVec<[usize; 4]>);

impl Shape {
    pub fn new(dims: &[usize]) -> Shape {
        Shape(SmallVec::from_slice(dims))
    }
    pub fn scalar() -> Shape {
        Shape(SmallVec::new())
    }
    pub fn rank(&self) -> usize {
        self.0.len()
    }
    pub fn dims(&self) -> &[usize] {
        &self.0
    }
    /// Number of elements (1 for rank 0, 0 if any axis is 0).
    pub fn size(&self) -> usize {
        self.0.iter().product()
    }
    /// Number of elements, or None where the product overflows `usize`.
    pub fn checked_size(&self) -> Option<usize> {
        self.0.iter().try_fold(1usize, |n, &d| n.checked_mul(d))
    }
    /// Row-major strides in elements.
    pub fn strides(&self) -> SmallVec<[usize; 4]> {
        let mut strides = SmallVec::from_elem(0, self.rank());
        let mut acc = 1;
        for (s, &d) in strides.iter_mut().zip(self.0.iter()).rev() {
            *s = acc;
            acc *= d;
        }
        strides
    }
}

impl From<&[usize]> for Shape {
    fn from(dims: &[usize]) -> Shape {
        Shape::new(dims)
    }
}

impl From<Vec<usize>> for Shape {
    fn from(dims: Vec<usize>) -> Shape {
        Shape(SmallVec::from_vec(dims))
    }
}

impl<const N: usize> From<[usize; N]> for Shape {
    fn from(dims: [usize; N]) -> Shape {
        Shape::new(&dims)
    }
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[")?;
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{d}")?;
        }
        write!(f, "]")
    }
}

/// The broadcast shape of two shapes, or None when an aligned pair of axes differs and
/// neither is 1.
pub fn broadcast_pair(a: &Shape, b: &Shape) -> Option<Shape> {
    let rank = a.rank().max(b.rank());
    let mut out = SmallVec::with_capacity(rank);
    for i in 0..rank {
        let da = dim_from_end(a, rank - 1 - i);
        let db = dim_from_end(b, rank - 1 - i);
        out.push(match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        });
    }
    Some(Shape(out))
}

fn dim_from_end(s: &Shape, k: usize) -> usize {
    if k < s.rank() {
        s.0[s.rank() - 1 - k]
    } else {
        1
    }
}

/// `broadcast_shapes` of the standard over any number of shapes.
pub fn broadcast_shapes(func: &'static str, shapes: &[&Shape]) -> Result<Shape, IrError> {
    let mut acc = Shape::scalar();
    for s in shapes {
        acc = broadcast_pair(&acc, s).ok_or_else(|| IrError::Broadcast {
            func,
            shapes: shapes.iter().map(|s| (*s).clone()).collect(),
        })?;
    }
    Ok(acc)
}

/// Whether `from` broadcasts to exactly `to` (the `broadcast_to` rule: `from` may only
/// stretch its size-1 axes and gain leading axes).
pub fn broadcasts_to(from: &Shape, to: &Shape) -> bool {
    from.rank() <= to.rank() && broadcast_pair(from, to).as_ref() == Some(to)
}

/// Normalise an axis in `[-rank, rank)` to `[0, rank)`.
pub fn normalize_axis(func: &'static str, axis: i64, rank: usize) -> Result<usize, IrError> {
    let r = rank as i64;
    if axis < -r || axis >= r {
        return Err(IrError::Axis { func, axis, rank });
    }
    Ok(if axis < 0 { axis + r } else { axis } as usize)
}

/// Normalise several axes; duplicates are an error. The result is sorted.
pub fn normalize_axes(
    func: &'static str,
    axes: &[i64],
    rank: usize,
) -> Result<SmallVec<[usize; 4]>, IrError> {
    let mut out: SmallVec<[usize; 4]> = SmallVec::new();
    for &a in axes {
        let n = normalize_axis(func, a, rank)?;
        if out.contains(&n) {
            return Err(IrError::DuplicateAxis {
                func,
                axes: axes.to_vec(),
            });
        }
        out.push(n);
    }
    out.sort_unstable();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_aligns_trailing_axes() {
        let a = Shape::new(&[8, 1, 6, 1]);
        let b = Shape::new(&[7, 1, 5]);
        assert_eq!(broadcast_pair(&a, &b), Some(Shape::new(&[8, 7, 6, 5])));
        assert_eq!(broadcast_pair(&Shape::new(&[3]), &Shape::new(&[4])), None);
        assert_eq!(
            broadcast_pair(&Shape::new(&[0, 1]), &Shape::new(&[5])),
            Some(Shape::new(&[0, 5]))
        );
    }

    #[test]
    fn strides_are_row_major() {
        assert_eq!(Shape::new(&[2, 3, 4]).strides().as_slice(), &[12, 4, 1]);
        assert_eq!(Shape::scalar().strides().as_slice(), &[] as &[usize]);
    }

    #[test]
    fn negative_axes_count_from_the_end() {
        assert_eq!(normalize_axis("f", -1, 3).unwrap(), 2);
        assert!(normalize_axis("f", 3, 3).is_err());
        assert!(normalize_axis("f", 0, 0).is_err());
        assert!(normalize_axes("f", &[0, -3], 3).is_err());
    }
}
