//! Gathers (take, take_along_axis, mask_select), nonzero, count_nonzero, the unique_*
//! family and isin, against references written here: index arithmetic on row-major
//! positions, a linear scan for equality, a BTreeMap of counts. Inputs include 0-d,
//! empty and size-1 axes, middle axes, flipped and transposed views, NaN and signed
//! zeros; static-shape results run through the interpreter, the eager engine and the
//! fused compiler, and data-dependent ones start from an input computed in each mode.

use kiln::{Array, DType, Error, IrError, IsinOpts, Mode, ReduceOpts};
use std::collections::BTreeMap;

const MODES: [Mode; 3] = [Mode::Interpreter, Mode::Eager, Mode::Fused];

fn lcg(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xface;
    move || {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        s >> 33
    }
}

/// Small integers in -3..=3 (many repeats and zeros).
fn ints(n: usize, seed: u64) -> Vec<i64> {
    let mut next = lcg(seed);
    (0..n).map(|_| (next() % 7) as i64 - 3).collect()
}

/// Values on a coarse grid with NaNs (of both signs and two payloads) and both signed
/// zeros.
fn floats(n: usize, seed: u64) -> Vec<f64> {
    let mut next = lcg(seed);
    let nans = [
        0x7ff8_0000_0000_0000,
        0xfff8_0000_0000_0000,
        0x7ff8_0000_0000_0001,
    ];
    (0..n)
        .map(|_| match next() % 8 {
            0 => f64::from_bits(nans[(next() % 3) as usize]),
            1 => -0.0,
            2 => 0.0,
            _ => (next() % 5) as f64 - 2.0,
        })
        .collect()
}

fn strides(shape: &[usize]) -> Vec<usize> {
    (0..shape.len())
        .map(|k| shape[k + 1..].iter().product())
        .collect()
}

fn unravel(p: usize, shape: &[usize]) -> Vec<usize> {
    let s = strides(shape);
    (0..shape.len()).map(|k| (p / s[k]) % shape[k]).collect()
}

