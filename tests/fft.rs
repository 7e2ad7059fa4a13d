//! The fft extension against independent computations: a naive O(n²) DFT in f64 (with
//! the standard's padding, trimming, norms and Hermitian extensions written out here),
//! lanes taken by `ndarray`, the frequency formulas and a hand-written rotation; every
//! case in the interpreter, eagerly and fused.

use kiln::fft::{self, FftNorm, FftOpts, FftnOpts};
use kiln::{Array, Complex32, Complex64 as C, DType, Mode, SliceArg};
use ndarray::{ArrayD, Axis, IxDyn};
use std::f64::consts::PI;

const MODES: [Mode; 3] = [Mode::Interpreter, Mode::Eager, Mode::Fused];
const NORMS: [FftNorm; 3] = [FftNorm::Backward, FftNorm::Ortho, FftNorm::Forward];

fn lcg(seed: u64, n: usize) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

// ---- inputs ------------------------------------------------------------------------

/// A random array of `shape` in `dtype` (f32, f64, c64, c128) and its values, rounded
/// to the dtype's precision, as complex f64 for the reference.
fn input(shape: &[usize], dtype: DType, seed: u64) -> (Array, ArrayD<C>) {
    let size = shape.iter().product();
    let (re, im) = (lcg(seed, size), lcg(seed + 100, size));
    let (array, values): (Array, Vec<C>) = match dtype {
        DType::F64 => (
            kiln::from_vec(re.clone(), shape).unwrap(),
            re.iter().map(|&r| C::new(r, 0.0)).collect(),
        ),
        DType::F32 => {
            let v: Vec<f32> = re.iter().map(|&r| r as f32).collect();
            let c = v.iter().map(|&r| C::new(r as f64, 0.0)).collect();
            (kiln::from_vec(v, shape).unwrap(), c)
        }
        DType::C128 => {
            let v: Vec<C> = re.iter().zip(&im).map(|(&r, &i)| C::new(r, i)).collect();
            (kiln::from_vec(v.clone(), shape).unwrap(), v)
        }
        DType::C64 => {
            let v: Vec<Complex32> = re
                .iter()
                .zip(&im)
                .map(|(&r, &i)| Complex32::new(r as f32, i as f32))
                .collect();
            let c = v.iter().map(|z| C::new(z.re as f64, z.im as f64)).collect();
            (kiln::from_vec(v, shape).unwrap(), c)
        }
        other => panic!("no input of {other}"),
    };
    (array, ArrayD::from_shape_vec(IxDyn(shape), values).unwrap())
}

fn tolerance(dtype: DType) -> f64 {
    match dtype {
        DType::F32 | DType::C64 => 2e-5,
        _ => 1e-12,
    }
}

// ---- reading results ---------------------------------------------------------------

/// Build `make()` afresh, compute it in `mode` and read it as complex f64 with its shape.
fn run(make: &dyn Fn() -> kiln::Result<Array>, mode: Mode) -> (Vec<C>, Vec<usize>) {
    let a = make().unwrap().compute_with(mode).unwrap();
    let values = match a.dtype() {
        DType::C128 => a.to_vec::<C>().unwrap(),
        DType::C64 => a
            .to_vec::<Complex32>()
            .unwrap()
            .iter()
            .map(|z| C::new(z.re as f64, z.im as f64))
            .collect(),
        DType::F64 => a
            .to_vec::<f64>()
            .unwrap()
            .iter()
            .map(|&r| C::new(r, 0.0))
            .collect(),
        DType::F32 => a
            .to_vec::<f32>()
            .unwrap()
            .iter()
            .map(|&r| C::new(r as f64, 0.0))
            .collect(),
        other => panic!("unexpected result dtype {other}"),
    };
    (values, a.shape().to_vec())
}

fn assert_close(got: &[C], want: &ArrayD<C>, tol: f64, what: &str) {
    let want: Vec<C> = want.iter().copied().collect();
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let scale = 1.0 + want.iter().map(|z| z.norm()).fold(0.0, f64::max);
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            (g - w).norm() <= tol * scale,
            "{what}: element {i}: got {g}, want {w}"
        );
    }
}

/// `make()` in every mode against `want`, also checking the result's dtype.
fn check(make: &dyn Fn() -> kiln::Result<Array>, want: &ArrayD<C>, dtype: DType, what: &str) {
    assert_eq!(make().unwrap().dtype(), dtype, "{what}: dtype");
    for mode in MODES {
        let (got, shape) = run(make, mode);
        assert_eq!(shape, want.shape(), "{what} ({mode:?}): shape");
        assert_close(&got, want, tolerance(dtype), &format!("{what} ({mode:?})"));
    }
}

