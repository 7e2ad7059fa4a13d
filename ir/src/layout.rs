//! Layouts: how a logical array maps onto the elements of a buffer, as an affine map
//! `offset + Σ index[k] * strides[k]` (tinygrad's ShapeTracker view, NumPy's strides).
//!
//! Views compose into a layout without copying: permute, broadcast (stride 0), slice
//! (offset and scaled strides, negative for reversed axes) always do; reshape does when
//! the layout's axes can be regrouped (`Layout::reshape` returns `None` otherwise, and
//! the planner materialises the array instead). An `iota` is a layout too: its value at
//! an index is the "address" of a virtual buffer with stride 1 on its axis, 0 elsewhere.

use crate::op::{Op, SliceDim};
use crate::shape::Shape;
use smallvec::SmallVec;

pub type Strides = SmallVec<[isize; 4]>;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Layout {
    pub shape: Shape,
    pub strides: Strides,
    pub offset: isize,
}

impl Layout {
    /// A row-major contiguous buffer of `shape`.
    pub fn contiguous(shape: &Shape) -> Layout {
        Layout {
            shape: shape.clone(),
            strides: shape.strides().iter().map(|&s| s as isize).collect(),
            offset: 0,
        }
    }

    /// The index along `axis` of an array of `shape` (what `Op::Iota` computes).
    pub fn iota(shape: &Shape, axis: usize) -> Layout {
        Layout {
            shape: shape.clone(),
            strides: (0..shape.rank()).map(|k| (k == axis) as isize).collect(),
            offset: 0,
        }
    }

    pub fn rank(&self) -> usize {
        self.shape.rank()
    }

    /// Apply a view op; `None` if the op is not a view or the reshape cannot be
    /// expressed on this layout.
    pub fn apply(&self, op: &Op) -> Option<Layout> {
        match op {
            Op::Permute(perm) => Some(self.permute(perm)),
            Op::Broadcast(to) => Some(self.broadcast(to)),
            Op::Slice(dims) => Some(self.slice(dims)),
            Op::Reshape(to) => self.reshape(to),
            _ => None,
        }
    }

    pub fn permute(&self, perm: &[usize]) -> Layout {
        Layout {
            shape: Shape(perm.iter().map(|&p| self.shape.0[p]).collect()),
            strides: perm.iter().map(|&p| self.strides[p]).collect(),
            offset: self.offset,
        }
    }

    pub fn broadcast(&self, to: &Shape) -> Layout {
        let lead = to.rank() - self.rank();
        let strides = (0..to.rank())
            .map(|k| {
                if k < lead || self.shape.0[k - lead] != to.0[k] {
                    0
                } else {
                    self.strides[k - lead]
                }
            })
            .collect();
        Layout {
            shape: to.clone(),
            strides,
            offset: self.offset,
        }
    }

    pub fn slice(&self, dims: &[SliceDim]) -> Layout {
        let empty = dims.iter().any(|d| d.len == 0);
        let offset = if empty {
            self.offset
        } else {
            self.offset
                + dims
                    .iter()
                    .zip(&self.strides)
                    .map(|(d, &s)| d.start as isize * s)
                    .sum::<isize>()
        };
        Layout {
            shape: Shape(dims.iter().map(|d| d.len).collect()),
            strides: dims
                .iter()
                .zip(&self.strides)
                .map(|(d, &s)| d.step * s)
                .collect(),
            offset,
        }
    }

