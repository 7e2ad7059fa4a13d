//! sort, argsort and searchsorted against references written here: a stable insertion
//! sort of (value, position) pairs per lane (a sort of pairs broken by position for the
//! large inputs), and a linear scan for searchsorted. Every case runs through the
//! interpreter, the eager engine and the fused compiler; inputs include 0-d, empty and
//! size-1 axes, middle axes, flipped and transposed views, NaN and signed zeros, and
//! long runs of ties in both directions.

use kiln::{Array, DType, Error, IrError, Mode, SearchOpts, Side, SortOpts};
use std::cmp::Ordering;

const MODES: [Mode; 3] = [Mode::Interpreter, Mode::Eager, Mode::Fused];

// ---------------------------------------------------------------------------------
// Reference machinery
// ---------------------------------------------------------------------------------

fn lcg(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5eed;
    move || {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        s >> 33
    }
}

/// NaNs of both signs and several payloads: a stable sort keeps them in input order,
/// bit for bit.
const NANS: [u64; 3] = [
    0x7ff8_0000_0000_0000,
    0xfff8_0000_0000_0000,
    0x7ff8_0000_0000_0001,
];

/// Values on a coarse grid (many ties), with NaNs and both signed zeros mixed in.
fn floats(n: usize, seed: u64) -> Vec<f64> {
    let mut next = lcg(seed);
    (0..n)
        .map(|_| match next() % 10 {
            0 => f64::from_bits(NANS[(next() % 3) as usize]),
            1 => -0.0,
            2 => 0.0,
            _ => (next() % 7) as f64 - 3.0,
        })
        .collect()
}

/// The standard's order, written out: numbers by value (-0.0 == 0.0), NaN after all.
fn cmp_f64(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => {
            if a < b {
                Ordering::Less
            } else if a > b {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        }
    }
}

/// Stable insertion sort of positions `0..n` by `key`: an element moves left only past
/// strictly greater ones (strictly smaller when descending).
fn insertion_argsort<T: Copy>(
    key: &[T],
    cmp: impl Fn(T, T) -> Ordering,
    descending: bool,
) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for i in 0..key.len() {
        let mut j = out.len();
        while j > 0 {
            let c = cmp(key[out[j - 1]], key[i]);
            let before = if descending {
                c == Ordering::Less
            } else {
                c == Ordering::Greater
            };
            if !before {
                break;
            }
            j -= 1;
        }
        out.insert(j, i);
    }
    out
}

/// The same permutation by a sort of pairs with ties broken by position (no
/// stability assumed), for inputs too long for insertion sort.
fn pair_argsort<T: Copy>(
    key: &[T],
    cmp: impl Fn(T, T) -> Ordering,
    descending: bool,
) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..key.len()).collect();
    idx.sort_unstable_by(|&a, &b| {
        let c = cmp(key[a], key[b]);
        let c = if descending { c.reverse() } else { c };
        c.then(a.cmp(&b))
    });
    idx
}

/// Flat row-major positions of every lane along `axis`.
fn lanes(shape: &[usize], axis: usize) -> Vec<Vec<usize>> {
    let strides: Vec<usize> = (0..shape.len())
        .map(|k| shape[k + 1..].iter().product())
        .collect();
    let total: usize = shape.iter().product();
    (0..total)
        .filter(|&p| (p / strides[axis]).is_multiple_of(shape[axis]))
        .map(|p| (0..shape[axis]).map(|k| p + k * strides[axis]).collect())
        .collect()
}

