//! Views and manipulation functions checked against `ndarray` (slicing, permuted axes,
//! broadcasting, inverted axes, concatenate, stack) or plain index arithmetic written
//! here: reshape, permute_dims, matrix_transpose, broadcast_to, broadcast_arrays,
//! expand_dims, squeeze, flip, roll, moveaxis, concat, stack, astype and basic indexing,
//! alone and composed, on ordinary, 0-d, empty and size-1 arrays.

use kiln::{s, Array, DType, Error, IrError, SliceArg};
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};

type Res = kiln::Result<Array>;

// ---------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------

/// Complex kernels are not compiled yet, so the complex tests compute in the interpreter
/// and pin the oracle's complex semantics.
fn interp(a: &Array) -> Array {
    a.compute_with(kiln::Mode::Interpreter)
        .expect("interpreter evaluates complex values")
}

/// Distinct values 0, 1, 2, ... (as f64) in `shape`, for kiln and for ndarray.
fn seq(shape: &[usize]) -> (Array, ArrayD<f64>) {
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n).map(|i| i as f64).collect();
    (
        kiln::from_vec(v.clone(), shape).unwrap(),
        ArrayD::from_shape_vec(IxDyn(shape), v).unwrap(),
    )
}

/// Assert shape and row-major values of `got` equal those of the ndarray view.
fn check(got: &Array, want: ArrayViewD<f64>, ctx: &str) {
    assert_eq!(got.shape(), want.shape(), "{ctx}: shape");
    let values = got.to_vec::<f64>().unwrap_or_else(|e| panic!("{ctx}: {e}"));
    let want: Vec<f64> = want.iter().copied().collect();
    assert_eq!(values, want, "{ctx}: values");
}

fn build_error(r: Res) -> IrError {
    match r {
        Err(Error::Build { source, .. }) => source,
        Err(other) => panic!("expected a building error, got {other:?}"),
        Ok(a) => panic!("expected a building error, got shape {:?}", a.shape()),
    }
}

fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for k in (0..shape.len()).rev() {
        idx[k] = i % shape[k];
        i /= shape[k];
    }
    idx
}

fn ravel(idx: &[usize], shape: &[usize]) -> usize {
    idx.iter().zip(shape).fold(0, |acc, (&i, &n)| acc * n + i)
}

/// Every permutation of 0..n.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for p in permutations(n - 1) {
        for pos in 0..=p.len() {
            let mut q = p.clone();
            q.insert(pos, n - 1);
            out.push(q);
        }
    }
    out
}

fn subsets(rank: usize) -> Vec<Vec<usize>> {
    (0..1usize << rank)
        .map(|m| (0..rank).filter(|a| m & (1 << a) != 0).collect())
        .collect()
}

// ---------------------------------------------------------------------------------
// reshape
// ---------------------------------------------------------------------------------

#[test]
fn reshape_keeps_row_major_order_and_infers_one_minus_one() {
    let (x, nd) = seq(&[2, 3, 4]);
    let flat: Vec<f64> = nd.iter().copied().collect();
    let cases: [(&[i64], &[usize]); 8] = [
        (&[4, 6], &[4, 6]),
        (&[-1], &[24]),
        (&[3, -1], &[3, 8]),
        (&[2, -1, 2], &[2, 6, 2]),
        (&[24, 1], &[24, 1]),
        (&[1, -1, 1], &[1, 24, 1]),
        (&[2, 3, 4], &[2, 3, 4]),
        (&[-1, 4], &[6, 4]),
    ];
    for (req, want) in cases {
        let r = kiln::reshape(&x, req).unwrap();
        let oracle = ArrayD::from_shape_vec(IxDyn(want), flat.clone()).unwrap();
        check(&r, oracle.view(), &format!("reshape to {req:?}"));
    }
}

#[test]
fn reshape_to_an_incompatible_shape_is_an_error() {
    let (x, _) = seq(&[2, 3, 4]);
    for bad in [&[5][..], &[-1, -1], &[-2, 12], &[7, -1], &[25], &[0, -1]] {
        build_error(kiln::reshape(&x, bad));
    }
}

#[test]
fn reshape_of_a_transposed_view_reads_its_logical_order() {
    let (x, nd) = seq(&[3, 4]);
    let t = kiln::matrix_transpose(&x).unwrap();
    let r = kiln::reshape(&t, [2, 6]).unwrap();
    let logical: Vec<f64> = nd.t().iter().copied().collect();
    let oracle = ArrayD::from_shape_vec(IxDyn(&[2, 6]), logical).unwrap();
    check(&r, oracle.view(), "reshape of transpose");
}

// ---------------------------------------------------------------------------------
// permute_dims, matrix_transpose, moveaxis
// ---------------------------------------------------------------------------------

#[test]
fn permute_dims_matches_ndarray_permuted_axes_for_every_permutation() {
    let (x, nd) = seq(&[2, 3, 4]);
    for perm in permutations(3) {
        for negative in [false, true] {
            let axes: Vec<i64> = perm
                .iter()
                .map(|&p| if negative { p as i64 - 3 } else { p as i64 })
                .collect();
            let r = kiln::permute_dims(&x, &axes).unwrap();
            let want = nd.view().permuted_axes(perm.clone());
            check(&r, want, &format!("permute_dims {axes:?}"));
        }
    }
}

#[test]
fn permute_dims_with_a_non_permutation_is_an_error() {
    let (x, _) = seq(&[2, 3, 4]);
    for bad in [
        &[0, 0, 1][..],
        &[0, 1],
        &[0, 1, 2, 3],
        &[0, 1, 3],
        &[2, -1, 0],
    ] {
        build_error(kiln::permute_dims(&x, bad));
    }
}

#[test]
fn matrix_transpose_swaps_the_last_two_axes_of_every_matrix_in_a_stack() {
    for shape in [&[3, 4][..], &[2, 3, 4], &[2, 1, 3, 2]] {
        let (x, nd) = seq(shape);
        let r = kiln::matrix_transpose(&x).unwrap();
        let mut want = nd.view();
        let n = shape.len();
        want.swap_axes(n - 2, n - 1);
        check(&r, want, &format!("matrix_transpose of {shape:?}"));
    }
}