// ---- the reference -----------------------------------------------------------------

/// `x` trimmed or padded with zeros to `n` values.
fn fit(x: &[C], n: usize) -> Vec<C> {
    (0..n)
        .map(|i| x.get(i).copied().unwrap_or_default())
        .collect()
}

/// The textbook DFT `Σ_j x[j]·exp(sign·2πi·jk/n)`.
fn dft(x: &[C], sign: f64) -> Vec<C> {
    let n = x.len();
    (0..n)
        .map(|k| {
            (0..n)
                .map(|j| {
                    x[j] * C::from_polar(1.0, sign * 2.0 * PI * ((j * k) % n) as f64 / n as f64)
                })
                .sum()
        })
        .collect()
}

/// The norm factor of the standard for a transform of length n.
fn factor(norm: FftNorm, forward: bool, n: usize) -> f64 {
    match (norm, forward) {
        (FftNorm::Ortho, _) => 1.0 / (n as f64).sqrt(),
        (FftNorm::Backward, true) | (FftNorm::Forward, false) => 1.0,
        _ => 1.0 / n as f64,
    }
}

/// The full length-n spectrum whose first n/2+1 terms are `x` (trimmed or padded),
/// with the zero term (and the Nyquist term of an even n) made real.
fn hermitian(x: &[C], n: usize) -> Vec<C> {
    let mut h = fit(x, n / 2 + 1);
    h[0].im = 0.0;
    if n.is_multiple_of(2) {
        h[n / 2].im = 0.0;
    }
    (0..n)
        .map(|k| if k <= n / 2 { h[k] } else { h[n - k].conj() })
        .collect()
}

fn scaled(v: Vec<C>, s: f64) -> Vec<C> {
    v.into_iter().map(|z| z * s).collect()
}

/// The one-dimensional transforms of the standard, written from their definitions.
fn fft_ref(x: &[C], n: usize, norm: FftNorm) -> Vec<C> {
    scaled(dft(&fit(x, n), -1.0), factor(norm, true, n))
}
fn ifft_ref(x: &[C], n: usize, norm: FftNorm) -> Vec<C> {
    scaled(dft(&fit(x, n), 1.0), factor(norm, false, n))
}
fn rfft_ref(x: &[C], n: usize, norm: FftNorm) -> Vec<C> {
    fft_ref(x, n, norm)[..n / 2 + 1].to_vec()
}
fn irfft_ref(x: &[C], n: usize, norm: FftNorm) -> Vec<C> {
    let y = scaled(dft(&hermitian(x, n), 1.0), factor(norm, false, n));
    y.iter().map(|z| C::new(z.re, 0.0)).collect()
}
/// hfft: the forward DFT of the Hermitian signal whose first half is x, a real result.
fn hfft_ref(x: &[C], n: usize, norm: FftNorm) -> Vec<C> {
    let y = scaled(dft(&hermitian(x, n), -1.0), factor(norm, true, n));
    y.iter().map(|z| C::new(z.re, 0.0)).collect()
}
/// ihfft: the first n/2+1 terms of the inverse DFT of real x.
fn ihfft_ref(x: &[C], n: usize, norm: FftNorm) -> Vec<C> {
    scaled(dft(&fit(x, n), 1.0), factor(norm, false, n))[..n / 2 + 1].to_vec()
}

/// Apply a one-dimensional transform to every lane of `x` along `axis` (lanes taken by
/// ndarray, independently of kiln's gather); `out_len` is the new axis length.
fn along(x: &ArrayD<C>, axis: usize, out_len: usize, f: impl Fn(&[C]) -> Vec<C>) -> ArrayD<C> {
    let mut shape = x.shape().to_vec();
    shape[axis] = out_len;
    let mut out = ArrayD::<C>::zeros(IxDyn(&shape));
    for (lane, mut dst) in x
        .lanes(Axis(axis))
        .into_iter()
        .zip(out.lanes_mut(Axis(axis)))
    {
        let v: Vec<C> = lane.iter().copied().collect();
        for (d, y) in dst.iter_mut().zip(f(&v)) {
            *d = y;
        }
    }
    out
}

fn complex_of(dtype: DType) -> DType {
    match dtype {
        DType::F32 | DType::C64 => DType::C64,
        _ => DType::C128,
    }
}

fn real_of(dtype: DType) -> DType {
    match dtype {
        DType::F32 | DType::C64 => DType::F32,
        _ => DType::F64,
    }
}

