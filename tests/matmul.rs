//! matmul, tensordot and vecdot against a textbook product written here: 1-D operands,
//! broadcast batch axes, transposed, flipped, sliced and broadcast (non-contiguous)
//! operands, empty and size-1 axes, integer dtypes, in every execution mode.

mod common;

use kiln::{s, Array, DType, Mode};

const MODES: [Mode; 3] = [Mode::Interpreter, Mode::Eager, Mode::Fused];

fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ((x >> 40) % 17) as f64 - 8.0 // small integers: every product is exact
        })
        .collect()
}

/// A dense row-major array on the host with its shape.
#[derive(Clone)]
struct Host {
    shape: Vec<usize>,
    v: Vec<f64>,
}

impl Host {
    fn at(&self, idx: &[usize]) -> f64 {
        let mut flat = 0;
        for (i, &d) in idx.iter().zip(&self.shape) {
            flat = flat * d + i;
        }
        self.v[flat]
    }
}

fn make(shape: &[usize], seed: u64) -> (Array, Host) {
    let v = values(shape.iter().product(), seed);
    (
        kiln::from_vec(v.clone(), shape).unwrap(),
        Host {
            shape: shape.to_vec(),
            v,
        },
    )
}

/// The standard's matmul by definition, with 1-D promotion and batch broadcasting.
fn textbook(a: &Host, b: &Host) -> Host {
    let a2 = if a.shape.len() == 1 {
        Host {
            shape: vec![1, a.shape[0]],
            v: a.v.clone(),
        }
    } else {
        a.clone()
    };
    let b2 = if b.shape.len() == 1 {
        Host {
            shape: vec![b.shape[0], 1],
            v: b.v.clone(),
        }
    } else {
        b.clone()
    };
    let (ra, rb) = (a2.shape.len(), b2.shape.len());
    let (m, k, n) = (a2.shape[ra - 2], a2.shape[ra - 1], b2.shape[rb - 1]);
    let rank = ra.max(rb) - 2;
    let pad = |s: &[usize]| {
        let mut p = vec![1; rank + 2 - s.len()];
        p.extend_from_slice(&s[..s.len() - 2]);
        p
    };
    let (ba, bb) = (pad(&a2.shape), pad(&b2.shape));
    let batch: Vec<usize> = ba
        .iter()
        .zip(&bb)
        .map(|(&x, &y)| if x == 1 { y } else { x })
        .collect();
    let nb: usize = batch.iter().product();
    let mut v = Vec::new();
    for bi in 0..nb {
        let mut idx = vec![0; rank];
        let mut r = bi;
        for ax in (0..rank).rev() {
            idx[ax] = r % batch[ax];
            r /= batch[ax];
        }
        let pick = |full: &[usize], own: &Host| -> Vec<usize> {
            let skip = rank + 2 - own.shape.len();
            (0..own.shape.len() - 2)
                .map(|ax| {
                    if full[ax + skip] == 1 {
                        0
                    } else {
                        idx[ax + skip]
                    }
                })
                .collect()
        };
        let (ia, ib) = (pick(&ba, &a2), pick(&bb, &b2));
        for i in 0..m {
            for j in 0..n {
                let mut acc = 0.0;
                for p in 0..k {
                    let mut x = ia.clone();
                    x.extend([i, p]);
                    let mut y = ib.clone();
                    y.extend([p, j]);
                    acc += a2.at(&x) * b2.at(&y);
                }
                v.push(acc);
            }
        }
    }
    let mut shape = batch;
    if a.shape.len() > 1 {
        shape.push(m);
    }
    if b.shape.len() > 1 {
        shape.push(n);
    }
    Host { shape, v }
}

/// `build()`'s values in every mode against `want`. The array is built afresh for each
/// mode: an array computed once keeps its values, so computing it again in another
/// mode would only read them back.
fn check(build: impl Fn() -> Array, want: &Host, ctx: &str) {
    for mode in MODES {
        let got = build();
        assert_eq!(got.shape(), want.shape.as_slice(), "{ctx}: shape");
        assert!(!got.is_evaluated(), "{ctx}: built afresh for {mode:?}");
        let v: Vec<f64> = got.compute_with(mode).unwrap().to_vec().unwrap();
        assert_eq!(v, want.v, "{ctx} in {mode:?}");
    }
}