#[test]
fn matrix_transpose_of_rank_below_2_is_an_error() {
    let (x, _) = seq(&[4]);
    build_error(kiln::matrix_transpose(&x));
    let z = kiln::asarray(1.0f64, ()).unwrap();
    build_error(kiln::matrix_transpose(&z));
}

/// moveaxis by its definition: destination positions take the source axes, the other
/// positions take the remaining axes in their order.
fn moveaxis_order(src: &[usize], dst: &[usize], rank: usize) -> Vec<usize> {
    let mut rest = (0..rank).filter(|a| !src.contains(a));
    (0..rank)
        .map(|p| match dst.iter().position(|&d| d == p) {
            Some(k) => src[k],
            None => rest.next().unwrap(),
        })
        .collect()
}

#[test]
fn moveaxis_moves_every_single_axis_to_every_position() {
    let (x, nd) = seq(&[2, 3, 4]);
    for src in 0..3usize {
        for dst in 0..3usize {
            for (s, d) in [
                (src as i64, dst as i64),
                (src as i64 - 3, dst as i64),
                (src as i64, dst as i64 - 3),
            ] {
                let r = kiln::moveaxis(&x, s, d).unwrap();
                let want = nd.view().permuted_axes(moveaxis_order(&[src], &[dst], 3));
                check(&r, want, &format!("moveaxis {s} -> {d}"));
            }
        }
    }
}

#[test]
fn moveaxis_moves_several_axes_at_once() {
    let (x, nd) = seq(&[2, 3, 4, 5]);
    type Case<'a> = (&'a [i64], &'a [i64], &'a [usize], &'a [usize]);
    let cases: [Case; 4] = [
        (&[0, 1], &[-1, -2], &[0, 1], &[3, 2]),
        (&[3, 0], &[0, 1], &[3, 0], &[0, 1]),
        (&[1, 2], &[3, 0], &[1, 2], &[3, 0]),
        (&[0, 1, 2, 3], &[3, 2, 1, 0], &[0, 1, 2, 3], &[3, 2, 1, 0]),
    ];
    for (s, d, src, dst) in cases {
        let r = kiln::moveaxis(&x, s.to_vec(), d.to_vec()).unwrap();
        let want = nd.view().permuted_axes(moveaxis_order(src, dst, 4));
        check(&r, want, &format!("moveaxis {s:?} -> {d:?}"));
    }
    // NumPy's documented example shapes.
    let (y, _) = seq(&[3, 4, 5]);
    assert_eq!(kiln::moveaxis(&y, 0, -1).unwrap().shape(), &[4, 5, 3]);
    assert_eq!(kiln::moveaxis(&y, -1, 0).unwrap().shape(), &[5, 3, 4]);
    assert_eq!(
        kiln::moveaxis(&y, vec![0, 1], vec![-1, -2])
            .unwrap()
            .shape(),
        &[5, 4, 3]
    );
}

#[test]
fn moveaxis_with_mismatched_or_repeated_axes_is_an_error() {
    let (x, _) = seq(&[2, 3, 4]);
    build_error(kiln::moveaxis(&x, vec![0, 1], 2));
    build_error(kiln::moveaxis(&x, vec![0, 0], vec![1, 2]));
    build_error(kiln::moveaxis(&x, vec![0, 1], vec![2, 2]));
    build_error(kiln::moveaxis(&x, 3, 0));
}

// ---------------------------------------------------------------------------------
// broadcast_to, broadcast_arrays, expand_dims, squeeze
// ---------------------------------------------------------------------------------

#[test]
fn broadcast_to_matches_ndarray_broadcast() {
    let cases: [(&[usize], &[usize]); 7] = [
        (&[3, 1], &[2, 3, 4]),
        (&[], &[2, 2]),
        (&[1], &[5]),
        (&[4], &[3, 4]),
        (&[2, 3], &[2, 3]),
        (&[1, 3, 1], &[2, 3, 2]),
        (&[1], &[0]),
    ];
    for (from, to) in cases {
        let (x, nd) = seq(from);
        let r = kiln::broadcast_to(&x, to).unwrap();
        let want = nd.broadcast(to.to_vec()).unwrap();
        check(&r, want, &format!("broadcast {from:?} to {to:?}"));
    }
}

#[test]
fn broadcast_to_an_incompatible_shape_is_an_error() {
    let cases: [(&[usize], &[usize]); 4] =
        [(&[3], &[4]), (&[3, 1], &[3]), (&[2], &[2, 3]), (&[0], &[2])];
    for (from, to) in cases {
        let (x, _) = seq(from);
        assert!(
            matches!(
                build_error(kiln::broadcast_to(&x, to)),
                IrError::BroadcastTo { .. }
            ),
            "{from:?} to {to:?}"
        );
    }
}

#[test]
fn broadcast_arrays_gives_every_array_the_common_shape() {
    let (a, na) = seq(&[3, 1]);
    let (b, nb) = seq(&[1, 4]);
    let (c, nc) = seq(&[4]);
    let (d, nd) = seq(&[]);
    let out = kiln::broadcast_arrays(&[&a, &b, &c, &d]).unwrap();
    assert_eq!(out.len(), 4);
    for (r, n) in out.iter().zip([&na, &nb, &nc, &nd]) {
        check(r, n.broadcast(vec![3, 4]).unwrap(), "broadcast_arrays");
    }
    let (e, _) = seq(&[2]);
    build_error(kiln::broadcast_arrays(&[&b, &e]).map(|mut v| v.remove(0)));
}