fn opts(n: usize, axis: i64, norm: FftNorm) -> FftOpts {
    FftOpts::new().n(n).axis(axis).norm(norm)
}

// ---- complex transforms --------------------------------------------------------------

#[test]
fn fft_and_ifft_match_the_naive_dft_for_every_length_norm_and_precision() {
    for dtype in [DType::C128, DType::C64, DType::F64, DType::F32] {
        for len in [1, 2, 5, 7, 16, 17] {
            let (x, xv) = input(&[len], dtype, len as u64);
            for norm in NORMS {
                let v: Vec<C> = xv.iter().copied().collect();
                let want = ArrayD::from_shape_vec(IxDyn(&[len]), fft_ref(&v, len, norm)).unwrap();
                let what = format!("fft {dtype} n={len} {norm:?}");
                check(&|| fft::fft(&x, norm), &want, complex_of(dtype), &what);
                let want = ArrayD::from_shape_vec(IxDyn(&[len]), ifft_ref(&v, len, norm)).unwrap();
                let what = format!("ifft {dtype} n={len} {norm:?}");
                check(&|| fft::ifft(&x, norm), &want, complex_of(dtype), &what);
            }
        }
    }
}

#[test]
fn n_pads_with_zeros_or_trims_the_axis() {
    let (x, xv) = input(&[2, 6], DType::C128, 3);
    for n in [1, 4, 6, 9] {
        let want = along(&xv, 1, n, |v| fft_ref(v, n, FftNorm::Backward));
        check(
            &|| fft::fft(&x, FftOpts::new().n(n)),
            &want,
            DType::C128,
            &format!("n={n}"),
        );
    }
    // An empty axis padded to n transforms zeros.
    let (e, ev) = input(&[3, 0], DType::F64, 4);
    let want = along(&ev, 1, 3, |v| fft_ref(v, 3, FftNorm::Backward));
    check(
        &|| fft::fft(&e, FftOpts::new().n(3)),
        &want,
        DType::C128,
        "empty padded",
    );
}

#[test]
fn transforms_run_along_the_first_a_middle_and_the_last_axis() {
    for dtype in [DType::C128, DType::F32] {
        let (x, xv) = input(&[3, 4, 5], dtype, 7);
        for (axis, n) in [(0usize, 3usize), (1, 4), (2, 5), (1, 6)] {
            for norm in NORMS {
                let want = along(&xv, axis, n, |v| fft_ref(v, n, norm));
                let what = format!("fft {dtype} axis {axis} n={n} {norm:?}");
                check(
                    &|| fft::fft(&x, opts(n, axis as i64, norm)),
                    &want,
                    complex_of(dtype),
                    &what,
                );
                let want = along(&xv, axis, n, |v| ifft_ref(v, n, norm));
                let negative = axis as i64 - 3;
                let what = format!("ifft {dtype} axis {negative} n={n} {norm:?}");
                check(
                    &|| fft::ifft(&x, opts(n, negative, norm)),
                    &want,
                    complex_of(dtype),
                    &what,
                );
            }
        }
    }
}

#[test]
fn non_contiguous_inputs_are_transformed_as_their_values() {
    for dtype in [DType::F64, DType::C128] {
        let (x, xv) = input(&[3, 4, 5], dtype, 11);
        let mut flipped = xv.clone();
        flipped.invert_axis(Axis(1));
        let want = along(&flipped, 1, 4, |v| fft_ref(v, 4, FftNorm::Backward));
        let make = || fft::fft(&kiln::flip(&x, 1)?, FftOpts::new().axis(1));
        check(&make, &want, DType::C128, &format!("flipped {dtype}"));

        let permuted = xv.clone().permuted_axes(IxDyn(&[2, 0, 1]));
        let want = along(&permuted, 0, 5, |v| ifft_ref(v, 5, FftNorm::Ortho));
        let make = || {
            let t = kiln::permute_dims(&x, [2, 0, 1])?;
            fft::ifft(&t, FftOpts::new().axis(0).norm(FftNorm::Ortho))
        };
        check(&make, &want, DType::C128, &format!("permuted {dtype}"));
    }
    // A stepped slice of a larger real array.
    let (big, bv) = input(&[4, 9], DType::F32, 12);
    let sliced = bv.slice(ndarray::s![.., ..;2]).to_owned().into_dyn();
    let want = along(&sliced, 1, 3, |v| rfft_ref(v, 5, FftNorm::Backward));
    let make = || {
        fft::rfft(
            &big.slice([SliceArg::from(..), SliceArg::from(0..9).step(2)])?,
            (),
        )
    };
    check(&make, &want, DType::C64, "stepped slice");
}