#[test]
fn matmul_follows_the_standard_for_vectors_batches_and_empty_axes() {
    let cases: &[(&[usize], &[usize])] = &[
        (&[3], &[3]),
        (&[3], &[3, 4]),
        (&[2, 3], &[3]),
        (&[2, 3], &[3, 4]),
        (&[5, 2, 3], &[3, 4]),
        (&[2, 3], &[5, 3, 4]),
        (&[2, 1, 2, 3], &[4, 3, 2]),
        (&[1, 1], &[1, 1]),
        (&[0, 3], &[3, 2]),
        (&[2, 0], &[0, 2]),
        (&[0, 2, 3], &[3, 4]),
        (&[7, 17], &[17, 9]),
        // Few output columns: the row-dot path (k ≥ 16, n ≤ 4).
        (&[9, 33], &[33]),
        (&[300, 40], &[40, 3]),
        (&[2, 5, 40], &[1, 40, 1]),
        (&[0, 40], &[40, 2]),
        // Batches of small matrices: one loop per product (`small`), not gemm.
        (&[64, 3, 3], &[64, 3, 1]),
        (&[40, 4, 4], &[4, 4]),
        (&[3, 2, 0], &[3, 0, 4]),
        (&[3, 0, 5], &[3, 5, 2]),
        (&[6, 12, 12], &[6, 12, 12]),
    ];
    for (i, &(sa, sb)) in cases.iter().enumerate() {
        let (a, ha) = make(sa, 2 * i as u64 + 1);
        let (b, hb) = make(sb, 2 * i as u64 + 2);
        let got = || kiln::matmul(&a, &b).unwrap();
        check(got, &textbook(&ha, &hb), &format!("{sa:?} @ {sb:?}"));
    }
}

#[test]
fn batches_of_small_products_read_transposed_and_flipped_operands() {
    // Rows of the rhs not contiguous (a transposed batch) and a flipped lhs batch: the
    // small-product loop's strided path.
    let (a, ha) = make(&[50, 3, 4], 21);
    let (b, hb) = make(&[50, 5, 4], 22);
    let bt = kiln::matrix_transpose(&b).unwrap();
    let hbt = Host {
        shape: vec![50, 4, 5],
        v: (0..1000)
            .map(|e| {
                let (i, r, c) = (e / 20, e / 5 % 4, e % 5);
                hb.v[(i * 5 + c) * 4 + r]
            })
            .collect(),
    };
    check(
        || kiln::matmul(&a, &bt).unwrap(),
        &textbook(&ha, &hbt),
        "a @ b.mT",
    );
    // One transposed matrix for the whole batch (a broadcast view: the same start for
    // every product, columns 4 apart).
    let (c, hc) = make(&[5, 4], 23);
    let ct = kiln::matrix_transpose(&c).unwrap();
    let hct = Host {
        shape: vec![4, 5],
        v: (0..20).map(|e| hc.v[(e % 5) * 4 + e / 5]).collect(),
    };
    check(
        || kiln::matmul(&a, &ct).unwrap(),
        &textbook(&ha, &hct),
        "a @ c.T",
    );
    let af = kiln::flip(&a, 0).unwrap();
    let haf = Host {
        shape: vec![50, 3, 4],
        v: (0..600)
            .map(|e| ha.v[(49 - e / 12) * 12 + e % 12])
            .collect(),
    };
    check(
        || kiln::matmul(&af, &bt).unwrap(),
        &textbook(&haf, &hbt),
        "flip(a) @ b.mT",
    );
}