#[test]
fn expand_dims_inserts_size_1_axes_at_result_positions() {
    let (x, nd) = seq(&[2, 3]);
    let cases: [(&[i64], &[usize]); 6] = [
        (&[0], &[0]),
        (&[1], &[1]),
        (&[2], &[2]),
        (&[-1], &[2]),
        (&[0, 3], &[0, 3]),
        (&[-1, 0], &[0, 3]),
    ];
    for (axes, sorted) in cases {
        let r = kiln::expand_dims(&x, axes.to_vec()).unwrap();
        let mut want = nd.view();
        for &a in sorted {
            want = want.insert_axis(Axis(a));
        }
        check(&r, want, &format!("expand_dims {axes:?}"));
    }
    assert_eq!(kiln::expand_dims(&x, -3).unwrap().shape(), &[1, 2, 3]);
}

#[test]
fn expand_dims_with_out_of_range_or_repeated_axes_is_an_error() {
    let (x, _) = seq(&[2, 3]);
    build_error(kiln::expand_dims(&x, 3));
    build_error(kiln::expand_dims(&x, -4));
    build_error(kiln::expand_dims(&x, vec![0, 0]));
    build_error(kiln::expand_dims(&x, vec![0, 4]));
}

#[test]
fn squeeze_removes_the_named_size_1_axes() {
    let (x, nd) = seq(&[1, 3, 1, 4]);
    let cases: [(Vec<i64>, &[usize]); 5] = [
        (vec![0], &[0]),
        (vec![2], &[2]),
        (vec![-2], &[2]),
        (vec![0, 2], &[2, 0]),
        (vec![-4, -2], &[2, 0]),
    ];
    for (axes, desc) in cases {
        let r = kiln::squeeze(&x, axes.clone()).unwrap();
        let mut want = nd.view();
        for &a in desc {
            want = want.remove_axis(Axis(a));
        }
        check(&r, want, &format!("squeeze {axes:?}"));
    }
    assert_eq!(kiln::squeeze(&x, ()).unwrap().shape(), &[3, 4]);
}

#[test]
fn squeezing_an_axis_that_is_not_size_1_is_an_error() {
    let (x, _) = seq(&[1, 3, 1]);
    build_error(kiln::squeeze(&x, 1));
    build_error(kiln::squeeze(&x, vec![0, 1]));
    build_error(kiln::squeeze(&x, 3));
}

// ---------------------------------------------------------------------------------
// flip, roll
// ---------------------------------------------------------------------------------

#[test]
fn flip_reverses_every_subset_of_axes_like_ndarray_invert_axis() {
    for shape in [&[5][..], &[3, 4], &[2, 3, 4]] {
        let (x, nd) = seq(shape);
        for axes in subsets(shape.len()) {
            let spelled: Vec<i64> = axes
                .iter()
                .map(|&a| a as i64 - shape.len() as i64)
                .collect();
            let r = kiln::flip(&x, spelled).unwrap();
            let mut want = nd.view();
            for &a in &axes {
                want.invert_axis(Axis(a));
            }
            check(&r, want, &format!("flip {shape:?} over {axes:?}"));
        }
        // No axis: every axis.
        let r = kiln::flip(&x, ()).unwrap();
        let mut want = nd.view();
        for a in 0..shape.len() {
            want.invert_axis(Axis(a));
        }
        check(&r, want, &format!("flip {shape:?} over all"));
    }
}

/// Roll along one axis by index arithmetic: out[.., i, ..] = x[.., (i - shift) mod n, ..].
fn roll_oracle(data: &[f64], shape: &[usize], shift: i64, axis: usize) -> Vec<f64> {
    let n = shape[axis] as i64;
    (0..data.len())
        .map(|j| {
            let mut idx = unravel(j, shape);
            idx[axis] = (idx[axis] as i64 - shift).rem_euclid(n) as usize;
            data[ravel(&idx, shape)]
        })
        .collect()
}

#[test]
fn roll_along_each_axis_shifts_toward_larger_indices_with_wraparound() {
    for shape in [&[5][..], &[3, 4], &[2, 3, 4]] {
        let (x, nd) = seq(shape);
        let data: Vec<f64> = nd.iter().copied().collect();
        for axis in 0..shape.len() {
            for shift in -9..=9i64 {
                let r = kiln::roll(&x, [shift], axis as i64).unwrap();
                assert_eq!(r.shape(), shape);
                assert_eq!(
                    r.to_vec::<f64>().unwrap(),
                    roll_oracle(&data, shape, shift, axis),
                    "roll {shape:?} by {shift} along {axis}"
                );
            }
        }
    }
    let x = kiln::asarray([1i64, 2, 3, 4, 5], ()).unwrap();
    let r = kiln::roll(&x, [2], 0).unwrap();
    assert_eq!(r.to_vec::<i64>().unwrap(), vec![4, 5, 1, 2, 3]);
}

#[test]
fn roll_without_axis_flattens_shifts_and_restores_the_shape() {
    let (x, nd) = seq(&[3, 4]);
    let data: Vec<f64> = nd.iter().copied().collect();
    for shift in [-13i64, -1, 0, 1, 5, 12, 25] {
        let r = kiln::roll(&x, [shift], ()).unwrap();
        assert_eq!(r.shape(), &[3, 4]);
        assert_eq!(
            r.to_vec::<f64>().unwrap(),
            roll_oracle(&data, &[12], shift, 0),
            "flat roll by {shift}"
        );
    }
}

#[test]
fn roll_over_several_axes_applies_each_shift_to_its_axis() {
    let (x, nd) = seq(&[2, 3, 4]);
    let data: Vec<f64> = nd.iter().copied().collect();
    let shape = [2, 3, 4];
    let r = kiln::roll(&x, [1, -2], vec![0, 2]).unwrap();
    let want = roll_oracle(&roll_oracle(&data, &shape, 1, 0), &shape, -2, 2);
    assert_eq!(r.to_vec::<f64>().unwrap(), want);
    // One shift for several axes.
    let r = kiln::roll(&x, [1], vec![-1, 1]).unwrap();
    let want = roll_oracle(&roll_oracle(&data, &shape, 1, 2), &shape, 1, 1);
    assert_eq!(r.to_vec::<f64>().unwrap(), want);
    // A repeated axis adds its shifts (NumPy's behaviour).
    let r = kiln::roll(&x, [1, 2], vec![2, 2]).unwrap();
    assert_eq!(r.to_vec::<f64>().unwrap(), roll_oracle(&data, &shape, 3, 2));
}