#[test]
fn large_arrays_split_over_threads_give_the_same_bits_as_one_thread() {
    // Enough lanes for several rayon tasks, along a middle axis (lane-major results
    // moved to row-major order by a second parallel pass).
    let (x, xv) = input(&[40, 301, 3], DType::C128, 13);
    let want = along(&xv, 1, 301, |v| fft_ref(v, 301, FftNorm::Backward));
    let make = || fft::fft(&x, FftOpts::new().axis(1));
    check(&make, &want, DType::C128, "large middle axis");
    let (r, rv) = input(&[3, 2000, 7], DType::F64, 14);
    let want = along(&rv, 1, 1001, |v| rfft_ref(v, 2000, FftNorm::Ortho));
    check(
        &|| fft::rfft(&r, opts(2000, 1, FftNorm::Ortho)),
        &want,
        DType::C128,
        "large rfft",
    );
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let four = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    for mode in MODES {
        let (a, _) = one.install(|| run(&make, mode));
        let (b, _) = four.install(|| run(&make, mode));
        assert_eq!(a, b, "{mode:?}");
    }
}

#[test]
fn lanes_of_first_and_middle_axes_cover_every_position() {
    // Lanes along a first or middle axis are gathered into rows by a tiled transpose:
    // 37 and 19 positions leave partial tiles, with the axis padded and trimmed.
    let cases: [(&[usize], usize); 3] = [(&[150, 37], 0), (&[2, 150, 19], 1), (&[3, 2, 37], 1)];
    for (shape, axis) in cases {
        let (x, xv) = input(shape, DType::F64, 31);
        for n in [shape[axis], shape[axis] + 5, shape[axis] - 1] {
            let want = along(&xv, axis, n / 2 + 1, |v| rfft_ref(v, n, FftNorm::Ortho));
            let what = format!("rfft {shape:?} axis {axis} n={n}");
            let make = || fft::rfft(&x, opts(n, axis as i64, FftNorm::Ortho));
            check(&make, &want, DType::C128, &what);
            let want = along(&xv, axis, n, |v| fft_ref(v, n, FftNorm::Backward));
            let make = || fft::fft(&x, opts(n, axis as i64, FftNorm::Backward));
            check(
                &make,
                &want,
                DType::C128,
                &format!("fft {shape:?} axis {axis} n={n}"),
            );
        }
    }
}

#[test]
fn long_lanes_give_the_same_bits_along_any_axis() {
    // 33,001 points down the first axis (gathered by the transpose) and along rows: the
    // same values give the same bits both ways (the naive DFT would be too slow here).
    let n = 33_001;
    let (x, _) = input(&[n, 3], DType::F64, 32);
    let t = kiln::permute_dims(&x, [1, 0]).unwrap();
    for mode in MODES {
        let down = fft::rfft(&x, FftOpts::new().axis(0)).unwrap();
        let down = kiln::permute_dims(&down, [1, 0])
            .unwrap()
            .compute_with(mode)
            .unwrap();
        let across = fft::rfft(&t, ()).unwrap().compute_with(mode).unwrap();
        assert_eq!(down.shape(), &[3, n / 2 + 1]);
        let (a, b) = (down.to_vec::<C>().unwrap(), across.to_vec::<C>().unwrap());
        assert!(a == b, "{mode:?}");
        // And they are the transform: the zero-frequency term is the sum.
        let sums = kiln::sum(&t, 1).unwrap().to_vec::<f64>().unwrap();
        for (lane, sum) in sums.iter().enumerate() {
            assert!((a[lane * (n / 2 + 1)].re - sum).abs() <= 1e-9 * n as f64);
        }
    }
}

#[test]
fn plans_kept_or_dropped_give_the_same_results() {
    // More lengths and kinds than the runtime keeps plans for, twice over: the second
    // round finds some plans kept and plans the others again.
    let (x, _) = input(&[2, 64], DType::C128, 33);
    let (r, _) = input(&[2, 64], DType::F64, 34);
    let round = || -> Vec<Vec<C>> {
        (1..=24)
            .flat_map(|n| {
                let o = opts(n, -1, FftNorm::Backward);
                [
                    fft::fft(&x, o.clone()),
                    fft::ifft(&x, o.clone()),
                    fft::rfft(&r, o.clone()),
                    fft::irfft(&x, o),
                ]
            })
            .map(|a| run(&|| a.clone(), Mode::Fused).0)
            .collect()
    };
    let first = round();
    assert!(first == round());
}