#[test]
fn matmul_reads_transposed_flipped_sliced_and_broadcast_operands_as_views() {
    let (a, ha) = make(&[6, 5], 11);
    let (b, hb) = make(&[6, 4], 12);
    // x.T @ y: the transposed operand is read with swapped strides, not copied.
    let at = kiln::matrix_transpose(&a).unwrap();
    let hat = Host {
        shape: vec![5, 6],
        v: (0..30).map(|i| ha.v[(i % 6) * 5 + i / 6]).collect(),
    };
    check(
        || kiln::matmul(&at, &b).unwrap(),
        &textbook(&hat, &hb),
        "a.T @ b",
    );
    let stats = kiln::eval_with(&[&kiln::matmul(&at, &b).unwrap()], Mode::Fused).unwrap();
    assert_eq!(
        (stats.kernels, stats.library_calls),
        (0, 1),
        "a.T is read as a view: no copy kernel"
    );
    // A flipped operand (negative strides) and a stepped slice.
    let fl = kiln::flip(&b, 0).unwrap();
    let hfl = Host {
        shape: vec![6, 4],
        v: (0..24).map(|i| hb.v[(5 - i / 4) * 4 + i % 4]).collect(),
    };
    check(
        || kiln::matmul(&at, &fl).unwrap(),
        &textbook(&hat, &hfl),
        "a.T @ flip(b)",
    );
    let sl = b.slice(s![1..6;2, ..]).unwrap();
    let hsl = Host {
        shape: vec![3, 4],
        v: (0..12)
            .map(|i| hb.v[(1 + 2 * (i / 4)) * 4 + i % 4])
            .collect(),
    };
    let (c, hc) = make(&[2, 3], 13);
    check(
        || kiln::matmul(&c, &sl).unwrap(),
        &textbook(&hc, &hsl),
        "c @ b[1::2]",
    );
    // Few columns through a transposed rhs: X [70, 20] @ W.T with W [2, 20].
    let (x, hx) = make(&[70, 20], 15);
    let (w, hw) = make(&[2, 20], 16);
    let hwt = Host {
        shape: vec![20, 2],
        v: (0..40).map(|i| hw.v[(i % 2) * 20 + i / 2]).collect(),
    };
    let xw = || kiln::matmul(&x, &kiln::matrix_transpose(&w).unwrap()).unwrap();
    check(xw, &textbook(&hx, &hwt), "X @ W.T with two columns");
    // A broadcast operand (stride 0 rows).
    let (r, hr) = make(&[1, 6], 14);
    let wide = kiln::broadcast_to(&r, [3, 6]).unwrap();
    let hw = Host {
        shape: vec![3, 6],
        v: (0..18).map(|i| hr.v[i % 6]).collect(),
    };
    check(
        || kiln::matmul(&wide, &b).unwrap(),
        &textbook(&hw, &hb),
        "broadcast rows @ b",
    );
}

#[test]
fn integer_matmul_wraps_like_numpy_and_f32_goes_through_gemm() {
    let a = kiln::asarray([[100i8, 100], [1, 2]], ()).unwrap();
    let b = kiln::asarray([[2i8, 0], [1, 1]], ()).unwrap();
    for mode in MODES {
        let v: Vec<i8> = kiln::matmul(&a, &b)
            .unwrap()
            .compute_with(mode)
            .unwrap()
            .to_vec()
            .unwrap();
        assert_eq!(v, vec![44, 100, 4, 2], "{mode:?}"); // 300 wraps to 44
    }
    let (x, hx) = make(&[33, 65], 21);
    let (y, hy) = make(&[65, 31], 22);
    let x32 = kiln::astype(&x, DType::F32).unwrap();
    let y32 = kiln::astype(&y, DType::F32).unwrap();
    let got = || kiln::astype(&kiln::matmul(&x32, &y32).unwrap(), DType::F64).unwrap();
    check(got, &textbook(&hx, &hy), "f32 33x65 @ 65x31");
    // Mixed dtypes promote: i64 @ f64 is an error (kinds do not mix), i32 @ i64 → i64.
    let i32s = kiln::asarray([[1i32, 2]], ()).unwrap();
    let i64s = kiln::asarray([[3i64], [4]], ()).unwrap();
    let p = kiln::matmul(&i32s, &i64s).unwrap();
    assert_eq!(p.dtype(), DType::I64);
    assert_eq!(p.to_vec::<i64>().unwrap(), vec![11]);
}