#[test]
fn roll_with_mismatched_shifts_and_axes_is_an_error() {
    let (x, _) = seq(&[2, 3]);
    build_error(kiln::roll(&x, [1, 2, 3], vec![0, 1]));
    build_error(kiln::roll(&x, [1, 2], ()));
    build_error(kiln::roll(&x, [1], 2));
}

// ---------------------------------------------------------------------------------
// concat, stack
// ---------------------------------------------------------------------------------

#[test]
fn concat_along_each_axis_matches_ndarray_concatenate() {
    let (a, na) = seq(&[2, 3, 4]);
    for axis in 0..3usize {
        let mut other = vec![2, 3, 4];
        other[axis] = 5;
        let (b0, nb0) = seq(&other);
        // Different values in b.
        let b = (&b0 + 100.0).unwrap();
        let nb = nb0.mapv(|v| v + 100.0);
        for spelled in [axis as i64, axis as i64 - 3] {
            let r = kiln::concat(&[&a, &b, &a], spelled).unwrap();
            let want =
                ndarray::concatenate(Axis(axis), &[na.view(), nb.view(), na.view()]).unwrap();
            check(&r, want.view(), &format!("concat along {spelled}"));
        }
    }
}

#[test]
fn concat_without_axis_joins_the_flattened_arrays() {
    let (a, na) = seq(&[2, 3]);
    let (b, nb) = seq(&[4]);
    let (c, nc) = seq(&[]);
    let r = kiln::concat(&[&a, &b, &c], ()).unwrap();
    let want: Vec<f64> = na
        .iter()
        .chain(nb.iter())
        .chain(nc.iter())
        .copied()
        .collect();
    assert_eq!(r.shape(), &[11]);
    assert_eq!(r.to_vec::<f64>().unwrap(), want);
}

#[test]
fn concat_promotes_dtypes_by_the_standards_rules() {
    let a = kiln::asarray([1i32, 2], ()).unwrap();
    let b = kiln::asarray([3i64], ()).unwrap();
    let r = kiln::concat(&[&a, &b], 0).unwrap();
    assert_eq!(r.dtype(), DType::I64);
    assert_eq!(r.to_vec::<i64>().unwrap(), vec![1, 2, 3]);
    let f = kiln::asarray([0.5f32], ()).unwrap();
    let g = kiln::asarray([0.25f64], ()).unwrap();
    let r = kiln::concat(&[&f, &g], 0).unwrap();
    assert_eq!(r.dtype(), DType::F64);
    assert_eq!(r.to_vec::<f64>().unwrap(), vec![0.5, 0.25]);
    // Integers and floats do not promote in the standard.
    build_error(kiln::concat(&[&a, &f], 0));
}

#[test]
fn concat_of_mismatched_shapes_ranks_or_nothing_is_an_error() {
    let (a, _) = seq(&[2, 3]);
    let (b, _) = seq(&[2, 4]);
    let (c, _) = seq(&[6]);
    build_error(kiln::concat(&[&a, &b], 0));
    build_error(kiln::concat(&[&a, &c], 0));
    build_error(kiln::concat(&[&a, &a], 2));
    build_error(kiln::concat(&[], 0));
    // A single array comes back unchanged.
    let r = kiln::concat(&[&a], 1).unwrap();
    assert_eq!(
        r.to_vec::<f64>().unwrap(),
        (0..6).map(|v| v as f64).collect::<Vec<_>>()
    );
}

#[test]
fn stack_along_each_new_axis_matches_ndarray_stack() {
    let (a, na) = seq(&[2, 3]);
    let b = (&a * -1.0).unwrap();
    let nb = na.mapv(|v| -v);
    let c = (&a + 0.5).unwrap();
    let nc = na.mapv(|v| v + 0.5);
    for axis in 0..3usize {
        for spelled in [axis as i64, axis as i64 - 3] {
            let r = kiln::stack(&[&a, &b, &c], spelled).unwrap();
            let want = ndarray::stack(Axis(axis), &[na.view(), nb.view(), nc.view()]).unwrap();
            check(&r, want.view(), &format!("stack along {spelled}"));
        }
    }
}

#[test]
fn stack_of_different_shapes_or_bad_axis_is_an_error() {
    let (a, _) = seq(&[2, 3]);
    let (b, _) = seq(&[3, 2]);
    build_error(kiln::stack(&[&a, &b], 0));
    build_error(kiln::stack(&[&a, &a], 3));
    build_error(kiln::stack(&[&a, &a], -4));
    build_error(kiln::stack(&[], 0));
}

// ---------------------------------------------------------------------------------
// astype
// ---------------------------------------------------------------------------------

#[test]
fn astype_converts_values_as_rust_casts_do_for_in_range_values() {
    let v = [-2.75f64, -0.5, 0.0, 0.5, 2.75, 100.0];
    let x = kiln::asarray(v, ()).unwrap();
    let i = kiln::astype(&x, DType::I32).unwrap();
    assert_eq!(i.dtype(), DType::I32);
    assert_eq!(
        i.to_vec::<i32>().unwrap(),
        v.iter().map(|&a| a as i32).collect::<Vec<_>>()
    );
    let f = kiln::astype(&x, DType::F32).unwrap();
    assert_eq!(
        f.to_vec::<f32>().unwrap(),
        v.iter().map(|&a| a as f32).collect::<Vec<_>>()
    );
    let b = kiln::astype(&x, DType::Bool).unwrap();
    assert_eq!(
        b.to_vec::<bool>().unwrap(),
        v.iter().map(|&a| a != 0.0).collect::<Vec<_>>()
    );
    let back = kiln::astype(&b, DType::F32).unwrap();
    assert_eq!(
        back.to_vec::<f32>().unwrap(),
        vec![1.0, 1.0, 0.0, 1.0, 1.0, 1.0]
    );
    let u = kiln::astype(&kiln::asarray([0i64, 7, 255], ()).unwrap(), DType::U8).unwrap();
    assert_eq!(u.to_vec::<u8>().unwrap(), vec![0, 7, 255]);
    let w = kiln::astype(&u, DType::I64).unwrap();
    assert_eq!(w.to_vec::<i64>().unwrap(), vec![0, 7, 255]);
}