#[test]
fn transforms_consumed_as_parts_agree_with_the_definition() {
    // abs and the real part read the transform's memory as (re, im) pairs, which the
    // fused plan reuses in place when nothing else reads the transform.
    let (x, xv) = input(&[3, 257], DType::F32, 35);
    let want =
        along(&xv, 1, 129, |v| rfft_ref(v, 257, FftNorm::Backward)).mapv(|z| C::new(z.norm(), 0.0));
    check(
        &|| kiln::abs(&fft::rfft(&x, ())?),
        &want,
        DType::F32,
        "abs(rfft)",
    );
    let (z, zv) = input(&[4, 100], DType::C128, 36);
    let want = along(&zv, 0, 4, |v| fft_ref(v, 4, FftNorm::Ortho)).mapv(|z| C::new(z.re, 0.0));
    let make = || kiln::real(&fft::fft(&z, opts(4, 0, FftNorm::Ortho))?);
    check(&make, &want, DType::F64, "real(fft axis 0)");
    // A transform of complex arithmetic on a transform: the product is computed from
    // the parts and packed back into complex numbers in place.
    let want = along(&zv, 1, 100, |v| fft_ref(v, 100, FftNorm::Backward));
    let want = along(&want, 1, 100, |v| ifft_ref(v, 100, FftNorm::Backward)).mapv(|z| z * 2.0);
    let make = || fft::ifft(&(&fft::fft(&z, ())? * 2.0)?, ());
    check(&make, &want, DType::C128, "ifft(fft(z) * 2)");
}

#[test]
fn ifft_inverts_fft() {
    for dtype in [DType::C128, DType::C64] {
        for len in [1, 2, 5, 7, 16, 17] {
            let (x, xv) = input(&[2, len], dtype, 20 + len as u64);
            for norm in NORMS {
                let make = || fft::ifft(&fft::fft(&x, norm)?, norm);
                check(
                    &make,
                    &xv,
                    dtype,
                    &format!("round trip {dtype} n={len} {norm:?}"),
                );
            }
        }
    }
}

// ---- real transforms -----------------------------------------------------------------

#[test]
fn rfft_and_irfft_match_their_definitions() {
    for dtype in [DType::F64, DType::F32] {
        for len in [1, 2, 5, 7, 16, 17] {
            let (x, xv) = input(&[3, len], dtype, 30 + len as u64);
            for norm in NORMS {
                let m = len / 2 + 1;
                let want = along(&xv, 1, m, |v| rfft_ref(v, len, norm));
                let what = format!("rfft {dtype} n={len} {norm:?}");
                check(&|| fft::rfft(&x, norm), &want, complex_of(dtype), &what);
            }
        }
    }
    // irfft of arbitrary complex input (imaginary end terms are ignored), odd and even n,
    // trimming and padding the n/2+1 input terms.
    for dtype in [DType::C128, DType::C64] {
        let (z, zv) = input(&[2, 5], dtype, 40);
        for n in [1, 2, 7, 8, 9, 12] {
            for norm in NORMS {
                let want = along(&zv, 1, n, |v| irfft_ref(v, n, norm));
                let what = format!("irfft {dtype} n={n} {norm:?}");
                check(
                    &|| fft::irfft(&z, opts(n, -1, norm)),
                    &want,
                    real_of(dtype),
                    &what,
                );
            }
        }
        // Default n = 2*(m-1) = 8, along axis 0 of a transposed view.
        let want = along(&zv.t().to_owned(), 0, 8, |v| {
            irfft_ref(v, 8, FftNorm::Backward)
        });
        let make = || fft::irfft(&kiln::matrix_transpose(&z)?, FftOpts::new().axis(0));
        check(&make, &want, real_of(dtype), "irfft of a transposed view");
    }
}

#[test]
fn irfft_inverts_rfft_for_odd_and_even_lengths() {
    for dtype in [DType::F64, DType::F32] {
        for len in [1, 2, 5, 7, 16, 17] {
            let (x, xv) = input(&[len, 2], dtype, 50 + len as u64);
            for norm in NORMS {
                let make = || {
                    let z = fft::rfft(&x, FftOpts::new().axis(0).norm(norm))?;
                    fft::irfft(&z, opts(len, 0, norm))
                };
                check(
                    &make,
                    &xv,
                    dtype,
                    &format!("irfft(rfft) {dtype} n={len} {norm:?}"),
                );
            }
        }
    }
}