#[test]
fn matmul_errors_name_the_function_and_shapes() {
    let (a, _) = make(&[2, 3], 1);
    let (b, _) = make(&[4, 2], 2);
    let e = kiln::matmul(&a, &b).unwrap_err().to_string();
    assert!(
        e.contains("matmul") && e.contains("[2, 3]") && e.contains("[4, 2]"),
        "{e}"
    );
    let scalar = kiln::asarray(1.0f64, ()).unwrap();
    assert!(kiln::matmul(&scalar, &a)
        .unwrap_err()
        .to_string()
        .contains("matmul"));
    let (c, _) = make(&[2, 2, 3], 3);
    let (d, _) = make(&[3, 3, 2], 4);
    let e = kiln::matmul(&c, &d).unwrap_err().to_string();
    assert!(e.contains("matmul") && e.contains("broadcast"), "{e}");
    let flags = kiln::asarray([[true]], ()).unwrap();
    assert!(kiln::matmul(&flags, &flags).is_err(), "bool is not numeric");
}

#[test]
fn tensordot_and_vecdot_match_sums_of_products() {
    let (a, ha) = make(&[2, 3, 4], 31);
    let (b, hb) = make(&[3, 4, 5], 32);
    let got = || kiln::tensordot(&a, &b, 2).unwrap();
    let want: Vec<f64> = (0..10)
        .map(|o| {
            let (i, j) = (o / 5, o % 5);
            (0..12)
                .map(|p| ha.at(&[i, p / 4, p % 4]) * hb.at(&[p / 4, p % 4, j]))
                .sum()
        })
        .collect();
    check(
        got,
        &Host {
            shape: vec![2, 5],
            v: want,
        },
        "tensordot axes=2",
    );
    // Explicit pairs: contract a's axis 0 with c's axis 1.
    let (c, hc) = make(&[5, 2], 33);
    let got = || kiln::tensordot(&a, &c, ([0], [1])).unwrap();
    let want: Vec<f64> = (0..60)
        .map(|o| {
            let (j, k, l) = (o / 20, (o / 5) % 4, o % 5);
            (0..2).map(|p| ha.at(&[p, j, k]) * hc.at(&[l, p])).sum()
        })
        .collect();
    check(
        got,
        &Host {
            shape: vec![3, 4, 5],
            v: want,
        },
        "tensordot pairs",
    );
    let got = kiln::tensordot(&a, &b, 0).unwrap();
    assert_eq!(got.shape(), &[2, 3, 4, 3, 4, 5], "outer product");
    assert!(kiln::tensordot(&a, &b, 3).is_err());
    // vecdot broadcasts [2,3,4] with [4].
    let (v, hv) = make(&[4], 34);
    let got = || kiln::vecdot(&a, &v, -1).unwrap();
    let want: Vec<f64> = (0..6)
        .map(|o| (0..4).map(|p| ha.at(&[o / 3, o % 3, p]) * hv.v[p]).sum())
        .collect();
    check(
        got,
        &Host {
            shape: vec![2, 3],
            v: want,
        },
        "vecdot",
    );
    assert!(kiln::vecdot(&a, &b, -1).is_err(), "shapes do not broadcast");
}