fn ravel(idx: &[usize], shape: &[usize]) -> usize {
    idx.iter().zip(strides(shape)).map(|(i, s)| i * s).sum()
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn ir(e: Error) -> IrError {
    e.ir().cloned().expect("a building error")
}

// ---------------------------------------------------------------------------------
// take
// ---------------------------------------------------------------------------------

/// take along `axis` by index arithmetic on the output's coordinates.
fn naive_take(data: &[i64], shape: &[usize], idx: &[i64], axis: usize) -> Vec<i64> {
    let mut out_shape = shape.to_vec();
    out_shape[axis] = idx.len();
    let n = shape[axis] as i64;
    (0..out_shape.iter().product())
        .map(|p| {
            let mut c = unravel(p, &out_shape);
            let i = idx[c[axis]];
            c[axis] = (if i < 0 { i + n } else { i }) as usize;
            data[ravel(&c, shape)]
        })
        .collect()
}

#[test]
fn take_matches_index_arithmetic_along_every_axis() {
    let shape = [3, 4, 5];
    let data = ints(60, 1);
    let x = kiln::from_vec(data.clone(), shape).unwrap();
    for axis in 0..3 {
        let n = shape[axis] as i64;
        for idx in [vec![n - 1, 0, -1, 1, -n], vec![0], vec![]] {
            let want = naive_take(&data, &shape, &idx, axis);
            let indices = kiln::asarray(idx.clone(), ()).unwrap();
            for mode in MODES {
                let y = kiln::take(&x, &indices, axis as i64).unwrap();
                let mut s = shape.to_vec();
                s[axis] = idx.len();
                assert_eq!(y.shape(), &s[..]);
                let got: Vec<i64> = y.compute_with(mode).unwrap().to_vec().unwrap();
                assert_eq!(got, want, "axis {axis} {idx:?} {mode:?}");
            }
        }
    }
}

/// Outputs large enough to be copied in blocks of rows across the pool: along every
/// axis (rows of 650, 13 and 1 elements), with repeated, negative and reversed indices,
/// and a 1-D take; each block must start at its own row.
#[test]
fn large_takes_match_index_arithmetic_along_every_axis() {
    let shape = [70, 50, 13];
    let data = ints(70 * 50 * 13, 3);
    let x = kiln::from_vec(data.clone(), shape).unwrap();
    for axis in 0..3 {
        let n = shape[axis] as i64;
        let idx: Vec<i64> = (0..3 * n)
            .map(|i| (i * 7 % n) - if i % 3 == 0 { n } else { 0 })
            .rev()
            .collect();
        let want = naive_take(&data, &shape, &idx, axis);
        let indices = kiln::asarray(idx.clone(), ()).unwrap();
        for mode in MODES {
            let y = kiln::take(&x, &indices, axis as i64).unwrap();
            let got: Vec<i64> = y.compute_with(mode).unwrap().to_vec().unwrap();
            assert_eq!(got, want, "axis {axis} {mode:?}");
        }
    }
    let flat: Vec<i64> = ints(50_000, 4);
    let idx: Vec<i64> = (0..40_000).map(|i| (i * 7919) % 50_000).collect();
    let want: Vec<i64> = idx.iter().map(|&i| flat[i as usize]).collect();
    let x = kiln::from_vec(flat, [50_000]).unwrap();
    let y = kiln::take(&x, &kiln::asarray(idx, ()).unwrap(), ()).unwrap();
    assert_eq!(y.compute().unwrap().to_vec::<i64>().unwrap(), want);
}

/// A mask over several of the blocks counted and written in parallel (2^16 each),
/// irregular, with runs of true and of false across block edges: `mask_select` and
/// `nonzero` list exactly the naive filter's positions, in order.
#[test]
fn large_irregular_masks_select_and_list_every_true_position_in_order() {
    let n = 300_006usize; // 7 × 42858, and no multiple of 2^16
    let mask: Vec<bool> = (0..n)
        .map(|i| (i * 7919 % 1000 < 430) || (65_000..66_000).contains(&i))
        .collect();
    let want: Vec<i64> = (0..n as i64).filter(|&i| mask[i as usize]).collect();
    let x = kiln::arange(0, n as i64, 1, DType::I64).unwrap();
    let m = kiln::from_vec(mask.clone(), [n]).unwrap();
    for mode in MODES {
        let picked = kiln::mask_select(&x, &m).unwrap();
        let got = picked.compute_with(mode).unwrap().to_vec::<i64>().unwrap();
        assert_eq!(got, want, "{mode:?}");
        // rows of three: the copy of whole slices rather than single elements
        let x3 = kiln::reshape(
            &kiln::arange(0, 3 * n as i64, 1, DType::I64).unwrap(),
            [n as i64, 3],
        )
        .unwrap();
        let rows3 = kiln::mask_select(&x3, &m).unwrap();
        let want3: Vec<i64> = want
            .iter()
            .flat_map(|&i| [3 * i, 3 * i + 1, 3 * i + 2])
            .collect();
        let got3 = rows3.compute_with(mode).unwrap().to_vec::<i64>().unwrap();
        assert_eq!(got3, want3, "rows {mode:?}");
    }
    let rows = kiln::reshape(&m, [n as i64 / 7, 7]).unwrap();
    let idx = kiln::nonzero(&rows).unwrap();
    let flat: Vec<i64> = idx[0]
        .to_vec::<i64>()
        .unwrap()
        .iter()
        .zip(idx[1].to_vec::<i64>().unwrap())
        .map(|(r, c)| r * 7 + c)
        .collect();
    assert_eq!(flat, want);
}

#[test]
fn take_reads_views_and_any_integer_index_dtype() {
    let shape = [3, 4, 5];
    let data = ints(60, 2);
    let x = kiln::from_vec(data.clone(), shape).unwrap();
    // Transposed view [5, 4, 3], taken along its middle axis with u8 indices.
    let t = kiln::permute_dims(&x, [2, 1, 0]).unwrap();
    let tdata: Vec<i64> = (0..60)
        .map(|p| {
            let c = unravel(p, &[5, 4, 3]);
            data[ravel(&[c[2], c[1], c[0]], &shape)]
        })
        .collect();
    let idx = kiln::asarray([3u8, 3, 0], ()).unwrap();
    let want = naive_take(&tdata, &[5, 4, 3], &[3, 3, 0], 1);
    // A 1-D flipped view needs no axis.
    let v = kiln::flip(&kiln::asarray([10i64, 20, 30], ()).unwrap(), ()).unwrap();
    let small = kiln::asarray([-1i32, 0], ()).unwrap();
    for mode in MODES {
        let y = kiln::take(&t, &idx, 1).unwrap();
        assert_eq!(y.compute_with(mode).unwrap().to_vec::<i64>().unwrap(), want);
        let z = v.take(&small, ()).unwrap();
        assert_eq!(
            z.compute_with(mode).unwrap().to_vec::<i64>().unwrap(),
            vec![10, 30]
        );
    }
}

#[test]
fn take_out_of_bounds_is_an_error_from_compute_in_every_mode() {
    let x = kiln::zeros([2, 4], DType::F32).unwrap();
    for (bad, msg) in [
        (4i64, "take: index 4 is out of bounds for axis 1 of size 4"),
        (-5, "take: index -5 is out of bounds for axis 1 of size 4"),
    ] {
        let idx = kiln::asarray([0i64, bad], ()).unwrap();
        for mode in MODES {
            let (y, line) = (kiln::take(&x, &idx, -1).unwrap(), line!());
            let e = y.compute_with(mode).unwrap_err();
            assert!(matches!(e, Error::Run(_)), "{e}");
            assert!(e.to_string().contains(msg), "{e}");
            // And where the take was written, though the error comes from compute.
            let at = format!("(at tests/sets.rs:{line}:");
            assert!(e.to_string().contains(&at), "{e}");
        }
    }
    // An empty axis has no valid index.
    let empty = kiln::zeros([0], DType::F64).unwrap();
    let y = kiln::take(&empty, &kiln::asarray([0i64], ()).unwrap(), ()).unwrap();
    assert!(y
        .compute()
        .unwrap_err()
        .to_string()
        .contains("axis 0 of size 0"));
}

#[test]
fn take_argument_errors_are_raised_at_the_call() {
    let x = kiln::zeros([2, 3], DType::F64).unwrap();
    let idx = kiln::asarray([0i64], ()).unwrap();
    let scalar = kiln::asarray(1.0f64, ()).unwrap();
    assert!(kiln::take(&scalar, &idx, ())
        .unwrap_err()
        .to_string()
        .contains("0-d"));
    assert!(kiln::take(&x, &idx, ())
        .unwrap_err()
        .to_string()
        .contains("name the axis"));
    assert!(matches!(
        ir(kiln::take(&x, &idx, 2).unwrap_err()),
        IrError::Axis { .. }
    ));
    let two_d = kiln::zeros([1, 1], DType::I64).unwrap();
    assert!(kiln::take(&x, &two_d, 0)
        .unwrap_err()
        .to_string()
        .contains("1-D"));
    let float = kiln::zeros([1], DType::F64).unwrap();
    let e = ir(kiln::take(&x, &float, 0).unwrap_err());
    assert!(
        matches!(
            e,
            IrError::DType {
                func: "take",
                arg: "indices",
                ..
            }
        ),
        "{e}"
    );
}

// ---------------------------------------------------------------------------------
// take_along_axis
// ---------------------------------------------------------------------------------

#[test]
fn take_along_axis_matches_index_arithmetic_and_broadcasts() {
    let data = ints(60, 3);
    let x = kiln::from_vec(data.clone(), [3, 4, 5]).unwrap();
    let mut next = lcg(4);
    for axis in 0..3usize {
        // indices [3, 4, 5] with axis resized to 2 and axis-0 size 1 (broadcast) when
        // the axis is not 0.
        let mut ishape = vec![3, 4, 5];
        ishape[axis] = 2;
        if axis != 0 {
            ishape[0] = 1;
        }
        let n = [3, 4, 5][axis] as i64;
        let idx: Vec<i64> = (0..ishape.iter().product::<usize>())
            .map(|_| (next() % (2 * n as u64)) as i64 - n)
            .collect();
        let mut oshape = vec![3, 4, 5];
        oshape[axis] = 2;
        let want: Vec<i64> = (0..oshape.iter().product())
            .map(|p| {
                let mut c = unravel(p, &oshape);
                let mut ic = c.clone();
                if axis != 0 {
                    ic[0] = 0;
                }
                let i = idx[ravel(&ic, &ishape)];
                c[axis] = (if i < 0 { i + n } else { i }) as usize;
                data[ravel(&c, &[3, 4, 5])]
            })
            .collect();
        let indices = kiln::from_vec(idx, &ishape).unwrap();
        for mode in MODES {
            let y = kiln::take_along_axis(&x, &indices, axis as i64).unwrap();
            assert_eq!(y.shape(), &oshape[..]);
            let got: Vec<i64> = y.compute_with(mode).unwrap().to_vec().unwrap();
            assert_eq!(got, want, "axis {axis} {mode:?}");
        }
    }
}

#[test]
fn take_along_axis_with_argsort_sorts_a_flipped_view() {
    let data = floats(20, 5);
    let x = kiln::flip(&kiln::from_vec(data, [4, 5]).unwrap(), 0).unwrap();
    for axis in [0i64, 1] {
        let i = kiln::argsort(&x, axis).unwrap();
        for mode in MODES {
            let a: Vec<f64> = kiln::take_along_axis(&x, &i, axis)
                .unwrap()
                .compute_with(mode)
                .unwrap()
                .to_vec()
                .unwrap();
            let b: Vec<f64> = kiln::sort(&x, axis).unwrap().to_vec().unwrap();
            assert_eq!(bits(&a), bits(&b), "axis {axis} {mode:?}");
        }
    }
}

#[test]
fn take_along_axis_errors() {
    let x = kiln::zeros([2, 3], DType::I32).unwrap();
    let flat = kiln::zeros([3], DType::I64).unwrap();
    let e = kiln::take_along_axis(&x, &flat, 1).unwrap_err().to_string();
    assert!(
        e.contains("take_along_axis") && e.contains("[2, 3]") && e.contains("[3]"),
        "{e}"
    );
    let wrong = kiln::zeros([3, 3], DType::I64).unwrap();
    assert!(kiln::take_along_axis(&x, &wrong, 1)
        .unwrap_err()
        .to_string()
        .contains("broadcast"));
    let bad = kiln::asarray([[0i64], [3]], ()).unwrap();
    for mode in MODES {
        let y = kiln::take_along_axis(&x, &bad, 1).unwrap();
        let e = y.compute_with(mode).unwrap_err().to_string();
        assert!(
            e.contains("take_along_axis: index 3 is out of bounds for axis 1 of size 3"),
            "{e}"
        );
    }
}

// ---------------------------------------------------------------------------------
// mask_select
// ---------------------------------------------------------------------------------

#[test]
fn mask_select_matches_a_row_major_filter() {
    let data = ints(60, 6);
    let x = kiln::from_vec(data.clone(), [3, 4, 5]).unwrap();
    let mut next = lcg(7);
    for k in 0..=3usize {
        let mshape = &[3, 4, 5][..k];
        let m: Vec<bool> = (0..mshape.iter().product::<usize>())
            .map(|_| next().is_multiple_of(3))
            .collect();
        let inner: usize = [3, 4, 5][k..].iter().product();
        let want: Vec<i64> = (0..m.len())
            .filter(|&p| m[p])
            .flat_map(|p| data[p * inner..(p + 1) * inner].to_vec())
            .collect();
        let count = m.iter().filter(|&&b| b).count();
        let mask = kiln::from_vec(m, mshape).unwrap();
        for mode in MODES {
            let y = kiln::mask_select(&x, &mask).unwrap();
            let mut s = vec![count];
            s.extend_from_slice(&[3, 4, 5][k..]);
            assert_eq!(y.shape(), &s[..], "mask rank {k}");
            let got: Vec<i64> = y.compute_with(mode).unwrap().to_vec().unwrap();
            assert_eq!(got, want, "mask rank {k} {mode:?}");
        }
    }
}

#[test]
fn mask_select_on_views_0d_masks_and_empty_selections() {
    let x = kiln::asarray([[1.0f64, 2.0, 3.0], [4.0, 5.0, 6.0]], ()).unwrap();
    let t = kiln::matrix_transpose(&x).unwrap();
    let m = kiln::greater(&t, 2.5).unwrap(); // [[F, T], [F, T], [T, T]]
    let none = kiln::zeros([3], DType::Bool).unwrap();
    for mode in MODES {
        let y = t.mask_select(&m).unwrap();
        assert_eq!(
            y.compute_with(mode).unwrap().to_vec::<f64>().unwrap(),
            vec![4.0, 5.0, 3.0, 6.0]
        );
        let e = kiln::mask_select(&t, &none).unwrap();
        assert_eq!(e.shape(), &[0, 2]);
        assert!(e
            .compute_with(mode)
            .unwrap()
            .to_vec::<f64>()
            .unwrap()
            .is_empty());
        let s = kiln::asarray(7i32, ()).unwrap();
        let yes = kiln::mask_select(&s, &kiln::asarray(true, ()).unwrap()).unwrap();
        assert_eq!(yes.shape(), &[1]);
        assert_eq!(
            yes.compute_with(mode).unwrap().to_vec::<i32>().unwrap(),
            vec![7]
        );
        let no = kiln::mask_select(&s, &kiln::asarray(false, ()).unwrap()).unwrap();
        assert_eq!(no.shape(), &[0]);
    }
}

#[test]
fn mask_select_errors() {
    let x = kiln::zeros([2, 3], DType::F64).unwrap();
    let wrong = kiln::zeros([3], DType::Bool).unwrap();
    let e = kiln::mask_select(&x, &wrong).unwrap_err().to_string();
    assert!(
        e.contains("mask_select") && e.contains("[3]") && e.contains("[2, 3]"),
        "{e}"
    );
    let ints = kiln::zeros([2], DType::I64).unwrap();
    assert!(matches!(
        ir(kiln::mask_select(&x, &ints).unwrap_err()),
        IrError::DType { arg: "mask", .. }
    ));
}

// ---------------------------------------------------------------------------------
// nonzero and count_nonzero
// ---------------------------------------------------------------------------------

#[test]
fn nonzero_lists_coordinates_in_row_major_order() {
    let data = floats(60, 8);
    for (shape, x) in [
        (
            vec![3, 4, 5],
            kiln::from_vec(data.clone(), [3, 4, 5]).unwrap(),
        ),
        (vec![60], kiln::from_vec(data.clone(), [60]).unwrap()),
        (vec![0, 2], kiln::zeros([0, 2], DType::F64).unwrap()),
    ] {
        let n: usize = shape.iter().product();
        let want: Vec<Vec<i64>> = (0..shape.len())
            .map(|k| {
                (0..n)
                    .filter(|&p| data[p] != 0.0) // NaN != 0 is true: NaN is nonzero
                    .map(|p| unravel(p, &shape)[k] as i64)
                    .collect()
            })
            .collect();
        for mode in MODES {
            // nonzero computes `x != 0` in the default mode: `with_mode` sets it.
            let got: Vec<Vec<i64>> = kiln::with_mode(mode, || {
                kiln::nonzero(&x)
                    .unwrap()
                    .iter()
                    .map(|a| a.to_vec().unwrap())
                    .collect()
            });
            assert_eq!(got, want, "{shape:?} {mode:?}");
        }
    }
}

#[test]
fn nonzero_of_bools_views_and_0d() {
    let b = kiln::asarray([[true, false], [false, true], [true, true]], ()).unwrap();
    let t = kiln::matrix_transpose(&b).unwrap(); // [[T, F, T], [F, T, T]]
    let r = kiln::nonzero(&t).unwrap();
    assert_eq!(r[0].to_vec::<i64>().unwrap(), vec![0, 0, 1, 1]);
    assert_eq!(r[1].to_vec::<i64>().unwrap(), vec![0, 2, 1, 2]);
    let z = kiln::asarray(1.0f64, ()).unwrap();
    let e = kiln::nonzero(&z).unwrap_err().to_string();
    assert!(e.contains("nonzero") && e.contains("0-d"), "{e}");
}

#[test]
fn count_nonzero_matches_a_count_over_axes() {
    let data = floats(60, 9);
    let x = kiln::from_vec(data.clone(), [3, 4, 5]).unwrap();
    for (axes, keep) in [
        (vec![], false),
        (vec![1], false),
        (vec![0, 2], true),
        (vec![-1], true),
    ] {
        let opts = if axes.is_empty() {
            ReduceOpts::new().keepdims(keep)
        } else {
            ReduceOpts::new().axes(axes.clone()).keepdims(keep)
        };
        let reduced: Vec<usize> = if axes.is_empty() {
            vec![0, 1, 2]
        } else {
            axes.iter().map(|&a| (a + 3) as usize % 3).collect()
        };
        let mut counts = BTreeMap::new();
        for (p, v) in data.iter().enumerate() {
            let mut c = unravel(p, &[3, 4, 5]);
            for &a in &reduced {
                c[a] = 0;
            }
            *counts.entry(c).or_insert(0i64) += (*v != 0.0) as i64;
        }
        let want: Vec<i64> = counts.into_values().collect();
        for mode in MODES {
            let y = kiln::count_nonzero(&x, opts.clone()).unwrap();
            assert_eq!(y.dtype(), DType::I64);
            let expect_rank = if keep { 3 } else { 3 - reduced.len() };
            assert_eq!(y.ndim(), expect_rank);
            let got: Vec<i64> = y.compute_with(mode).unwrap().to_vec().unwrap();
            assert_eq!(got, want, "{axes:?} keepdims {keep} {mode:?}");
        }
    }
    let b = kiln::asarray([true, false, true], ()).unwrap();
    let s = kiln::asarray(0u8, ()).unwrap();
    for mode in MODES {
        let y = kiln::count_nonzero(&b, ())
            .unwrap()
            .compute_with(mode)
            .unwrap();
        assert_eq!(y.item::<i64>().unwrap(), 2);
        let y = kiln::count_nonzero(&s, ())
            .unwrap()
            .compute_with(mode)
            .unwrap();
        assert_eq!(y.item::<i64>().unwrap(), 0);
    }
    let e = kiln::count_nonzero(&x, ReduceOpts::new().dtype(DType::I32)).unwrap_err();
    assert!(e.to_string().contains("count_nonzero"));
    assert!(matches!(
        ir(kiln::count_nonzero(&x, 3).unwrap_err()),
        IrError::Axis { .. }
    ));
}

// ---------------------------------------------------------------------------------
// unique_*
// ---------------------------------------------------------------------------------

/// The standard's unique by a linear scan: a value joins the first earlier group it
/// `==` (so -0.0 joins 0.0 and NaN joins nothing); groups then ordered by value with
/// NaNs last in order of occurrence.
struct Naive {
    values: Vec<f64>,
    indices: Vec<i64>,
    inverse: Vec<i64>,
    counts: Vec<i64>,
}

fn naive_unique(data: &[f64]) -> Naive {
    let mut groups: Vec<(f64, usize, i64)> = Vec::new(); // (value, first, count)
    let mut member = vec![0usize; data.len()];
    for (p, &v) in data.iter().enumerate() {
        match groups.iter().position(|g| g.0 == v) {
            Some(g) => {
                groups[g].2 += 1;
                member[p] = g;
            }
            None => {
                groups.push((v, p, 1));
                member[p] = groups.len() - 1;
            }
        }
    }
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (groups[a].0, groups[b].0);
        match (x.is_nan(), y.is_nan()) {
            (false, false) => x.partial_cmp(&y).unwrap(),
            (n1, n2) => n1.cmp(&n2).then(groups[a].1.cmp(&groups[b].1)),
        }
    });
    let mut rank = vec![0i64; groups.len()];
    for (r, &g) in order.iter().enumerate() {
        rank[g] = r as i64;
    }
    Naive {
        values: order.iter().map(|&g| groups[g].0).collect(),
        indices: order.iter().map(|&g| groups[g].1 as i64).collect(),
        counts: order.iter().map(|&g| groups[g].2).collect(),
        inverse: member.iter().map(|&g| rank[g]).collect(),
    }
}