#[test]
fn hfft_and_ihfft_match_their_definitions_and_invert_each_other() {
    for dtype in [DType::C128, DType::C64] {
        let (z, zv) = input(&[3, 4], dtype, 60);
        for n in [1, 2, 5, 6, 7, 10] {
            for norm in NORMS {
                let want = along(&zv, 1, n, |v| hfft_ref(v, n, norm));
                let what = format!("hfft {dtype} n={n} {norm:?}");
                check(
                    &|| fft::hfft(&z, opts(n, 1, norm)),
                    &want,
                    real_of(dtype),
                    &what,
                );
            }
        }
        let want = along(&zv, 1, 6, |v| hfft_ref(v, 6, FftNorm::Backward));
        check(
            &|| fft::hfft(&z, ()),
            &want,
            real_of(dtype),
            "hfft default n",
        );
    }
    for dtype in [DType::F64, DType::F32] {
        for len in [1, 2, 5, 7, 16, 17] {
            let (x, xv) = input(&[len, 3], dtype, 70 + len as u64);
            for norm in NORMS {
                let want = along(&xv, 0, len / 2 + 1, |v| ihfft_ref(v, len, norm));
                let what = format!("ihfft {dtype} n={len} {norm:?}");
                let o = FftOpts::new().axis(0).norm(norm);
                check(
                    &|| fft::ihfft(&x, o.clone()),
                    &want,
                    complex_of(dtype),
                    &what,
                );
                let make = || fft::hfft(&fft::ihfft(&x, o.clone())?, o.clone().n(len));
                check(
                    &make,
                    &xv,
                    dtype,
                    &format!("hfft(ihfft) {dtype} n={len} {norm:?}"),
                );
            }
        }
    }
}

// ---- n-dimensional transforms ----------------------------------------------------------

#[test]
fn fftn_and_ifftn_compose_one_dimensional_transforms() {
    for dtype in [DType::C128, DType::F32] {
        let (x, xv) = input(&[3, 4, 5], dtype, 80);
        for norm in NORMS {
            let mut want = xv.clone();
            for (axis, n) in [(0, 3), (1, 4), (2, 5)] {
                want = along(&want, axis, n, |v| fft_ref(v, n, norm));
            }
            let what = format!("fftn {dtype} all axes {norm:?}");
            check(&|| fft::fftn(&x, norm), &want, complex_of(dtype), &what);

            // Two axes, one padded and one trimmed, given in reverse order.
            let mut want = xv.clone();
            for (axis, n) in [(2, 7), (0, 2)] {
                want = along(&want, axis, n, |v| ifft_ref(v, n, norm));
            }
            let o = FftnOpts::new().axes([-1, 0]).s([7, 2]).norm(norm);
            let what = format!("ifftn {dtype} axes [-1, 0] {norm:?}");
            check(
                &|| fft::ifftn(&x, o.clone()),
                &want,
                complex_of(dtype),
                &what,
            );
        }
        let make = || fft::ifftn(&fft::fftn(&x, ())?, ());
        check(
            &make,
            &xv,
            complex_of(dtype),
            &format!("ifftn(fftn) {dtype}"),
        );
    }
}

#[test]
fn rfftn_and_irfftn_match_the_composition_and_invert_each_other() {
    for dtype in [DType::F64, DType::F32] {
        let (x, xv) = input(&[3, 4, 5], dtype, 90);
        for norm in NORMS {
            let want = along(&xv, 2, 3, |v| rfft_ref(v, 5, norm));
            let want = along(&want, 0, 3, |v| fft_ref(v, 3, norm));
            let want = along(&want, 1, 4, |v| fft_ref(v, 4, norm));
            let what = format!("rfftn {dtype} {norm:?}");
            check(&|| fft::rfftn(&x, norm), &want, complex_of(dtype), &what);

            // Over axes [2, 1] with s = [-1, 7]: the real axis is 1 (last listed).
            let want = along(&xv, 1, 4, |v| rfft_ref(v, 7, norm));
            let want = along(&want, 2, 5, |v| fft_ref(v, 5, norm));
            let o = FftnOpts::new().axes([2, 1]).s([-1, 7]).norm(norm);
            let what = format!("rfftn {dtype} axes [2, 1] {norm:?}");
            check(
                &|| fft::rfftn(&x, o.clone()),
                &want,
                complex_of(dtype),
                &what,
            );

            let make = || {
                let z = fft::rfftn(&x, norm)?;
                fft::irfftn(&z, FftnOpts::new().axes([0, 1, 2]).s([3, 4, 5]).norm(norm))
            };
            check(
                &make,
                &xv,
                dtype,
                &format!("irfftn(rfftn) {dtype} {norm:?}"),
            );
        }
    }
    // irfftn of complex input against the composition, default output length 2*(m-1).
    let (z, zv) = input(&[3, 4], DType::C128, 95);
    let want = along(&zv, 0, 3, |v| ifft_ref(v, 3, FftNorm::Backward));
    let want = along(&want, 1, 6, |v| irfft_ref(v, 6, FftNorm::Backward));
    check(
        &|| fft::irfftn(&z, ()),
        &want,
        DType::F64,
        "irfftn default s",
    );
}