/// Reference sort and argsort of row-major `data` along `axis`.
fn reference<T: Copy>(
    data: &[T],
    shape: &[usize],
    axis: usize,
    cmp: impl Fn(T, T) -> Ordering + Copy,
    descending: bool,
) -> (Vec<T>, Vec<i64>) {
    let mut values = data.to_vec();
    let mut order = vec![0i64; data.len()];
    for lane in lanes(shape, axis) {
        let key: Vec<T> = lane.iter().map(|&p| data[p]).collect();
        let perm = if key.len() <= 200 {
            insertion_argsort(&key, cmp, descending)
        } else {
            pair_argsort(&key, cmp, descending)
        };
        for (k, &j) in perm.iter().enumerate() {
            values[lane[k]] = key[j];
            order[lane[k]] = j as i64;
        }
    }
    (values, order)
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn array(data: &[f64], shape: &[usize]) -> Array {
    kiln::from_vec(data.to_vec(), shape).unwrap()
}

/// sort and argsort of `x` (whose row-major values are `data`) in every mode, against
/// the reference, bit for bit (so -0.0 and 0.0 must keep their original order).
fn check_f64(x: &Array, data: &[f64], axis: i64, descending: bool) {
    let shape = x.shape().to_vec();
    let ax = if axis < 0 {
        axis + shape.len() as i64
    } else {
        axis
    } as usize;
    let (want_v, want_i) = reference(data, &shape, ax, cmp_f64, descending);
    let opts = SortOpts::new().axis(axis).descending(descending);
    for mode in MODES {
        let s = kiln::sort(x, opts).unwrap();
        let i = kiln::argsort(x, opts).unwrap();
        assert_eq!((s.shape(), i.shape()), (&shape[..], &shape[..]));
        assert_eq!(i.dtype(), DType::I64);
        let got_v: Vec<f64> = s.compute_with(mode).unwrap().to_vec().unwrap();
        let got_i: Vec<i64> = i.compute_with(mode).unwrap().to_vec().unwrap();
        let what = format!("{shape:?} axis {axis} descending {descending} {mode:?}");
        assert_eq!(bits(&got_v), bits(&want_v), "sort {what}");
        assert_eq!(got_i, want_i, "argsort {what}");
    }
}

// ---------------------------------------------------------------------------------
// sort and argsort
// ---------------------------------------------------------------------------------

#[test]
fn sort_and_argsort_match_a_stable_insertion_sort_along_every_axis() {
    let shape = [3, 4, 5];
    let data = floats(60, 1);
    let x = array(&data, &shape);
    for axis in [0, 1, 2, -1, -2] {
        for descending in [false, true] {
            check_f64(&x, &data, axis, descending);
        }
    }
}

#[test]
fn nans_go_last_ascending_and_first_descending() {
    let data = [2.0, f64::NAN, -1.0, f64::NAN, 5.0];
    let x = array(&data, &[5]);
    let up: Vec<f64> = kiln::sort(&x, ()).unwrap().to_vec().unwrap();
    assert_eq!(&up[..3], &[-1.0, 2.0, 5.0]);
    assert!(up[3].is_nan() && up[4].is_nan());
    let down = kiln::sort(&x, SortOpts::new().descending(true)).unwrap();
    let down: Vec<f64> = down.to_vec().unwrap();
    assert!(down[0].is_nan() && down[1].is_nan());
    assert_eq!(&down[2..], &[5.0, 2.0, -1.0]);
    // NaNs keep their original order among themselves, both ways.
    let up_i = kiln::argsort(&x, ()).unwrap().to_vec::<i64>().unwrap();
    let down_i = kiln::argsort(&x, SortOpts::new().descending(true)).unwrap();
    assert_eq!(up_i, vec![2, 0, 4, 1, 3]);
    assert_eq!(down_i.to_vec::<i64>().unwrap(), vec![1, 3, 4, 0, 2]);
}

#[test]
fn descending_argsort_keeps_ties_in_their_original_order() {
    // Long runs of only three values: reversing an ascending argsort would put each
    // run backwards.
    let mut next = lcg(7);
    let data: Vec<i32> = (0..500).map(|_| (next() % 3) as i32).collect();
    let x = kiln::asarray(data.clone(), ()).unwrap();
    for descending in [false, true] {
        let want: Vec<i64> = insertion_argsort(&data, |a, b| a.cmp(&b), descending)
            .into_iter()
            .map(|i| i as i64)
            .collect();
        for mode in MODES {
            let i = kiln::argsort(&x, SortOpts::new().descending(descending)).unwrap();
            let got: Vec<i64> = i.compute_with(mode).unwrap().to_vec().unwrap();
            assert_eq!(got, want, "descending {descending} {mode:?}");
        }
    }
    // stable: false is accepted (any order of ties is allowed; kiln's is stable).
    let i = kiln::argsort(&x, SortOpts::new().stable(false)).unwrap();
    assert_eq!(i.shape(), &[500]);
}

#[test]
fn views_sort_by_their_logical_order() {
    let shape = [3, 4, 5];
    let data = floats(60, 3);
    let x = array(&data, &shape);
    // A flipped middle axis: element (i, j, k) is data at (i, 3 - j, k).
    let flipped = kiln::flip(&x, 1).unwrap();
    let fdata: Vec<f64> = (0..60)
        .map(|p| {
            let (i, j, k) = (p / 20, (p / 5) % 4, p % 5);
            data[i * 20 + (3 - j) * 5 + k]
        })
        .collect();
    // A transposed view [5, 4, 3]: element (k, j, i) is data at (i, j, k).
    let t = kiln::permute_dims(&x, [2, 1, 0]).unwrap();
    let tdata: Vec<f64> = (0..60)
        .map(|p| {
            let (k, j, i) = (p / 12, (p / 3) % 4, p % 3);
            data[i * 20 + j * 5 + k]
        })
        .collect();
    for axis in [0, 1, 2] {
        for descending in [false, true] {
            check_f64(&flipped, &fdata, axis, descending);
            check_f64(&t, &tdata, axis, descending);
        }
    }
}

#[test]
fn empty_and_size_one_axes_sort_to_themselves() {
    for shape in [
        vec![0],
        vec![3, 0, 2],
        vec![1, 5],
        vec![5, 1],
        vec![1],
        vec![2, 1, 3],
    ] {
        let n: usize = shape.iter().product();
        let data = floats(n, 11);
        let x = array(&data, &shape);
        for axis in 0..shape.len() as i64 {
            check_f64(&x, &data, axis, false);
            check_f64(&x, &data, axis, true);
        }
    }
}

#[test]
fn large_inputs_take_the_parallel_paths_and_agree() {
    // One long lane (a parallel stable sort), many lanes along axis 0, and lanes of a
    // middle axis gathered by a parallel transpose with partial tiles both ways.
    let cases = [
        (vec![40_000], 0),
        (vec![300, 70], 0),
        (vec![70, 300], 1),
        (vec![2, 333, 111], 1),
    ];
    for (shape, axis) in cases {
        let n: usize = shape.iter().product();
        let data = floats(n, 5);
        let x = array(&data, &shape);
        check_f64(&x, &data, axis, false);
        check_f64(&x, &data, axis, true);
    }
}

#[test]
fn f32_sorts_bit_for_bit_with_signed_zeros_and_nan_payloads() {
    // One long lane (parallel), and many lanes along either axis.
    for (shape, axis) in [(vec![40_000], 0), (vec![30, 70], 0), (vec![30, 70], 1)] {
        let n: usize = shape.iter().product();
        let narrow = |v: f64| match v.to_bits() {
            // the low payload bit, which the conversion drops
            0x7ff8_0000_0000_0001 => f32::from_bits(0x7fc0_0001),
            _ => v as f32,
        };
        let data: Vec<f32> = floats(n, 11).into_iter().map(narrow).collect();
        let x = kiln::from_vec(data.clone(), &shape).unwrap();
        let cmp = |a: f32, b: f32| cmp_f64(a as f64, b as f64);
        for descending in [false, true] {
            let (want_v, want_i) = reference(&data, &shape, axis, cmp, descending);
            let opts = SortOpts::new().axis(axis as i64).descending(descending);
            for mode in MODES {
                let s = kiln::sort(&x, opts).unwrap().compute_with(mode).unwrap();
                let i = kiln::argsort(&x, opts).unwrap().compute_with(mode).unwrap();
                let bits = |v: Vec<f32>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                let what = format!("{shape:?} axis {axis} descending {descending} {mode:?}");
                assert_eq!(bits(s.to_vec().unwrap()), bits(want_v.clone()), "{what}");
                assert_eq!(i.to_vec::<i64>().unwrap(), want_i, "{what}");
            }
        }
    }
}

fn check_dtype<T: kiln::Element + Ord>(values: Vec<T>) {
    let n = values.len();
    let want = reference(&values, &[2, n / 2], 1, |a: T, b: T| a.cmp(&b), true);
    let x = kiln::from_vec(values, [2, n / 2]).unwrap();
    for mode in MODES {
        let opts = SortOpts::new().descending(true);
        let s = kiln::sort(&x, opts).unwrap().compute_with(mode).unwrap();
        let i = kiln::argsort(&x, opts).unwrap().compute_with(mode).unwrap();
        assert_eq!(s.to_vec::<T>().unwrap(), want.0, "{:?} {mode:?}", T::DTYPE);
        assert_eq!(
            i.to_vec::<i64>().unwrap(),
            want.1,
            "{:?} {mode:?}",
            T::DTYPE
        );
    }
}

#[test]
fn every_real_dtype_sorts() {
    let ints: Vec<i64> = {
        let mut next = lcg(9);
        (0..24).map(|_| (next() % 9) as i64 - 4).collect()
    };
    check_dtype(ints.iter().map(|&v| v as i8).collect());
    check_dtype(ints.iter().map(|&v| v as i16).collect());
    check_dtype(ints.iter().map(|&v| v as i32).collect());
    check_dtype(ints.clone());
    check_dtype(ints.iter().map(|&v| (v + 4) as u8).collect());
    check_dtype(ints.iter().map(|&v| (v + 4) as u16).collect());
    check_dtype(ints.iter().map(|&v| (v + 4) as u32).collect());
    check_dtype(
        ints.iter()
            .map(|&v| (v as u64).wrapping_mul(1 << 40))
            .collect(),
    );
    let f: Vec<f32> = floats(24, 2).into_iter().map(|v| v as f32).collect();
    let x = kiln::from_vec(f.clone(), [24]).unwrap();
    let (want, _) = reference(
        &f,
        &[24],
        0,
        |a: f32, b: f32| cmp_f64(a as f64, b as f64),
        false,
    );
    for mode in MODES {
        let got: Vec<f32> = kiln::sort(&x, ())
            .unwrap()
            .compute_with(mode)
            .unwrap()
            .to_vec()
            .unwrap();
        let (g, w): (Vec<u32>, Vec<u32>) = (
            got.iter().map(|v| v.to_bits()).collect(),
            want.iter().map(|v| v.to_bits()).collect(),
        );
        assert_eq!(g, w, "float32 {mode:?}");
    }
}

#[test]
fn sorted_output_fuses_with_elementwise_consumers() {
    let data = floats(20, 4);
    let x = array(&data, &[4, 5]);
    let (want, _) = reference(&data, &[4, 5], 0, cmp_f64, false);
    for mode in MODES {
        // Built afresh per mode: a computed array keeps its value.
        let y = (&kiln::sort(&x, 0).unwrap() * 2.0).unwrap();
        let got: Vec<f64> = y.compute_with(mode).unwrap().to_vec().unwrap();
        let want2: Vec<f64> = want.iter().map(|v| v * 2.0).collect();
        assert_eq!(bits(&got), bits(&want2), "{mode:?}");
    }
}

// ---------------------------------------------------------------------------------
// searchsorted
// ---------------------------------------------------------------------------------

/// Linear scan: the count of elements before `v` (left) or not after it (right).
fn naive_search(sorted: &[f64], v: f64, side: Side) -> i64 {
    sorted
        .iter()
        .filter(|&&e| match side {
            Side::Left => cmp_f64(e, v) == Ordering::Less,
            Side::Right => cmp_f64(e, v) != Ordering::Greater,
        })
        .count() as i64
}

#[test]
fn searchsorted_matches_a_linear_scan_on_both_sides() {
    let mut x1 = floats(30, 21);
    x1.sort_by(|a, b| cmp_f64(*a, *b));
    let values = floats(12, 22);
    let a = array(&x1, &[30]);
    for shape in [vec![12], vec![3, 4], vec![2, 1, 6]] {
        let b = array(&values, &shape);
        for side in [Side::Left, Side::Right] {
            let want: Vec<i64> = values.iter().map(|&v| naive_search(&x1, v, side)).collect();
            for mode in MODES {
                let r = kiln::searchsorted(&a, &b, side).unwrap();
                assert_eq!((r.shape(), r.dtype()), (&shape[..], DType::I64));
                let got: Vec<i64> = r.compute_with(mode).unwrap().to_vec().unwrap();
                assert_eq!(got, want, "{shape:?} {side:?} {mode:?}");
            }
        }
    }
}

/// Many values (searched in parallel, into a buffer from the executor's pool): every
/// position is written, also when the pool hands back the buffer of a previous result
/// of the same length (the second round reads different values; 140,001 int64
/// positions are above the pool's smallest buffer, 1 MiB).
#[test]
fn searchsorted_of_many_values_writes_every_position() {
    let mut x1 = floats(40, 31);
    x1.sort_by(|a, b| cmp_f64(*a, *b));
    let a = array(&x1, &[40]);
    let n = 140_001;
    for round in 0..2u64 {
        let values = floats(n, 32 + round);
        for side in [Side::Left, Side::Right] {
            let want: Vec<i64> = values.iter().map(|&v| naive_search(&x1, v, side)).collect();
            for mode in MODES {
                let b = array(&values, &[n]);
                let got: Vec<i64> = kiln::searchsorted(&a, &b, side)
                    .unwrap()
                    .compute_with(mode)
                    .unwrap()
                    .to_vec()
                    .unwrap();
                assert_eq!(got, want, "round {round} {side:?} {mode:?}");
            }
        }
    }
}

#[test]
fn searchsorted_takes_0d_values_empty_arrays_and_promotes() {
    let x1 = kiln::asarray([1i32, 3, 3, 8], ()).unwrap();
    let v = kiln::asarray(3i64, ()).unwrap();
    for mode in MODES {
        let r = kiln::searchsorted(&x1, &v, Side::Right).unwrap();
        assert_eq!(r.shape(), &[] as &[usize]);
        assert_eq!(r.compute_with(mode).unwrap().item::<i64>().unwrap(), 3);
        let empty = kiln::from_vec(Vec::<i32>::new(), [0]).unwrap();
        let r = kiln::searchsorted(&empty, &x1, ()).unwrap();
        assert_eq!(
            r.compute_with(mode).unwrap().to_vec::<i64>().unwrap(),
            vec![0; 4]
        );
        let r = kiln::searchsorted(&x1, &kiln::from_vec(Vec::<i32>::new(), [2, 0]).unwrap(), ())
            .unwrap();
        assert_eq!(r.shape(), &[2, 0]);
        assert!(r
            .compute_with(mode)
            .unwrap()
            .to_vec::<i64>()
            .unwrap()
            .is_empty());
    }
}

#[test]
fn searchsorted_with_a_sorter_searches_the_sorted_order() {
    let data = floats(25, 31);
    let values = floats(9, 32);
    let mut sorted = data.clone();
    sorted.sort_by(|a, b| cmp_f64(*a, *b));
    let x1 = array(&data, &[25]);
    // A reversed view as input, sorted by its own argsort.
    let rev = kiln::flip(&x1, ()).unwrap();
    let sorter = kiln::argsort(&rev, ()).unwrap();
    let b = array(&values, &[9]);
    for side in [Side::Left, Side::Right] {
        let want: Vec<i64> = values
            .iter()
            .map(|&v| naive_search(&sorted, v, side))
            .collect();
        for mode in MODES {
            let r =
                kiln::searchsorted(&rev, &b, SearchOpts::new().side(side).sorter(&sorter)).unwrap();
            let got: Vec<i64> = r.compute_with(mode).unwrap().to_vec().unwrap();
            assert_eq!(got, want, "{side:?} {mode:?}");
        }
    }
}

// ---------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------

fn ir(e: Error) -> IrError {
    e.ir().cloned().expect("a building error")
}

#[test]
fn sorting_a_0d_array_is_an_axis_error() {
    let x = kiln::asarray(1.0f64, ()).unwrap();
    assert!(matches!(
        ir(kiln::sort(&x, ()).unwrap_err()),
        IrError::Axis {
            func: "sort",
            axis: -1,
            rank: 0
        }
    ));
    assert!(matches!(
        ir(kiln::argsort(&x, 0).unwrap_err()),
        IrError::Axis {
            func: "argsort",
            ..
        }
    ));
    let y = kiln::zeros([2, 3], DType::F32).unwrap();
    assert!(matches!(
        ir(kiln::sort(&y, 2).unwrap_err()),
        IrError::Axis {
            axis: 2,
            rank: 2,
            ..
        }
    ));
}

#[test]
fn sorting_bool_or_complex_is_a_dtype_error() {
    let b = kiln::asarray([true, false], ()).unwrap();
    let c = kiln::zeros([2], DType::C64).unwrap();
    for x in [&b, &c] {
        let e = ir(kiln::sort(x, ()).unwrap_err());
        assert!(
            matches!(
                e,
                IrError::DType {
                    func: "sort",
                    arg: "x",
                    ..
                }
            ),
            "{e}"
        );
        assert!(matches!(
            ir(kiln::argsort(x, ()).unwrap_err()),
            IrError::DType { .. }
        ));
        assert!(matches!(
            ir(kiln::searchsorted(x, x, ()).unwrap_err()),
            IrError::DType { .. }
        ));
    }
}

#[test]
fn searchsorted_argument_errors_name_the_shapes() {
    let m = kiln::zeros([2, 2], DType::F64).unwrap();
    let v = kiln::zeros([3], DType::F64).unwrap();
    let e = kiln::searchsorted(&m, &v, ()).unwrap_err().to_string();
    assert!(e.contains("searchsorted") && e.contains("[2, 2]"), "{e}");
    let short = kiln::asarray([0i64, 1], ()).unwrap();
    let e = kiln::searchsorted(&v, &v, SearchOpts::new().sorter(&short)).unwrap_err();
    assert!(e.to_string().contains("sorter"), "{e}");
    let e = ir(kiln::searchsorted(&v, &v, SearchOpts::new().sorter(&v)).unwrap_err());
    assert!(matches!(e, IrError::DType { arg: "sorter", .. }), "{e}");
    let u = kiln::zeros([3], DType::U64).unwrap();
    let i = kiln::zeros([3], DType::I64).unwrap();
    assert!(matches!(
        ir(kiln::searchsorted(&u, &i, ()).unwrap_err()),
        IrError::Promotion { .. }
    ));
}

#[test]
fn a_sorter_index_out_of_bounds_fails_at_compute() {
    let x1 = kiln::asarray([1.0f64, 2.0, 3.0], ()).unwrap();
    let sorter = kiln::asarray([0i64, 5, 1], ()).unwrap();
    for mode in MODES {
        let r = kiln::searchsorted(&x1, &x1, SearchOpts::new().sorter(&sorter)).unwrap();
        let e = r.compute_with(mode).unwrap_err();
        assert!(matches!(e, Error::Run(_)), "{e}");
        assert!(
            e.to_string()
                .contains("index 5 is out of bounds for axis 0 of size 3"),
            "{e}"
        );
    }
}