/// The unique_* results of `build()` in every mode (`with_mode`: the unique functions
/// compute their graphs in the default mode). The input is built afresh for each mode:
/// a computed array keeps its value, so a lazy input (a view) computed in one mode
/// would not be computed again in the next.
fn check_unique(build: &dyn Fn() -> Array, data: &[f64]) {
    for mode in MODES {
        kiln::with_mode(mode, || check_unique_in(mode, &build(), data));
    }
}

fn check_unique_in(mode: Mode, x: &Array, data: &[f64]) {
    let want = naive_unique(data);
    let all = kiln::unique_all(x).unwrap();
    assert_eq!(all.values.dtype(), DType::F64);
    assert_eq!(all.inverse_indices.shape(), x.shape());
    let values: Vec<f64> = all.values.to_vec().unwrap();
    assert_eq!(bits(&values), bits(&want.values), "values {mode:?}");
    assert_eq!(
        all.indices.to_vec::<i64>().unwrap(),
        want.indices,
        "indices {mode:?}"
    );
    assert_eq!(
        all.counts.to_vec::<i64>().unwrap(),
        want.counts,
        "counts {mode:?}"
    );
    let inv: Vec<i64> = all.inverse_indices.to_vec().unwrap();
    assert_eq!(inv, want.inverse, "inverse {mode:?}");
    let v = kiln::unique_values(x).unwrap().to_vec::<f64>().unwrap();
    assert_eq!(bits(&v), bits(&want.values));
    let c = kiln::unique_counts(x).unwrap();
    assert_eq!(bits(&c.values.to_vec::<f64>().unwrap()), bits(&want.values));
    assert_eq!(c.counts.to_vec::<i64>().unwrap(), want.counts);
    let i = kiln::unique_inverse(x).unwrap();
    assert_eq!(i.inverse_indices.to_vec::<i64>().unwrap(), want.inverse);
}

