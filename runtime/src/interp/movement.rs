//! Views, concatenation and index fills, done the obvious way: compute each output
//! element's position in the (contiguous, row-major) input and gather.

use kiln_ir::{DType, Data, Element, Scalar, Shape, SliceDim};

/// Row-major walk over `shape`, yielding `offset + Σ i_k * strides[k]` for each index.
/// Strides may be negative (a reversed slice) or 0 (a broadcast axis).
pub fn affine_positions(shape: &Shape, offset: isize, strides: &[isize]) -> Vec<usize> {
    let n = shape.size();
    let mut out = Vec::with_capacity(n);
    if n == 0 {
        return out;
    }
    let dims = shape.dims();
    let rank = dims.len();
    let mut idx = vec![0usize; rank];
    let mut pos = offset;
    for _ in 0..n {
        out.push(pos as usize);
        // Increment the multi-index like an odometer, updating pos incrementally.
        for k in (0..rank).rev() {
            idx[k] += 1;
            pos += strides[k];
            if idx[k] < dims[k] {
                break;
            }
            pos -= strides[k] * dims[k] as isize;
            idx[k] = 0;
        }
    }
    out
}

fn signed(strides: &[usize]) -> Vec<isize> {
    strides.iter().map(|&s| s as isize).collect()
}

pub fn permute(x: &Data, in_shape: &Shape, perm: &[usize], out_shape: &Shape) -> Data {
    let in_strides = signed(&in_shape.strides());
    let strides: Vec<isize> = perm.iter().map(|&p| in_strides[p]).collect();
    x.gather(&affine_positions(out_shape, 0, &strides))
}

pub fn broadcast(x: &Data, in_shape: &Shape, out_shape: &Shape) -> Data {
    let in_strides = in_shape.strides();
    let lead = out_shape.rank() - in_shape.rank();
    let strides: Vec<isize> = (0..out_shape.rank())
        .map(|k| {
            if k < lead || in_shape.dims()[k - lead] == 1 {
                0
            } else {
                in_strides[k - lead] as isize
            }
        })
        .collect();
    x.gather(&affine_positions(out_shape, 0, &strides))
}

pub fn slice(x: &Data, in_shape: &Shape, dims: &[SliceDim], out_shape: &Shape) -> Data {
    let in_strides = in_shape.strides();
    let offset: isize = dims
        .iter()
        .zip(in_strides.iter())
        .map(|(d, &s)| (d.start * s) as isize)
        .sum();
    let strides: Vec<isize> = dims
        .iter()
        .zip(in_strides.iter())
        .map(|(d, &s)| d.step * s as isize)
        .collect();
    let offset = if out_shape.size() == 0 { 0 } else { offset };
    x.gather(&affine_positions(out_shape, offset, &strides))
}

/// Join inputs along `axis`: for each index of the axes before it, copy each input's
/// contiguous block in turn.
pub fn concat(inputs: &[(&Data, &Shape)], axis: usize, dtype: DType) -> Data {
    let outer: usize = inputs
        .first()
        .map(|(_, s)| s.dims()[..axis].iter().product())
        .unwrap_or(0);
    let mut positions: Vec<(usize, usize)> = Vec::new(); // (input, flat index)
    for o in 0..outer {
        for (k, (_, s)) in inputs.iter().enumerate() {
            let block: usize = s.dims()[axis..].iter().product();
            positions.extend((o * block..(o + 1) * block).map(|i| (k, i)));
        }
    }
    kiln_ir::for_dtype!(dtype, T => {
        let slices: Vec<&[T]> = inputs
            .iter()
            .map(|(d, _)| T::slice(d).expect("concat inputs share the output dtype"))
            .collect();
        T::into_data(positions.iter().map(|&(k, i)| slices[k][i]).collect())
    })
}

/// Each element's index along `axis`, converted to `dtype`.
pub fn iota(shape: &Shape, axis: usize, dtype: DType) -> Data {
    let stride = shape.strides()[axis];
    let dim = shape.dims()[axis];
    kiln_ir::for_dtype!(dtype, T => T::into_data(
        (0..shape.size())
            .map(|i| T::from_scalar(Scalar::Int(((i / stride) % dim) as i128)))
            .collect()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_walk_reversed_and_broadcast_axes() {
        let s = Shape::new(&[2, 3]);
        assert_eq!(affine_positions(&s, 2, &[3, -1]), vec![2, 1, 0, 5, 4, 3]);
        assert_eq!(affine_positions(&s, 0, &[0, 1]), vec![0, 1, 2, 0, 1, 2]);
        assert!(affine_positions(&Shape::new(&[0, 3]), 0, &[3, 1]).is_empty());
        assert_eq!(affine_positions(&Shape::scalar(), 4, &[]), vec![4]);
    }
}