#[test]
fn astype_from_complex_to_real_is_an_error_and_to_the_same_dtype_is_a_noop() {
    let z = kiln::asarray([kiln::Complex64::new(1.0, 2.0)], ()).unwrap();
    build_error(kiln::astype(&z, DType::F64));
    let c = kiln::astype(&z, DType::C64).unwrap();
    assert_eq!(
        interp(&c).to_vec::<kiln::Complex32>().unwrap(),
        vec![kiln::Complex32::new(1.0, 2.0)]
    );
    let (x, nd) = seq(&[2, 2]);
    check(
        &kiln::astype(&x, DType::F64).unwrap(),
        nd.view(),
        "same dtype",
    );
}

#[test]
fn astype_of_a_view_converts_the_view_values() {
    let (x, nd) = seq(&[3, 4]);
    let v = x.slice(s![..;-1, 1..;2]).unwrap();
    let r = kiln::astype(&v, DType::I16).unwrap();
    let want: Vec<i16> = nd
        .slice(ndarray::s![..;-1, 1..;2])
        .iter()
        .map(|&a| a as i16)
        .collect();
    assert_eq!(r.shape(), &[3, 2]);
    assert_eq!(r.to_vec::<i16>().unwrap(), want);
}

// ---------------------------------------------------------------------------------
// Basic indexing
// ---------------------------------------------------------------------------------

/// Index kiln and an ndarray Array3 with the same tokens (ints, ranges, steps).
macro_rules! same_slice {
    ($k:expr, $nd:expr, $($idx:tt)*) => {{
        let got = $k.slice(kiln::s![$($idx)*]).unwrap();
        let want = $nd.slice(ndarray::s![$($idx)*]);
        let ctx = stringify!($($idx)*);
        assert_eq!(got.shape(), want.shape(), "{ctx}: shape");
        assert_eq!(
            got.to_vec::<f64>().unwrap(),
            want.iter().copied().collect::<Vec<f64>>(),
            "{ctx}: values"
        );
    }};
}

fn seq3() -> (Array, ndarray::Array3<f64>) {
    let (x, nd) = seq(&[3, 4, 5]);
    (x, nd.into_dimensionality().unwrap())
}

#[test]
fn integer_indices_pick_elements_and_drop_axes_like_ndarray() {
    let (x, nd) = seq3();
    same_slice!(x, nd, 1, .., ..);
    same_slice!(x, nd, -1, .., ..);
    same_slice!(x, nd, .., 2, ..);
    same_slice!(x, nd, .., -4, 3);
    same_slice!(x, nd, 2, 3, 4);
    same_slice!(x, nd, -3, -4, -5);
    // A full integer index gives a 0-d array (not a scalar).
    let e = x.slice(s![1, 2, 3]).unwrap();
    assert_eq!(e.shape(), &[] as &[usize]);
    assert_eq!(e.item::<f64>().unwrap(), (20 + 2 * 5 + 3) as f64);
}

#[test]
fn ranges_and_steps_slice_like_ndarray() {
    let (x, nd) = seq3();
    same_slice!(x, nd, 1..3, .., ..);
    same_slice!(x, nd, ..2, 1.., -3..-1);
    same_slice!(x, nd, .., 1..=2, ..=3);
    same_slice!(x, nd, ..;2, ..;3, 1..;2);
    same_slice!(x, nd, ..;-1, .., ..);
    same_slice!(x, nd, 1..;-1, ..3;-2, ..;-3);
    same_slice!(x, nd, 0..3;-2, -3..;-1, 1..4;-2);
    same_slice!(x, nd, 2..2, .., ..);
    same_slice!(x, nd, 1, ..;-1, 2..);
}

#[test]
fn reversed_full_slice_reverses_the_axis() {
    let x = kiln::asarray([1i64, 2, 3, 4, 5], ()).unwrap();
    let r = x.slice(s![..;-1]).unwrap();
    assert_eq!(r.to_vec::<i64>().unwrap(), vec![5, 4, 3, 2, 1]);
    let r = x.slice(s![..;-2]).unwrap();
    assert_eq!(r.to_vec::<i64>().unwrap(), vec![5, 3, 1]);
}

#[test]
fn out_of_range_slice_bounds_clamp_like_python() {
    let x = kiln::asarray([1i64, 2, 3, 4, 5], ()).unwrap();
    assert_eq!(
        x.slice(s![2..10]).unwrap().to_vec::<i64>().unwrap(),
        vec![3, 4, 5]
    );
    assert_eq!(
        x.slice(s![-10..2]).unwrap().to_vec::<i64>().unwrap(),
        vec![1, 2]
    );
    assert_eq!(x.slice(s![7..]).unwrap().shape(), &[0]);
    // A backwards range is empty (ndarray would panic; Python gives nothing).
    let (from, to) = (3, 1);
    assert_eq!(x.slice(s![from..to]).unwrap().shape(), &[0]);
}

/// Python's slice(start, stop, step).indices(n), written from the language reference.
fn py_indices(start: Option<i64>, stop: Option<i64>, step: i64, n: i64) -> Vec<usize> {
    let adjust = |v: i64, lo: i64, hi: i64| {
        let v = if v < 0 { v + n } else { v };
        v.max(lo).min(hi)
    };
    let mut out = Vec::new();
    if step > 0 {
        let mut i = start.map_or(0, |v| adjust(v, 0, n));
        let stop = stop.map_or(n, |v| adjust(v, 0, n));
        while i < stop {
            out.push(i as usize);
            i += step;
        }
    } else {
        let mut i = start.map_or(n - 1, |v| adjust(v, -1, n - 1));
        let stop = stop.map_or(-1, |v| adjust(v, -1, n - 1));
        while i > stop {
            out.push(i as usize);
            i += step;
        }
    }
    out
}