#[test]
fn unique_all_matches_a_linear_scan_with_nans_and_signed_zeros() {
    let data = floats(60, 10);
    assert!(data.iter().any(|v| v.is_nan()) && data.contains(&0.0));
    check_unique(&|| kiln::from_vec(data.clone(), [3, 4, 5]).unwrap(), &data);
    // A transposed view: flattened in its own row-major order.
    let x = kiln::from_vec(data.clone(), [6, 10]).unwrap();
    let t = || kiln::matrix_transpose(&x).unwrap();
    let tdata: Vec<f64> = (0..60).map(|p| data[(p % 6) * 10 + p / 6]).collect();
    check_unique(&t, &tdata);
}

#[test]
fn unique_values_of_a_large_float_input_are_its_stable_sort_deduplicated() {
    // The parallel sort of one long lane, with ties, signed zeros and NaN payloads: the
    // first of each run of equal values (the first zero to occur), every NaN.
    let data = floats(40_000, 13);
    let mut sorted = data.clone();
    sorted.sort_by(|a, b| match (a.is_nan(), b.is_nan()) {
        (false, false) => a.partial_cmp(b).unwrap(),
        (x, y) => x.cmp(&y),
    });
    let want: Vec<f64> = (0..sorted.len())
        .filter(|&k| k == 0 || sorted[k] != sorted[k - 1])
        .map(|k| sorted[k])
        .collect();
    let x = kiln::from_vec(data, [40_000]).unwrap();
    for mode in MODES {
        let got = kiln::with_mode(mode, || kiln::unique_values(&x).unwrap());
        assert_eq!(bits(&got.to_vec::<f64>().unwrap()), bits(&want), "{mode:?}");
    }
}