// ---- frequencies and shifts --------------------------------------------------------------

#[test]
fn fftfreq_and_rfftfreq_follow_the_formula() {
    for n in [1usize, 2, 5, 8, 17] {
        for d in [1.0, 0.25, 3.0] {
            let f: Vec<f64> = (0..n)
                .map(|i| {
                    let k = if i < n.div_ceil(2) {
                        i as f64
                    } else {
                        i as f64 - n as f64
                    };
                    k / (d * n as f64)
                })
                .collect();
            let r: Vec<f64> = (0..=n / 2).map(|i| i as f64 / (d * n as f64)).collect();
            for mode in MODES {
                let got: Vec<f64> = fft::fftfreq(n, d, ())
                    .unwrap()
                    .compute_with(mode)
                    .unwrap()
                    .to_vec()
                    .unwrap();
                for (g, w) in got.iter().zip(&f) {
                    assert!(
                        (g - w).abs() <= 1e-15 * (1.0 + w.abs()),
                        "fftfreq({n}, {d}): {got:?}"
                    );
                }
                assert_eq!(got.len(), n);
                let got: Vec<f32> = fft::fftfreq(n, d, DType::F32)
                    .unwrap()
                    .compute_with(mode)
                    .unwrap()
                    .to_vec()
                    .unwrap();
                for (g, w) in got.iter().zip(&f) {
                    assert!(
                        (*g as f64 - w).abs() <= 1e-6 * (1.0 + w.abs()),
                        "fftfreq f32({n}, {d})"
                    );
                }
                let got: Vec<f64> = fft::rfftfreq(n, d, ())
                    .unwrap()
                    .compute_with(mode)
                    .unwrap()
                    .to_vec()
                    .unwrap();
                assert_eq!(got.len(), n / 2 + 1);
                for (g, w) in got.iter().zip(&r) {
                    assert!(
                        (g - w).abs() <= 1e-15 * (1.0 + w.abs()),
                        "rfftfreq({n}, {d})"
                    );
                }
            }
        }
    }
}

/// Rotate `x` of `shape` along `axis` so that element i moves to (i + shift) mod len.
fn rotate(x: &[f64], shape: &[usize], axis: usize, shift: i64) -> Vec<f64> {
    let len = shape[axis];
    let inner: usize = shape[axis + 1..].iter().product();
    let mut out = vec![0.0; x.len()];
    for (i, &v) in x.iter().enumerate() {
        let j = (i / inner) % len;
        let to = (j as i64 + shift).rem_euclid(len as i64) as usize;
        out[i - j * inner + to * inner] = v;
    }
    out
}

#[test]
fn fftshift_and_ifftshift_rotate_by_half_the_length() {
    let shape = [3usize, 4, 5];
    let v = lcg(100, 60);
    let x = kiln::from_vec(v.clone(), shape).unwrap();
    let all = (0..3).fold(v.clone(), |acc, a| {
        rotate(&acc, &shape, a, (shape[a] / 2) as i64)
    });
    let all_back = (0..3).fold(v.clone(), |acc, a| {
        rotate(&acc, &shape, a, -((shape[a] / 2) as i64))
    });
    let axis2 = rotate(&v, &shape, 2, 2);
    let axes01 = rotate(&rotate(&v, &shape, 0, -1), &shape, 1, -2);
    for mode in MODES {
        let get = |a: kiln::Result<Array>| -> Vec<f64> {
            a.unwrap().compute_with(mode).unwrap().to_vec().unwrap()
        };
        assert_eq!(get(fft::fftshift(&x, ())), all);
        assert_eq!(get(fft::ifftshift(&x, ())), all_back);
        assert_eq!(get(fft::fftshift(&x, -1)), axis2);
        assert_eq!(get(fft::ifftshift(&x, [0, 1])), axes01);
        assert_eq!(get(fft::ifftshift(&fft::fftshift(&x, ()).unwrap(), ())), v);
    }
    // A spectrum: fftshift(fftfreq) is sorted.
    let f: Vec<f64> = fft::fftshift(&fft::fftfreq(7, 1.0, ()).unwrap(), ())
        .unwrap()
        .to_vec()
        .unwrap();
    assert!(f.windows(2).all(|w| w[0] < w[1]), "{f:?}");
    // A complex spectrum rolls the same way.
    let (z, zv) = input(&[5], DType::C128, 101);
    let zv: Vec<C> = zv.iter().copied().collect();
    let want: Vec<C> = (0..5).map(|i| zv[(i + 3) % 5]).collect();
    for mode in MODES {
        let (got, _) = run(&|| fft::fftshift(&z, ()), mode);
        assert_eq!(got, want, "{mode:?}");
    }
}