#[test]
fn python_slices_follow_pythons_rules_for_negative_steps() {
    let data: Vec<i64> = (10..17).collect(); // 7 elements
    let x = kiln::from_vec(data.clone(), [7]).unwrap();
    // x[3:0:-1] is elements 3, 2, 1.
    let r = x.slice([SliceArg::python(Some(3), Some(0), -1)]).unwrap();
    assert_eq!(r.to_vec::<i64>().unwrap(), vec![13, 12, 11]);
    let opts = [
        None,
        Some(-9),
        Some(-7),
        Some(-3),
        Some(-1),
        Some(0),
        Some(2),
        Some(6),
        Some(7),
        Some(10),
    ];
    for start in opts {
        for stop in opts {
            for step in [-3i64, -2, -1, 1, 2, 3] {
                let r = x.slice([SliceArg::python(start, stop, step)]).unwrap();
                let want: Vec<i64> = py_indices(start, stop, step, 7)
                    .iter()
                    .map(|&i| data[i])
                    .collect();
                assert_eq!(
                    r.to_vec::<i64>().unwrap(),
                    want,
                    "x[{start:?}:{stop:?}:{step}]"
                );
            }
        }
    }
}

#[test]
fn python_slices_apply_per_axis_with_other_entries() {
    let (x, nd) = seq3();
    let r = x
        .slice([
            SliceArg::python(None, None, -1),
            SliceArg::Index(1),
            SliceArg::python(Some(4), Some(0), -2),
        ])
        .unwrap();
    let want = nd.slice(ndarray::s![..;-1, 1, 1..=4;-2]);
    assert_eq!(r.shape(), want.shape());
    assert_eq!(
        r.to_vec::<f64>().unwrap(),
        want.iter().copied().collect::<Vec<_>>()
    );
}

#[test]
fn new_axis_inserts_size_1_axes_where_written() {
    let (x, nd) = seq3();
    let r = x
        .slice(s![kiln::NewAxis, .., kiln::NewAxis, .., ..])
        .unwrap();
    let want = nd.slice(ndarray::s![ndarray::NewAxis, .., ndarray::NewAxis, .., ..]);
    assert_eq!(r.shape(), want.shape());
    assert_eq!(r.shape(), &[1, 3, 1, 4, 5]);
    assert_eq!(
        r.to_vec::<f64>().unwrap(),
        want.iter().copied().collect::<Vec<_>>()
    );
    let r = x
        .slice(s![1, kiln::NewAxis, 2..;-1, .., kiln::NewAxis])
        .unwrap();
    let want = nd.slice(ndarray::s![1, ndarray::NewAxis, 2..;-1, .., ndarray::NewAxis]);
    assert_eq!(r.shape(), want.shape());
    assert_eq!(
        r.to_vec::<f64>().unwrap(),
        want.iter().copied().collect::<Vec<_>>()
    );
}

#[test]
fn ellipsis_stands_for_as_many_full_slices_as_needed() {
    let (x, nd) = seq3();
    let pairs = [
        (
            s![kiln::Ellipsis, 0],
            nd.slice(ndarray::s![.., .., 0]).into_dyn(),
        ),
        (
            s![1, kiln::Ellipsis],
            nd.slice(ndarray::s![1, .., ..]).into_dyn(),
        ),
        (
            s![1, kiln::Ellipsis, 1..3],
            nd.slice(ndarray::s![1, .., 1..3]).into_dyn(),
        ),
        (s![kiln::Ellipsis], nd.view().into_dyn()),
        (
            s![0, 1, kiln::Ellipsis, 2],
            nd.slice(ndarray::s![0, 1, 2]).into_dyn(),
        ),
    ];
    for (i, (index, want)) in pairs.into_iter().enumerate() {
        let r = x.slice(index).unwrap();
        assert_eq!(r.shape(), want.shape(), "case {i}");
        assert_eq!(
            r.to_vec::<f64>().unwrap(),
            want.iter().copied().collect::<Vec<_>>(),
            "case {i}"
        );
    }
    let r = x
        .slice(s![kiln::NewAxis, kiln::Ellipsis, kiln::NewAxis])
        .unwrap();
    assert_eq!(r.shape(), &[1, 3, 4, 5, 1]);
}

#[test]
fn out_of_bounds_integer_indices_are_errors_at_the_call() {
    let (x, _) = seq3();
    for index in [s![3, .., ..], s![-4, .., ..], s![.., 4, ..], s![.., .., -6]] {
        build_error(x.slice(index));
    }
}

#[test]
fn malformed_indices_are_errors() {
    let (x, _) = seq3();
    // More indices than axes.
    build_error(x.slice(s![0, 0, 0, 0]));
    // Two ellipses.
    build_error(x.slice(s![kiln::Ellipsis, 0, kiln::Ellipsis]));
    // Step zero.
    build_error(x.slice(s![..;0, .., ..]));
    build_error(x.slice([SliceArg::python(None, None, 0)]));
}

// ---------------------------------------------------------------------------------
// Composed views
// ---------------------------------------------------------------------------------

#[test]
fn transpose_of_a_slice_of_a_broadcast_matches_ndarray() {
    let (a, na) = seq(&[3, 1, 4]);
    let b = kiln::broadcast_to(&a, [2, 3, 5, 4]).unwrap();
    let s = b.slice(s![1, ..;-1, 1..4;2, ..]).unwrap();
    let t = kiln::matrix_transpose(&s).unwrap();
    let nb = na.broadcast(vec![2, 3, 5, 4]).unwrap();
    let nb4: ndarray::ArrayView4<f64> = nb.into_dimensionality().unwrap();
    let mut want = nb4.slice_move(ndarray::s![1, ..;-1, 1..4;2, ..]).into_dyn();
    want.swap_axes(1, 2);
    check(&t, want, "transpose(slice(broadcast))");
}