#[test]
fn unique_of_0d_empty_and_size_one_inputs() {
    check_unique(&|| kiln::asarray(-0.0f64, ()).unwrap(), &[-0.0]);
    check_unique(&|| kiln::asarray(f64::NAN, ()).unwrap(), &[f64::NAN]);
    check_unique(&|| kiln::zeros([0, 3], DType::F64).unwrap(), &[]);
    check_unique(
        &|| kiln::from_vec(vec![2.0, 2.0], [2, 1]).unwrap(),
        &[2.0, 2.0],
    );
    let z = kiln::unique_all(&kiln::asarray(4.0f64, ()).unwrap()).unwrap();
    assert_eq!(z.inverse_indices.shape(), &[] as &[usize]);
}

#[test]
fn unique_counts_of_integers_match_a_btreemap() {
    let mut next = lcg(12);
    let data: Vec<i32> = (0..500).map(|_| (next() % 40) as i32 - 20).collect();
    let mut map: BTreeMap<i32, (i64, i64)> = BTreeMap::new(); // value -> (first, count)
    for (p, &v) in data.iter().enumerate() {
        map.entry(v).or_insert((p as i64, 0)).1 += 1;
    }
    let x = kiln::from_vec(data, [20, 25]).unwrap();
    for mode in MODES {
        let r = kiln::with_mode(mode, || kiln::unique_all(&x).unwrap());
        assert_eq!(
            r.values.to_vec::<i32>().unwrap(),
            map.keys().copied().collect::<Vec<_>>()
        );
        assert_eq!(
            r.indices.to_vec::<i64>().unwrap(),
            map.values().map(|v| v.0).collect::<Vec<_>>()
        );
        assert_eq!(
            r.counts.to_vec::<i64>().unwrap(),
            map.values().map(|v| v.1).collect::<Vec<_>>()
        );
    }
    // Large enough for the parallel sorts; unique_counts sorts values, unique_all
    // positions.
    let data: Vec<i32> = (0..40_000).map(|_| (next() % 3000) as i32 - 1500).collect();
    let mut map: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
    for (p, &v) in data.iter().enumerate() {
        map.entry(v).or_insert((p as i64, 0)).1 += 1;
    }
    let x = kiln::from_vec(data, [200, 200]).unwrap();
    let values: Vec<i32> = map.keys().copied().collect();
    let counts: Vec<i64> = map.values().map(|v| v.1).collect();
    for mode in MODES {
        let (c, a) = kiln::with_mode(mode, || {
            (
                kiln::unique_counts(&x).unwrap(),
                kiln::unique_all(&x).unwrap(),
            )
        });
        assert_eq!(c.values.to_vec::<i32>().unwrap(), values, "{mode:?}");
        assert_eq!(c.counts.to_vec::<i64>().unwrap(), counts, "{mode:?}");
        assert_eq!(a.values.to_vec::<i32>().unwrap(), values, "{mode:?}");
        let first: Vec<i64> = map.values().map(|v| v.0).collect();
        assert_eq!(a.indices.to_vec::<i64>().unwrap(), first, "{mode:?}");
    }
    let b = kiln::asarray([true, true, false], ()).unwrap();
    let r = kiln::unique_counts(&b).unwrap();
    assert_eq!(r.values.to_vec::<bool>().unwrap(), vec![false, true]);
    assert_eq!(r.counts.to_vec::<i64>().unwrap(), vec![1, 2]);
}

