//! unstack, tile, repeat and diff against index arithmetic written here, in every
//! execution mode, on 0-d, empty, size-1 and non-contiguous (transposed) inputs.

use kiln::{Array, DType, Mode};

const MODES: [Mode; 3] = [Mode::Interpreter, Mode::Eager, Mode::Fused];

/// Distinct values 0, 1, 2, ... in `shape`, transposed when `transpose` (a
/// non-contiguous view), with the row-major values of what kiln sees.
fn input(shape: &[usize], transpose: bool) -> (Array, Vec<usize>, Vec<f64>) {
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let x = kiln::from_vec(v.clone(), shape).unwrap();
    if !transpose || shape.len() < 2 {
        return (x, shape.to_vec(), v);
    }
    let (r, c) = (shape[0], shape[1]);
    let t: Vec<f64> = (0..c * r).map(|i| v[(i % r) * c + i / r]).collect();
    (kiln::matrix_transpose(&x).unwrap(), vec![c, r], t)
}

fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for a in (0..shape.len()).rev() {
        idx[a] = i % shape[a].max(1);
        i /= shape[a].max(1);
    }
    idx
}

/// `build()` in every mode against `shape` and `want`. The array is built afresh for
/// each mode: a computed array keeps its value, so computing one array in several
/// modes would only run the first.
fn all_modes(build: &dyn Fn() -> Array, shape: &[usize], want: &[f64], ctx: &str) {
    for mode in MODES {
        let got = build();
        assert_eq!(got.shape(), shape, "{ctx}: shape");
        let v: Vec<f64> = got.compute_with(mode).unwrap().to_vec().unwrap();
        assert_eq!(v, want, "{ctx} in {mode:?}");
    }
}

#[test]
fn tile_matches_modular_indexing() {
    let cases: &[(&[usize], &[usize])] = &[
        (&[3], &[2]),
        (&[2, 3], &[2, 1]),
        (&[2, 3], &[3]),
        (&[2], &[2, 3]),
        (&[], &[4]),
        (&[0, 2], &[3, 2]),
        (&[1, 5], &[4, 1]),
        (&[3, 2], &[2, 2]),
    ];
    for &(shape, reps) in cases {
        for transpose in [false, true] {
            let (x, xs, v) = input(shape, transpose);
            let rank = xs.len().max(reps.len());
            let mut xs_full = vec![1; rank - xs.len()];
            xs_full.extend(&xs);
            let mut r = vec![1; rank - reps.len()];
            r.extend(reps);
            let out: Vec<usize> = xs_full.iter().zip(&r).map(|(a, b)| a * b).collect();
            let st = strides(&xs_full);
            let want: Vec<f64> = (0..out.iter().product())
                .map(|i| {
                    let idx = unravel(i, &out);
                    v[(0..rank)
                        .map(|a| (idx[a] % xs_full[a]) * st[a])
                        .sum::<usize>()]
                })
                .collect();
            let got = || kiln::tile(&x, reps).unwrap();
            all_modes(&got, &out, &want, &format!("tile {xs:?} by {reps:?}"));
        }
    }
}

#[test]
fn repeat_matches_integer_division_indexing() {
    let cases: &[(&[usize], Option<i64>, usize)] = &[
        (&[3], Some(0), 2),
        (&[2, 3], Some(1), 3),
        (&[2, 3], Some(0), 1),
        (&[2, 3], None, 2),
        (&[2, 3], Some(-1), 0),
        (&[0, 3], Some(0), 2),
        (&[], None, 3),
    ];
    for &(shape, axis, reps) in cases {
        for transpose in [false, true] {
            let (x, xs, v) = input(shape, transpose);
            let (xs, a) = match axis {
                None => (vec![xs.iter().product()], 0),
                Some(a) => (xs.clone(), a.rem_euclid(xs.len() as i64) as usize),
            };
            let mut out = xs.clone();
            out[a] *= reps;
            let st = strides(&xs);
            let want: Vec<f64> = (0..out.iter().product())
                .map(|i| {
                    let mut idx = unravel(i, &out);
                    idx[a] /= reps;
                    v[(0..xs.len()).map(|k| idx[k] * st[k]).sum::<usize>()]
                })
                .collect();
            let got = || kiln::repeat(&x, reps, axis).unwrap();
            all_modes(
                &got,
                &out,
                &want,
                &format!("repeat {xs:?} x{reps} axis {axis:?}"),
            );
        }
    }
}

#[test]
fn unstack_gives_every_slice_along_the_axis() {
    for transpose in [false, true] {
        let (x, xs, v) = input(&[3, 4], transpose);
        for axis in [0i64, 1, -1] {
            let a = axis.rem_euclid(2) as usize;
            let parts = || kiln::unstack(&x, axis).unwrap();
            assert_eq!(parts().len(), xs[a]);
            for i in 0..xs[a] {
                let want: Vec<f64> = (0..xs[1 - a])
                    .map(|j| {
                        if a == 0 {
                            v[i * xs[1] + j]
                        } else {
                            v[j * xs[1] + i]
                        }
                    })
                    .collect();
                all_modes(
                    &|| parts()[i].clone(),
                    &[xs[1 - a]],
                    &want,
                    &format!("unstack axis {axis} part {i}"),
                );
            }
        }
    }
    let empty = kiln::zeros([0, 2], DType::F64).unwrap();
    assert!(kiln::unstack(&empty, 0).unwrap().is_empty());
    let scalar = kiln::asarray(1.0f64, ()).unwrap();
    assert!(kiln::unstack(&scalar, 0).is_err(), "0-d input is an error");
}