/// vecdot's dtype is the operands' promoted one (the standard's type promotion), not
/// sum's widened int64: int16 and uint8 products add and wrap in their own width, as
/// array_api_strict computes them (tools/conform.py found int64).
#[test]
fn vecdot_of_small_integers_keeps_their_dtype_and_wraps() {
    for mode in [Mode::Interpreter, Mode::Eager, Mode::Fused] {
        let a = kiln::asarray([[12i16, 31, 2, 2], [7, 8, 7, 63]], ()).unwrap();
        let b = kiln::asarray([[16i16, -17, 0, -17], [-1, -6, 32766, -18]], ()).unwrap();
        let got = kiln::vecdot(&a, &b, -1).unwrap();
        assert_eq!(got.dtype(), DType::I16);
        // 7·(-1) + 8·(-6) + 7·32766 + 63·(-18) = 228_173, which wraps to 31_565.
        let want = vec![12 * 16 - 31 * 17 - 2 * 17, (228_173i64 - 3 * 65_536) as i16];
        assert_eq!(
            got.compute_with(mode).unwrap().to_vec::<i16>().unwrap(),
            want,
            "{mode:?}"
        );
        let u = kiln::asarray([200u8, 3], ()).unwrap();
        let w = kiln::asarray([2u8, 1], ()).unwrap();
        let got = kiln::vecdot(&u, &w, 0).unwrap();
        assert_eq!(got.dtype(), DType::U8);
        // 400 + 3 = 403 wraps to 147
        assert_eq!(
            got.compute_with(mode).unwrap().to_vec::<u8>().unwrap(),
            vec![147],
            "{mode:?}"
        );
    }
}

#[test]
fn an_all_negative_zero_product_sums_to_positive_zero_in_every_mode() {
    // The textbook sum 0 + Σ a·b: a single product -0.0 gives +0.0 (gemm's k = 1 path
    // would otherwise keep -0.0; found by the 1M-graph differential campaign).
    let a = kiln::asarray([[0.0f64], [-1.0]], ()).unwrap();
    let b = kiln::asarray([[-0.0f64, 2.0]], ()).unwrap();
    for mode in MODES {
        let v: Vec<f64> = kiln::matmul(&a, &b)
            .unwrap()
            .compute_with(mode)
            .unwrap()
            .to_vec()
            .unwrap();
        assert_eq!(v, vec![0.0, 0.0, 0.0, -2.0], "{mode:?}");
        assert!(
            v[0].is_sign_positive() && v[2].is_sign_positive(),
            "{mode:?}: {v:?}"
        );
    }
}

/// Large products are cut into blocks of rows or columns, one gemm call per thread
/// (runtime/src/library/matmul.rs). The cuts must not change a bit, whatever the pool's
/// size, and the result is the textbook product to rounding. The values are not small
/// integers here, so the order of every sum shows in the bits.
#[test]
fn large_products_give_the_same_bits_on_pools_of_1_2_3_and_8_threads() {
    let cases: [(&[usize], &[usize]); 5] = [
        (&[300, 200], &[200, 150]), // cut into row blocks
        (&[40, 300], &[300, 500]),  // cut into column blocks
        (&[2, 130, 90], &[2, 90, 70]),
        (&[70, 1000], &[1000, 7]),
        (&[300, 600], &[600, 9]), // 128 + 172 rows
    ];
    let pools = common::pools(&[1, 2, 3, 8]);
    for (i, (sa, sb)) in cases.into_iter().enumerate() {
        let (_, ha) = make(sa, 50 + i as u64);
        let (_, hb) = make(sb, 60 + i as u64);
        let inexact = |h: &Host| Host {
            shape: h.shape.clone(),
            v: h.v.iter().map(|x| x / 7.0 + 0.1).collect(),
        };
        let (ha, hb) = (inexact(&ha), inexact(&hb));
        let a = kiln::from_vec(ha.v.clone(), sa).unwrap();
        let b = kiln::from_vec(hb.v.clone(), sb).unwrap();
        let want = textbook(&ha, &hb);
        for mode in [Mode::Eager, Mode::Fused] {
            let runs: Vec<Vec<f64>> = pools
                .iter()
                .map(|p| {
                    p.install(|| {
                        let y = kiln::matmul(&a, &b).unwrap();
                        y.compute_with(mode).unwrap().to_vec().unwrap()
                    })
                })
                .collect();
            for (r, t) in runs.iter().zip([1, 2, 3, 8]) {
                assert_eq!(r, &runs[0], "{sa:?} @ {sb:?} in {mode:?}: {t} threads vs 1");
            }
            for (g, w) in runs[0].iter().zip(&want.v) {
                let scale = w.abs().max(1.0);
                assert!(
                    (g - w).abs() <= 1e-12 * scale * 1000.0,
                    "{sa:?} @ {sb:?}: {g} vs {w}"
                );
            }
        }
    }
}