// ---------------------------------------------------------------------------------
// isin
// ---------------------------------------------------------------------------------

#[test]
fn isin_matches_a_linear_scan_by_equality() {
    let a = floats(60, 13);
    let b = floats(7, 14);
    let x1 = kiln::from_vec(a.clone(), [3, 4, 5]).unwrap();
    let x2 = kiln::from_vec(b.clone(), [7]).unwrap();
    for invert in [false, true] {
        let want: Vec<bool> = a
            .iter()
            .map(|v| b.iter().any(|w| w == v) != invert)
            .collect();
        for mode in MODES {
            let y = kiln::isin(&x1, &x2, IsinOpts::new().invert(invert)).unwrap();
            assert_eq!((y.shape(), y.dtype()), (&[3, 4, 5][..], DType::Bool));
            let got: Vec<bool> = y.compute_with(mode).unwrap().to_vec().unwrap();
            assert_eq!(got, want, "invert {invert} {mode:?}");
        }
    }
}

#[test]
fn isin_of_views_0d_empty_large_and_mixed_dtypes() {
    let x1 = kiln::flip(&kiln::asarray([1i32, 5, 9], ()).unwrap(), ()).unwrap();
    let x2 = kiln::asarray([[9i64, 2], [1, 1]], ()).unwrap();
    let n = 50_000;
    let big: Vec<i64> = (0..n).map(|i| (i * 7919) % 100_003).collect();
    let set: Vec<i64> = (0..n / 2).map(|i| i * 3).collect();
    let lookup: std::collections::BTreeSet<i64> = set.iter().copied().collect();
    let want: Vec<bool> = big.iter().map(|v| lookup.contains(v)).collect();
    let (bx, bs) = (
        kiln::asarray(big, ()).unwrap(),
        kiln::asarray(set, ()).unwrap(),
    );
    for mode in MODES {
        let y = kiln::isin(&x1, &x2, ()).unwrap();
        assert_eq!(
            y.compute_with(mode).unwrap().to_vec::<bool>().unwrap(),
            vec![true, false, true]
        );
        let s = kiln::isin(&kiln::asarray(5u8, ()).unwrap(), &x1, ()).unwrap();
        assert!(s.compute_with(mode).unwrap().item::<bool>().unwrap());
        let none = kiln::zeros([0], DType::I32).unwrap();
        let e = kiln::isin(&x1, &none, ())
            .unwrap()
            .compute_with(mode)
            .unwrap();
        assert_eq!(e.to_vec::<bool>().unwrap(), vec![false; 3]);
        let got = kiln::isin(&bx, &bs, ())
            .unwrap()
            .compute_with(mode)
            .unwrap();
        assert_eq!(got.to_vec::<bool>().unwrap(), want, "{mode:?}");
    }
    let f = kiln::zeros([2], DType::F64).unwrap();
    assert!(matches!(
        ir(kiln::isin(&x1, &f, ()).unwrap_err()),
        IrError::Promotion { func: "isin", .. }
    ));
}