#[test]
fn diff_matches_repeated_differences_with_prepend_and_append() {
    let x = kiln::asarray([1.0f64, 4.0, 9.0, 16.0, 25.0], ()).unwrap();
    let d1 = || kiln::diff(&x, -1, 1, None, None).unwrap();
    all_modes(&d1, &[4], &[3.0, 5.0, 7.0, 9.0], "diff n=1");
    let d2 = || kiln::diff(&x, 0, 2, None, None).unwrap();
    all_modes(&d2, &[3], &[2.0, 2.0, 2.0], "diff n=2");
    let d0 = || kiln::diff(&x, 0, 0, None, None).unwrap();
    all_modes(&d0, &[5], &[1.0, 4.0, 9.0, 16.0, 25.0], "diff n=0");
    let p = kiln::asarray([0.0f64], ()).unwrap();
    let a = kiln::asarray([100.0f64, 0.0], ()).unwrap();
    let d = || kiln::diff(&x, 0, 1, Some(&p), Some(&a)).unwrap();
    all_modes(
        &d,
        &[7],
        &[1.0, 3.0, 5.0, 7.0, 9.0, 75.0, -100.0],
        "diff prepend/append",
    );
    let long = || kiln::diff(&x, 0, 9, None, None).unwrap();
    all_modes(&long, &[0], &[], "diff beyond the length");
    // Along axis 0 of a transposed [3, 2] matrix (rows of the original's columns).
    let (m, ms, v) = input(&[2, 3], true);
    let want: Vec<f64> = (0..(ms[0] - 1) * ms[1])
        .map(|i| v[i + ms[1]] - v[i])
        .collect();
    let d = || kiln::diff(&m, 0, 1, None, None).unwrap();
    all_modes(
        &d,
        &[ms[0] - 1, ms[1]],
        &want,
        "diff of a transposed view along axis 0",
    );
    let b = kiln::asarray([true, true, false, true], ()).unwrap();
    let db = || kiln::diff(&b, 0, 1, None, None).unwrap();
    assert_eq!(db().dtype(), DType::Bool);
    for mode in MODES {
        let got: Vec<bool> = db().compute_with(mode).unwrap().to_vec().unwrap();
        assert_eq!(got, vec![false, true, true]);
    }
    let scalar = kiln::asarray(1.0f64, ()).unwrap();
    let e = kiln::diff(&scalar, 0, 1, None, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("diff"), "{e}");
    let bad = kiln::asarray([[1.0f64]], ()).unwrap();
    assert!(
        kiln::diff(&x, 0, 1, Some(&bad), None).is_err(),
        "rank mismatch of prepend"
    );
}

#[test]
fn repeat_with_a_count_per_element_gathers_each_element_that_many_times() {
    for transpose in [false, true] {
        let (x, xs, v) = input(&[3, 2], transpose);
        let counts = kiln::asarray([2i64, 0, 1], ()).unwrap();
        // Along axis 0 (length 3 in the untransposed case, 2 transposed).
        if xs[0] == 3 {
            let got = || kiln::repeat(&x, &counts, Some(0)).unwrap();
            let rows = [0usize, 0, 2];
            let want: Vec<f64> = rows
                .iter()
                .flat_map(|&r| v[r * 2..r * 2 + 2].to_vec())
                .collect();
            all_modes(&got, &[3, 2], &want, "repeat rows by [2, 0, 1]");
        }
        // Flattened, one count for all, given as a length-1 array.
        let one = kiln::asarray([3i32], ()).unwrap();
        let got = || kiln::repeat(&x, &one, None).unwrap();
        let want: Vec<f64> = v.iter().flat_map(|&e| [e, e, e]).collect();
        all_modes(&got, &[18], &want, "repeat flattened by [3]");
    }
    let x = kiln::asarray([1.0f64, 2.0], ()).unwrap();
    let neg = kiln::asarray([1i64, -1], ()).unwrap();
    let e = kiln::repeat(&x, &neg, None).unwrap_err().to_string();
    assert!(e.contains("repeat") && e.contains("non-negative"), "{e}");
    let wrong = kiln::asarray([1i64, 2, 3], ()).unwrap();
    let e = kiln::repeat(&x, &wrong, None).unwrap_err().to_string();
    assert!(e.contains("repeat") && e.contains("length"), "{e}");
    let floats = kiln::asarray([1.0f64, 2.0], ()).unwrap();
    assert!(
        kiln::repeat(&x, &floats, None).is_err(),
        "counts must be integers"
    );
    assert!(
        kiln::repeat(&x, -2, None).is_err(),
        "a negative count is an error"
    );
}