#[test]
fn flip_of_a_permute_of_a_reshape_matches_ndarray() {
    let (x, nd) = seq(&[24]);
    let r = kiln::reshape(&x, [2, 3, 4]).unwrap();
    let p = kiln::permute_dims(&r, [2, 0, 1]).unwrap();
    let f = kiln::flip(&p, vec![0, 2]).unwrap();
    let nr = nd.into_shape_with_order(IxDyn(&[2, 3, 4])).unwrap();
    let mut want = nr.view().permuted_axes(vec![2, 0, 1]);
    want.invert_axis(Axis(0));
    want.invert_axis(Axis(2));
    check(&f, want, "flip(permute(reshape))");
}

#[test]
fn slices_of_slices_compose_like_ndarray() {
    let (x, nd) = seq3();
    let a = x.slice(s![..;-1, 1.., ..;2]).unwrap();
    let b = a.slice(s![1.., ..;-2, 1]).unwrap();
    let want = nd
        .slice(ndarray::s![..;-1, 1.., ..;2])
        .slice_move(ndarray::s![1.., ..;-2, 1]);
    assert_eq!(b.shape(), want.shape());
    assert_eq!(
        b.to_vec::<f64>().unwrap(),
        want.iter().copied().collect::<Vec<_>>()
    );
}

#[test]
fn roll_of_a_transposed_slice_and_reshape_of_a_flip_read_logical_order() {
    let (x, nd) = seq(&[4, 6]);
    let v = x.slice(s![1..;2, ..;-1]).unwrap(); // [2, 6]
    let t = kiln::matrix_transpose(&v).unwrap(); // [6, 2]
    let r = kiln::roll(&t, [-2], 0).unwrap();
    let nv = nd
        .view()
        .into_dimensionality::<ndarray::Ix2>()
        .unwrap()
        .slice_move(ndarray::s![1..;2, ..;-1]);
    let tv: Vec<f64> = nv.t().iter().copied().collect();
    assert_eq!(r.shape(), &[6, 2]);
    assert_eq!(r.to_vec::<f64>().unwrap(), roll_oracle(&tv, &[6, 2], -2, 0));

    let f = kiln::flip(&x, 1).unwrap();
    let g = kiln::reshape(&f, [3, -1]).unwrap();
    let mut nf = nd.view();
    nf.invert_axis(Axis(1));
    let want = ArrayD::from_shape_vec(IxDyn(&[3, 8]), nf.iter().copied().collect()).unwrap();
    check(&g, want.view(), "reshape(flip)");
}

#[test]
fn expand_squeeze_and_moveaxis_of_a_broadcast_slice_match_ndarray() {
    let (a, na) = seq(&[4]);
    let b = kiln::broadcast_to(&a, [3, 4]).unwrap();
    let c = b.slice(s![..;2, 1..]).unwrap(); // [2, 3]
    let d = kiln::expand_dims(&c, vec![0, 2]).unwrap(); // [1, 2, 1, 3]
    let e = kiln::moveaxis(&d, 1, -1).unwrap(); // [1, 1, 3, 2]
    let f = kiln::squeeze(&e, vec![0, 1]).unwrap(); // [3, 2]
    let nb = na.broadcast(vec![3, 4]).unwrap();
    let nc = nb
        .into_dimensionality::<ndarray::Ix2>()
        .unwrap()
        .slice_move(ndarray::s![..;2, 1..]);
    let want = nc.t().into_dyn();
    check(&f, want, "squeeze(moveaxis(expand_dims(slice(broadcast))))");
}

#[test]
fn concat_and_stack_of_views_read_the_views_values() {
    let (x, nd) = seq(&[3, 4]);
    let t = kiln::matrix_transpose(&x)
        .unwrap()
        .slice(s![..3, ..])
        .unwrap(); // [3, 3]
    let f = kiln::flip(&x.slice(s![.., 1..]).unwrap(), ()).unwrap(); // [3, 3]
    let c = kiln::concat(&[&t, &f], 1).unwrap();
    let s2 = kiln::stack(&[&t, &f], 1).unwrap();
    let n2 = nd.view().into_dimensionality::<ndarray::Ix2>().unwrap();
    let nt = n2.t().slice_move(ndarray::s![..3, ..]);
    let mut nf = n2.slice(ndarray::s![.., 1..]);
    nf.invert_axis(Axis(0));
    nf.invert_axis(Axis(1));
    let want = ndarray::concatenate(Axis(1), &[nt, nf]).unwrap();
    check(&c, want.view().into_dyn(), "concat of views");
    let want = ndarray::stack(Axis(1), &[nt, nf]).unwrap();
    check(&s2, want.view().into_dyn(), "stack of views");
}

#[test]
fn reductions_of_composed_views_see_the_view_values() {
    let (x, nd) = seq(&[3, 4]);
    let v = kiln::flip(&kiln::matrix_transpose(&x).unwrap(), 0).unwrap(); // [4, 3]
    let s = kiln::sum(&v, 1).unwrap();
    let mut nv = nd.view();
    nv.swap_axes(0, 1);
    nv.invert_axis(Axis(0));
    let want: Vec<f64> = nv.sum_axis(Axis(1)).iter().copied().collect();
    assert_eq!(s.to_vec::<f64>().unwrap(), want);
    let am = kiln::argmax(&v, 0).unwrap();
    assert_eq!(am.to_vec::<i64>().unwrap(), vec![0, 0, 0]);
}

#[test]
fn views_of_a_computed_array_match_views_of_a_lazy_one() {
    let (x, _) = seq(&[3, 4]);
    let lazy = (&x * 2.0).unwrap();
    let done = (&x * 2.0).unwrap().compute().unwrap();
    assert!(done.is_evaluated());
    let a = lazy
        .slice(s![..;-1, 1..3])
        .unwrap()
        .to_vec::<f64>()
        .unwrap();
    let b = done
        .slice(s![..;-1, 1..3])
        .unwrap()
        .to_vec::<f64>()
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(a, vec![18.0, 20.0, 10.0, 12.0, 2.0, 4.0]);
}

// ---------------------------------------------------------------------------------
// 0-d, empty and size-1 arrays
// ---------------------------------------------------------------------------------