// ---------------------------------------------------------------------------------
// Complex inputs
// ---------------------------------------------------------------------------------

#[test]
fn complex_values_are_nonzero_unique_and_found_by_either_part() {
    use kiln::Complex64;
    let c = |re, im| Complex64::new(re, im);
    let data = [
        c(0.0, 1.0),
        c(0.0, 0.0),
        c(2.0, 0.0),
        c(0.0, 1.0),
        c(f64::NAN, 0.0),
        c(-0.0, 0.0),
    ];
    let x = kiln::asarray(data, ()).unwrap();
    // Static shapes: isin is a library call (every mode); count_nonzero is a kernel,
    // and complex kernels are not compiled yet, so it runs in the interpreter.
    let probe = kiln::asarray([c(0.0, 0.0), c(f64::NAN, 0.0), c(0.0, 1.0)], ()).unwrap();
    for mode in MODES {
        let y = kiln::isin(&probe, &x, ())
            .unwrap()
            .compute_with(mode)
            .unwrap();
        assert_eq!(
            y.to_vec::<bool>().unwrap(),
            vec![true, false, true],
            "{mode:?}"
        );
    }
    let n = kiln::count_nonzero(&x, ())
        .unwrap()
        .compute_with(Mode::Interpreter)
        .unwrap();
    assert_eq!(n.item::<i64>().unwrap(), 4);
    // Data-dependent shapes evaluate `x != 0` in the default mode (`with_mode`): the
    // interpreter gives the values; a compiled mode may instead report that complex
    // kernels are not written (unless the constant input was folded first).
    for mode in MODES {
        let compiled_limit = |e: Error| {
            assert!(mode != Mode::Interpreter, "{e}");
            assert!(
                matches!(e, Error::Run(_)) && e.to_string().contains("complex"),
                "{e}"
            );
        };
        kiln::with_mode(mode, || {
            match kiln::nonzero(&x) {
                Ok(nz) => assert_eq!(nz[0].to_vec::<i64>().unwrap(), vec![0, 2, 3, 4]),
                Err(e) => compiled_limit(e),
            }
            match kiln::unique_counts(&x) {
                Ok(u) => {
                    let values: Vec<Complex64> = u.values.to_vec().unwrap();
                    assert_eq!(values.len(), 4);
                    assert_eq!(&values[..3], &[c(0.0, 0.0), c(0.0, 1.0), c(2.0, 0.0)]);
                    assert!(values[3].re.is_nan());
                    assert_eq!(u.counts.to_vec::<i64>().unwrap(), vec![2, 2, 1, 1]);
                }
                Err(e) => compiled_limit(e),
            }
        });
    }
}