    /// Reshape without copying, if possible: each group of old axes that merges into
    /// (or splits out of) new axes must be "contiguous" within the layout, i.e.
    /// stride[k] == stride[k+1] * shape[k+1] inside the group. Size-1 axes carry no
    /// stride constraint. (NumPy's _attempt_nocopy_reshape follows the same rule.)
    pub fn reshape(&self, to: &Shape) -> Option<Layout> {
        if to.size() != self.shape.size() {
            return None;
        }
        if to.size() == 0 {
            return Some(Layout {
                shape: to.clone(),
                strides: to.0.iter().map(|_| 0).collect(),
                offset: self.offset,
            });
        }
        // Drop size-1 axes of the old layout: they never move.
        let old: Vec<(usize, isize)> = self
            .shape
            .0
            .iter()
            .zip(&self.strides)
            .filter(|(&d, _)| d != 1)
            .map(|(&d, &s)| (d, s))
            .collect();
        let new: Vec<usize> = to.0.to_vec();
        let mut strides: Strides = SmallVec::from_elem(0, new.len());
        let (mut oi, mut ni) = (0, 0);
        while ni < new.len() {
            if new[ni] == 1 {
                ni += 1;
                continue;
            }
            // Grow a group of old axes [o0, oi) and new axes [n0, ni) of equal size.
            let (o0, n0) = (oi, ni);
            let (mut osize, mut nsize) = (old[oi].0, new[ni]);
            oi += 1;
            ni += 1;
            while osize != nsize {
                if osize < nsize {
                    osize *= old.get(oi)?.0;
                    oi += 1;
                } else {
                    nsize *= new[ni];
                    ni += 1;
                }
            }
            // The old group must be contiguous within itself.
            for k in o0..oi - 1 {
                if old[k].1 != old[k + 1].1 * old[k + 1].0 as isize {
                    return None;
                }
            }
            // Give the new axes the strides of a contiguous run ending at the group's
            // innermost old stride.
            let mut stride = old[oi - 1].1;
            for k in (n0..ni).rev() {
                strides[k] = stride;
                stride *= new[k] as isize;
            }
        }
        Some(Layout {
            shape: to.clone(),
            strides,
            offset: self.offset,
        })
    }

    /// Whether this is the row-major contiguous layout of its shape (size-1 axes may
    /// have any stride).
    pub fn is_contiguous(&self) -> bool {
        let c = Layout::contiguous(&self.shape);
        self.offset == 0
            && self
                .shape
                .0
                .iter()
                .zip(self.strides.iter().zip(&c.strides))
                .all(|(&d, (&s, &cs))| d == 1 || s == cs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addresses(l: &Layout) -> Vec<isize> {
        let c = Layout::contiguous(&l.shape);
        (0..l.shape.size() as isize)
            .map(|flat| {
                let mut rest = flat;
                let mut addr = l.offset;
                for (k, &cs) in c.strides.iter().enumerate() {
                    let i = rest / cs.max(1);
                    rest -= i * cs.max(1);
                    addr += i * l.strides[k];
                }
                addr
            })
            .collect()
    }

    #[test]
    fn contiguous_reshapes_are_free() {
        let l = Layout::contiguous(&Shape::new(&[2, 3, 4]));
        let r = l.reshape(&Shape::new(&[6, 4])).unwrap();
        assert_eq!(addresses(&r), (0..24).collect::<Vec<_>>());
        let r = l.reshape(&Shape::new(&[2, 1, 12, 1])).unwrap();
        assert_eq!(addresses(&r), (0..24).collect::<Vec<_>>());
    }

    #[test]
    fn reshape_of_a_transpose_is_refused_when_it_would_interleave() {
        let t = Layout::contiguous(&Shape::new(&[2, 3])).permute(&[1, 0]);
        assert!(t.reshape(&Shape::new(&[6])).is_none());
        // Splitting one axis of a transposed layout is fine.
        let t = Layout::contiguous(&Shape::new(&[4, 3])).permute(&[1, 0]);
        let s = t.reshape(&Shape::new(&[3, 2, 2])).unwrap();
        assert_eq!(addresses(&s), addresses(&t));
    }

    #[test]
    fn broadcast_and_reversed_slices_compose() {
        let l = Layout::contiguous(&Shape::new(&[3]));
        let b = l.broadcast(&Shape::new(&[2, 3]));
        assert_eq!(addresses(&b), vec![0, 1, 2, 0, 1, 2]);
        let f = b.slice(&[
            SliceDim {
                start: 0,
                step: 1,
                len: 2,
            },
            SliceDim {
                start: 2,
                step: -1,
                len: 3,
            },
        ]);
        assert_eq!(addresses(&f), vec![2, 1, 0, 2, 1, 0]);
    }

    #[test]
    fn iota_is_a_layout_of_indices() {
        let i = Layout::iota(&Shape::new(&[2, 3]), 1);
        assert_eq!(addresses(&i), vec![0, 1, 2, 0, 1, 2]);
        let t = i.permute(&[1, 0]);
        assert_eq!(addresses(&t), vec![0, 0, 1, 1, 2, 2]);
    }
}