#[test]
fn products_written_into_reused_buffers_show_no_stale_values() {
    // Library outputs come from the executor's pool of freed buffers (1 MiB and up):
    // leave one full of NaN (or 7 for integers) of each output's size, then check that
    // the products that accumulate (small batches, integers) or may write nothing (k =
    // 0) start from zero.
    let n = 1 << 17; // 1 MiB of f64 or i64
    let dirty = |dtype: DType, fill: kiln::Operand| {
        let junk = kiln::add(kiln::zeros([n], dtype).unwrap(), fill).unwrap();
        junk.compute_with(Mode::Fused).unwrap();
        drop(junk);
    };
    let (a, ha) = make(&[n / 2, 2, 3], 41);
    let (b, hb) = make(&[n / 2, 3, 1], 42);
    let want = textbook(&ha, &hb);
    for mode in [Mode::Eager, Mode::Fused] {
        dirty(DType::F64, f64::NAN.into());
        let v: Vec<f64> = kiln::matmul(&a, &b)
            .unwrap()
            .compute_with(mode)
            .unwrap()
            .to_vec()
            .unwrap();
        assert_eq!(v, want.v, "small batch in {mode:?}");
        dirty(DType::I64, 7i64.into());
        let (ai, bi) = (
            kiln::astype(&a, DType::I64).unwrap(),
            kiln::astype(&b, DType::I64).unwrap(),
        );
        let v: Vec<i64> = kiln::matmul(&ai, &bi)
            .unwrap()
            .compute_with(mode)
            .unwrap()
            .to_vec()
            .unwrap();
        assert!(
            v.iter().zip(&want.v).all(|(&x, &w)| x as f64 == w),
            "int64 in {mode:?}"
        );
        for (sa, sb) in [
            (vec![n / 2, 2, 0], vec![n / 2, 0, 1]),
            (vec![n, 0], vec![0, 1]),
        ] {
            dirty(DType::F64, f64::NAN.into());
            let x = kiln::zeros(&sa, DType::F64).unwrap();
            let y = kiln::zeros(&sb, DType::F64).unwrap();
            let v: Vec<f64> = kiln::matmul(&x, &y)
                .unwrap()
                .compute_with(mode)
                .unwrap()
                .to_vec()
                .unwrap();
            assert!(
                v.iter().all(|&x| x == 0.0),
                "k = 0, {sa:?} @ {sb:?} in {mode:?}"
            );
        }
    }
}

#[test]
fn batches_of_small_products_give_the_interpreters_bits() {
    // Each element is the textbook sum in k order, not fused multiply-adds: the same
    // bits as the interpreter on inexact values too (a cancelling sum raised to a
    // power made any other rounding visible: differential seed 1802506899).
    let v: Vec<f32> = values(64 * 11 * 4, 51)
        .iter()
        .map(|x| (x / 7.0) as f32)
        .collect();
    let w: Vec<f32> = values(64 * 4 * 3, 52)
        .iter()
        .map(|x| (x / 3.0) as f32)
        .collect();
    let run = |mode| -> Vec<u32> {
        let a = kiln::from_vec(v.clone(), [64, 11, 4]).unwrap();
        let b = kiln::from_vec(w.clone(), [64, 4, 3]).unwrap();
        let p = kiln::matmul(&a, &b).unwrap().compute_with(mode).unwrap();
        p.to_vec::<f32>()
            .unwrap()
            .iter()
            .map(|x| x.to_bits())
            .collect()
    };
    let want = run(Mode::Interpreter);
    for mode in [Mode::Eager, Mode::Fused] {
        assert_eq!(run(mode), want, "{mode:?}");
    }
}