/// Values and counts from a BTreeMap, for integers of any width.
fn tally<T: Ord + Copy>(v: &[T]) -> (Vec<T>, Vec<i64>) {
    let mut m = BTreeMap::new();
    for &x in v {
        *m.entry(x).or_insert(0i64) += 1;
    }
    (m.keys().copied().collect(), m.values().copied().collect())
}

#[test]
fn unique_counts_of_integers_narrow_and_wide_ranges_match_a_tally() {
    // Narrow ranges are counted, wide ones sorted (the range against the length
    // decides): both paths, with the extremes of each dtype.
    let mut next = lcg(77);
    let narrow: Vec<i64> = (0..5000).map(|_| (next() % 700) as i64 - 350).collect();
    let wide: Vec<i64> = (0..5000).map(|_| next() as i64 >> (next() % 60)).collect();
    let extremes = vec![i64::MIN, 0, i64::MAX, -1, i64::MIN, 1, i64::MAX];
    for v in [narrow, wide, extremes, vec![7; 100]] {
        let (values, counts) = tally(&v);
        // First occurrences and each element's group, by search in the tally.
        let first: Vec<i64> = values
            .iter()
            .map(|u| v.iter().position(|x| x == u).unwrap() as i64)
            .collect();
        let inverse: Vec<i64> = v
            .iter()
            .map(|x| values.binary_search(x).unwrap() as i64)
            .collect();
        let a = kiln::from_vec(v.clone(), [v.len()]).unwrap();
        let all = kiln::unique_all(&a).unwrap();
        assert_eq!(all.values.to_vec::<i64>().unwrap(), values);
        assert_eq!(all.indices.to_vec::<i64>().unwrap(), first);
        assert_eq!(all.inverse_indices.to_vec::<i64>().unwrap(), inverse);
        assert_eq!(all.counts.to_vec::<i64>().unwrap(), counts);
        let inv = kiln::unique_inverse(&a).unwrap();
        assert_eq!(inv.inverse_indices.to_vec::<i64>().unwrap(), inverse);
        let r = kiln::unique_counts(&kiln::from_vec(v.clone(), [v.len()]).unwrap()).unwrap();
        assert_eq!(r.values.to_vec::<i64>().unwrap(), values);
        assert_eq!(r.counts.to_vec::<i64>().unwrap(), counts);
        assert_eq!(
            kiln::unique_values(&kiln::from_vec(v.clone(), [v.len()]).unwrap())
                .unwrap()
                .to_vec::<i64>()
                .unwrap(),
            values
        );
    }
    let bytes: Vec<u8> = (0..2998).map(|_| next() as u8).chain([0, 255]).collect();
    let (values, counts) = tally(&bytes);
    let r = kiln::unique_counts(&kiln::from_vec(bytes.clone(), [50, 60]).unwrap()).unwrap();
    assert_eq!(r.values.dtype(), DType::U8);
    assert_eq!(
        (
            r.values.to_vec::<u8>().unwrap(),
            r.counts.to_vec::<i64>().unwrap()
        ),
        (values, counts)
    );
    let big: Vec<u64> = vec![u64::MAX, u64::MAX - 3, u64::MAX, u64::MAX - 1];
    let (values, counts) = tally(&big);
    let r = kiln::unique_counts(&kiln::from_vec(big, [4]).unwrap()).unwrap();
    assert_eq!(
        (
            r.values.to_vec::<u64>().unwrap(),
            r.counts.to_vec::<i64>().unwrap()
        ),
        (values, counts)
    );
    let small: Vec<i8> = vec![i8::MIN, i8::MAX, 0, i8::MIN];
    let (values, counts) = tally(&small);
    let x = kiln::from_vec(small, [2, 2]).unwrap();
    let strided = kiln::matrix_transpose(&x).unwrap();
    // Transposed: [[MIN, 0], [MAX, MIN]], row-major positions of the view.
    let all = kiln::unique_all(&strided).unwrap();
    assert_eq!(all.indices.to_vec::<i64>().unwrap(), vec![0, 1, 2]);
    assert_eq!(all.inverse_indices.shape(), &[2, 2]);
    assert_eq!(
        all.inverse_indices.to_vec::<i64>().unwrap(),
        vec![0, 1, 2, 0]
    );
    let r = kiln::unique_counts(&strided).unwrap();
    assert_eq!(
        (
            r.values.to_vec::<i8>().unwrap(),
            r.counts.to_vec::<i64>().unwrap()
        ),
        (values, counts)
    );
}