#[test]
fn views_of_a_0d_array_keep_or_add_only_size_1_axes() {
    let x = kiln::asarray(7.5f64, ()).unwrap();
    let scalar: &[usize] = &[];
    let same = [
        kiln::reshape(&x, [0i64; 0]).unwrap(),
        kiln::permute_dims(&x, [0i64; 0]).unwrap(),
        kiln::flip(&x, ()).unwrap(),
        kiln::roll(&x, [3], ()).unwrap(),
        kiln::squeeze(&x, ()).unwrap(),
        kiln::broadcast_to(&x, [0usize; 0]).unwrap(),
        x.slice(s![]).unwrap(),
        x.slice(s![kiln::Ellipsis]).unwrap(),
        kiln::astype(&x, DType::F64).unwrap(),
    ];
    for (i, r) in same.iter().enumerate() {
        assert_eq!(r.shape(), scalar, "case {i}");
        assert_eq!(r.item::<f64>().unwrap(), 7.5, "case {i}");
    }
    let grown = [
        (kiln::reshape(&x, [1, 1]).unwrap(), vec![1, 1]),
        (kiln::reshape(&x, [-1]).unwrap(), vec![1]),
        (kiln::expand_dims(&x, 0).unwrap(), vec![1]),
        (x.slice(s![kiln::NewAxis]).unwrap(), vec![1]),
        (
            x.slice(s![kiln::NewAxis, kiln::Ellipsis, kiln::NewAxis])
                .unwrap(),
            vec![1, 1],
        ),
        (kiln::stack(&[&x, &x], 0).unwrap(), vec![2]),
        (kiln::concat(&[&x, &x], ()).unwrap(), vec![2]),
    ];
    for (i, (r, shape)) in grown.iter().enumerate() {
        assert_eq!(r.shape(), shape.as_slice(), "case {i}");
        assert!(
            r.to_vec::<f64>().unwrap().iter().all(|&v| v == 7.5),
            "case {i}"
        );
    }
    let b = kiln::broadcast_to(&x, [2, 3]).unwrap();
    assert_eq!(b.to_vec::<f64>().unwrap(), vec![7.5; 6]);
    // A 0-d array has no axis to index, flip or concatenate along.
    build_error(x.slice(s![0]));
    build_error(kiln::flip(&x, 0));
    build_error(kiln::concat(&[&x, &x], 0));
}

#[test]
fn views_of_empty_arrays_have_the_right_shapes_and_no_values() {
    let x = kiln::zeros([0, 3], DType::F64).unwrap();
    let cases: Vec<(Array, Vec<usize>)> = vec![
        (kiln::reshape(&x, [3, 0]).unwrap(), vec![3, 0]),
        (kiln::reshape(&x, [-1, 3]).unwrap(), vec![0, 3]),
        (kiln::reshape(&x, [0]).unwrap(), vec![0]),
        (kiln::permute_dims(&x, [1, 0]).unwrap(), vec![3, 0]),
        (kiln::matrix_transpose(&x).unwrap(), vec![3, 0]),
        (kiln::flip(&x, ()).unwrap(), vec![0, 3]),
        (kiln::roll(&x, [2], 1).unwrap(), vec![0, 3]),
        (kiln::roll(&x, [2], ()).unwrap(), vec![0, 3]),
        (kiln::expand_dims(&x, 1).unwrap(), vec![0, 1, 3]),
        (kiln::broadcast_to(&x, [2, 0, 3]).unwrap(), vec![2, 0, 3]),
        (x.slice(s![.., 1..;-1]).unwrap(), vec![0, 2]),
        (x.slice(s![..;-1, 0]).unwrap(), vec![0]),
        (kiln::stack(&[&x, &x], 1).unwrap(), vec![0, 2, 3]),
        (kiln::astype(&x, DType::I8).unwrap(), vec![0, 3]),
    ];
    for (i, (r, shape)) in cases.iter().enumerate() {
        assert_eq!(r.shape(), shape.as_slice(), "case {i}");
        r.compute().unwrap();
        assert_eq!(r.size(), 0, "case {i}");
    }
    // Indexing into an empty axis is out of bounds.
    build_error(x.slice(s![0, ..]));
    // Concatenating an empty array adds nothing.
    let y = kiln::asarray([[1.0f64, 2.0, 3.0]], ()).unwrap();
    let c = kiln::concat(&[&x, &y, &x], 0).unwrap();
    assert_eq!(c.shape(), &[1, 3]);
    assert_eq!(c.to_vec::<f64>().unwrap(), vec![1.0, 2.0, 3.0]);
    // A size-1 axis broadcasts to size 0.
    let b = kiln::broadcast_to(&y, [0, 3]).unwrap();
    assert_eq!(b.shape(), &[0, 3]);
    assert!(b.to_vec::<f64>().unwrap().is_empty());
}

#[test]
fn views_of_size_1_arrays_keep_their_single_value() {
    let x = kiln::asarray([[[4.25f64]]], ()).unwrap(); // [1, 1, 1]
    let cases: Vec<(Array, Vec<usize>)> = vec![
        (kiln::squeeze(&x, ()).unwrap(), vec![]),
        (kiln::squeeze(&x, 1).unwrap(), vec![1, 1]),
        (kiln::flip(&x, ()).unwrap(), vec![1, 1, 1]),
        (kiln::roll(&x, [5], vec![0, 1, 2]).unwrap(), vec![1, 1, 1]),
        (kiln::permute_dims(&x, [2, 0, 1]).unwrap(), vec![1, 1, 1]),
        (kiln::broadcast_to(&x, [2, 1, 3]).unwrap(), vec![2, 1, 3]),
        (x.slice(s![0, .., -1]).unwrap(), vec![1]),
        (x.slice(s![..;-1, 0, 0]).unwrap(), vec![1]),
        (kiln::reshape(&x, [-1]).unwrap(), vec![1]),
    ];
    for (i, (r, shape)) in cases.iter().enumerate() {
        assert_eq!(r.shape(), shape.as_slice(), "case {i}");
        let v = r.to_vec::<f64>().unwrap();
        assert!(!v.is_empty() && v.iter().all(|&a| a == 4.25), "case {i}");
    }
}