// ---- errors --------------------------------------------------------------------------------

fn message(r: kiln::Result<Array>) -> String {
    r.expect_err("expected an error").to_string()
}

#[test]
fn integer_input_is_a_dtype_error() {
    let i = kiln::asarray([1i64, 2, 3], ()).unwrap();
    for (name, r) in [
        ("fft", fft::fft(&i, ())),
        ("ifft", fft::ifft(&i, ())),
        ("rfft", fft::rfft(&i, ())),
        ("irfft", fft::irfft(&i, ())),
        ("hfft", fft::hfft(&i, ())),
        ("ihfft", fft::ihfft(&i, ())),
        ("fftn", fft::fftn(&i, ())),
        ("rfftn", fft::rfftn(&i, ())),
    ] {
        let e = r.expect_err(name);
        assert!(
            matches!(e.ir(), Some(kiln::IrError::DType { .. })),
            "{name}: {e}"
        );
        assert!(
            e.to_string().starts_with(name) && e.to_string().contains("int64"),
            "{e}"
        );
    }
}

#[test]
fn complex_input_to_the_real_transforms_is_a_dtype_error() {
    let z = kiln::ones([4], DType::C64).unwrap();
    for r in [fft::rfft(&z, ()), fft::ihfft(&z, ()), fft::rfftn(&z, ())] {
        assert!(matches!(
            r.unwrap_err().ir(),
            Some(kiln::IrError::DType { .. })
        ));
    }
}

#[test]
fn zero_lengths_are_errors() {
    let x = kiln::ones([3, 4], DType::F64).unwrap();
    assert!(message(fft::fft(&x, FftOpts::new().n(0))).contains("at least 1"));
    assert!(message(fft::rfft(&x, FftOpts::new().n(0))).contains("at least 1"));
    // An empty axis without n, and irfft of one value (default n = 2*(1-1) = 0).
    let e = kiln::ones([3, 0], DType::C128).unwrap();
    assert!(message(fft::fft(&e, ())).contains("at least 1"));
    let one = kiln::ones([3, 1], DType::C128).unwrap();
    assert!(message(fft::irfft(&one, ())).contains("at least 1"));
    assert!(message(fft::fftn(&x, FftnOpts::new().axes([0]).s([0]))).contains("at least 1"));
    assert!(fft::fftfreq(0, 1.0, ()).is_err());
    assert!(fft::rfftfreq(0, 1.0, ()).is_err());
}

#[test]
fn bad_axes_and_lengths_are_errors() {
    let x = kiln::ones([3, 4], DType::F64).unwrap();
    let e = fft::fft(&x, FftOpts::new().axis(2)).unwrap_err();
    assert!(
        matches!(
            e.ir(),
            Some(kiln::IrError::Axis {
                axis: 2,
                rank: 2,
                ..
            })
        ),
        "{e}"
    );
    let scalar = kiln::asarray(1.0f64, ()).unwrap();
    assert!(matches!(
        fft::fft(&scalar, ()).unwrap_err().ir(),
        Some(kiln::IrError::Axis { .. })
    ));
    assert!(fft::fftn(&scalar, ()).is_err(), "no axis to transform");
    let dup = fft::fftn(&x, FftnOpts::new().axes([1, -1])).unwrap_err();
    assert!(
        matches!(dup.ir(), Some(kiln::IrError::DuplicateAxis { .. })),
        "{dup}"
    );
    assert!(message(fft::fftn(&x, FftnOpts::new().s([3, 4]))).contains("without axes"));
    assert!(message(fft::ifftn(&x, FftnOpts::new().axes([0]).s([3, 4]))).contains("one entry per"));
    assert!(message(fft::fftshift(&x, 5)).contains("fftshift"));
    assert!(fft::fftfreq(4, 1.0, DType::I32).is_err());
    assert!(fft::rfftfreq(4, 1.0, DType::C128).is_err());
}