/// Products of a matrix with its own transpose (`x.T @ x`, `x @ x.T`, a covariance of a
/// computed `xc`, a batch, a sliced view) take a route of their own in compiled modes
/// (gemm above the diagonal, mirrored): they agree with the interpreter, are exactly
/// symmetric, and have the bits of the same product with a copy of `x` (which takes the
/// general route), on pools of 1, 2 and 3 threads.
#[test]
fn products_of_a_matrix_with_its_transpose_match_the_general_route() {
    let pools = common::pools(&[1, 2, 3]);
    let t = |a: &Array| kiln::matrix_transpose(a).unwrap();
    type Build = fn(&Array, &Array, &dyn Fn(&Array) -> Array) -> (Array, Array);
    let cases: [(&str, &[usize], Build); 5] = [
        ("x.T @ x", &[700, 300], |x, c, t| {
            (
                kiln::matmul(&t(x), x).unwrap(),
                kiln::matmul(&t(x), c).unwrap(),
            )
        }),
        ("x @ x.T", &[257, 400], |x, c, t| {
            (
                kiln::matmul(x, &t(x)).unwrap(),
                kiln::matmul(x, &t(c)).unwrap(),
            )
        }),
        ("xc.T @ xc", &[500, 200], |x, c, t| {
            let centre = |a: &Array| {
                let m = kiln::mean(a, kiln::ReduceOpts::new().axis(0).keepdims(true));
                (a - &m.unwrap()).unwrap()
            };
            let (xc, cc) = (centre(x), centre(c));
            (
                kiln::matmul(&t(&xc), &xc).unwrap(),
                kiln::matmul(&t(&xc), &cc).unwrap(),
            )
        }),
        ("batch x.T @ x", &[2, 600, 200], |x, c, t| {
            (
                kiln::matmul(&t(x), x).unwrap(),
                kiln::matmul(&t(x), c).unwrap(),
            )
        }),
        ("x[:, 1:300].T @ x[:, 1:300]", &[400, 350], |x, c, t| {
            let (a, b) = (
                x.slice(s![.., 1..300]).unwrap(),
                c.slice(s![.., 1..300]).unwrap(),
            );
            (
                kiln::matmul(&t(&a), &a).unwrap(),
                kiln::matmul(&t(&a), &b).unwrap(),
            )
        }),
    ];
    for (i, (name, shape, build)) in cases.into_iter().enumerate() {
        let (_, h) = make(shape, 90 + i as u64);
        // inexact values: a different order of the sums would change bits
        let v: Vec<f64> = h.v.iter().map(|x| x / 7.0 + 0.1).collect();
        let x = kiln::from_vec(v.clone(), shape).unwrap();
        let copy = kiln::from_vec(v.clone(), shape).unwrap();
        let (g, _) = build(&x, &copy, &t);
        let reference: Vec<f64> = g.compute_with(Mode::Interpreter).unwrap().to_vec().unwrap();
        let n = g.shape()[g.ndim() - 1];
        for mode in [Mode::Eager, Mode::Fused] {
            for (p, threads) in pools.iter().zip([1, 2, 3]) {
                let (gram, general) = p.install(|| build(&x, &copy, &t));
                let gram: Vec<f64> = gram.compute_with(mode).unwrap().to_vec().unwrap();
                let general: Vec<f64> = general.compute_with(mode).unwrap().to_vec().unwrap();
                let ctx = format!("{name} in {mode:?} on {threads} threads");
                let first = gram
                    .iter()
                    .zip(&general)
                    .position(|(a, b)| a.to_bits() != b.to_bits());
                assert_eq!(
                    first, None,
                    "{ctx}: first element unlike the copy's product"
                );
                for (m, mat) in gram.chunks(n * n).enumerate() {
                    for r in 0..n {
                        for c in 0..r {
                            assert_eq!(mat[r * n + c], mat[c * n + r], "{ctx}: [{m}, {r}, {c}]");
                        }
                    }
                }
                for (g, w) in gram.iter().zip(&reference) {
                    assert!(
                        (g - w).abs() <= 1e-9 * w.abs().max(1.0),
                        "{ctx}: {g} vs {w}"
                    );
                }
            }
        }
    }
}
