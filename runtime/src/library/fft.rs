//! FFTs along one axis of a contiguous row-major array: complex transforms through
//! `rustfft`, real-input and real-output ones through `realfft`, in the input's
//! precision (float32 and complex64 compute in f32).
//!
//! Each lane (the values along the axis at one position of the other axes, `inner`
//! elements apart) is gathered into a scratch buffer, trimmed or padded with zeros to
//! the transform's input length, transformed, conjugated and scaled as the call says,
//! and written lane-major; lanes run in parallel on rayon. When the axis is not the
//! last, a second parallel pass moves the lane-major results to row-major order.

use super::{Args, Lanes};
use crate::error::RuntimeError;
use kiln_ir::library::{FftCall, FftKind};
use kiln_ir::{Data, Element};
use num_complex::Complex;
use num_traits::{Float, Zero};
use rayon::prelude::*;
use realfft::RealFftPlanner;
use rustfft::{FftNum, FftPlanner};

/// Elements one rayon task should at least handle: smaller arrays run on one thread.
const GRAIN: usize = 1 << 14;

pub fn run(call: &FftCall, args: &Args) -> Result<Vec<Data>, RuntimeError> {
    let unsupported = |what: String| RuntimeError::Unsupported {
        what: format!("{call} {what}"),
    };
    let &[(data, shape)] = args else {
        return Err(unsupported(format!("of {} arrays", args.len())));
    };
    if call.axis >= shape.rank() || call.n == 0 {
        return Err(unsupported(format!("of shape {shape}")));
    }
    let lanes = Lanes::of(shape, call.axis);
    let out = match data {
        Data::F32(x) => transform::<f32, f32>(call, x, lanes),
        Data::F64(x) => transform::<f64, f64>(call, x, lanes),
        Data::C64(x) => transform::<f32, Complex<f32>>(call, x, lanes),
        Data::C128(x) => transform::<f64, Complex<f64>>(call, x, lanes),
        _ => None,
    }
    .ok_or_else(|| unsupported(format!("of {}", data.dtype())))?;
    Ok(vec![out])
}

/// An input element of precision `T`, real or complex.
trait Sample<T>: Copy + Zero + Send + Sync {
    const COMPLEX: bool;
    fn complex(self) -> Complex<T>;
    fn re(self) -> T;
}

impl<T: Float + Send + Sync> Sample<T> for T {
    const COMPLEX: bool = false;
    fn complex(self) -> Complex<T> {
        Complex::new(self, T::zero())
    }
    fn re(self) -> T {
        self
    }
}

impl<T: Float + Send + Sync> Sample<T> for Complex<T> {
    const COMPLEX: bool = true;
    fn complex(self) -> Complex<T> {
        self
    }
    fn re(self) -> T {
        self.re
    }
}

/// The call on input `x`; `None` when the kind needs real input and `x` is complex
/// (which inference rejects before).
fn transform<T, I>(call: &FftCall, x: &[I], g: Lanes) -> Option<Data>
where
    T: FftNum + Float + Element,
    Complex<T>: Element,
    I: Sample<T>,
{
    let scale = T::from(call.scale()).expect("f32 and f64 hold any norm factor");
    let n = call.n;
    let kind = call.kind;
    Some(match kind {
        FftKind::Forward | FftKind::Inverse => {
            let mut planner = FftPlanner::<T>::new();
            let fft = match kind {
                FftKind::Forward => planner.plan_fft_forward(n),
                _ => planner.plan_fft_inverse(n),
            };
            let scratch = fft.get_inplace_scratch_len();
            let init = || vec![Complex::zero(); scratch];
            Element::into_data(along_axis(x, g, n, n, init, |scratch, lane, out| {
                for (o, v) in out.iter_mut().zip(lane) {
                    *o = v.complex();
                }
                fft.process_with_scratch(out, scratch);
                out.iter_mut().for_each(|o| *o = *o * scale);
            }))
        }
        FftKind::RealForward | FftKind::HermitianInverse => {
            if I::COMPLEX {
                return None;
            }
            let conj = kind == FftKind::HermitianInverse;
            let r2c = RealFftPlanner::<T>::new().plan_fft_forward(n);
            let init = || (vec![T::zero(); n], r2c.make_scratch_vec());
            let m = kind.output_len(n);
            Element::into_data(along_axis(
                x,
                g,
                n,
                m,
                init,
                |(real, scratch), lane, out| {
                    for (r, v) in real.iter_mut().zip(lane) {
                        *r = v.re();
                    }
                    r2c.process_with_scratch(real, out, scratch)
                        .expect("the buffers have the lengths of the plan");
                    for o in out.iter_mut() {
                        *o = if conj { o.conj() } else { *o } * scale;
                    }
                },
            ))
        }
        FftKind::RealInverse | FftKind::HermitianForward => {
            let conj = kind == FftKind::HermitianForward;
            let c2r = RealFftPlanner::<T>::new().plan_fft_inverse(n);
            let m = kind.input_len(n);
            let init = || (vec![Complex::zero(); m], c2r.make_scratch_vec());
            Element::into_data(along_axis(
                x,
                g,
                m,
                n,
                init,
                |(spec, scratch), lane, out| {
                    for (s, v) in spec.iter_mut().zip(lane) {
                        let c = v.complex();
                        *s = if conj { c.conj() } else { c };
                    }
                    // The zero-frequency term of a real signal (and the Nyquist term
                    // n/2, present when n is even) is real: its imaginary part is
                    // ignored, as NumPy's pocketfft does (realfft would report it as an
                    // error).
                    spec[0].im = T::zero();
                    if 2 * (n / 2) == n {
                        spec[n / 2].im = T::zero();
                    }
                    c2r.process_with_scratch(spec, out, scratch)
                        .expect("the buffers have the lengths of the plan and real end terms");
                    out.iter_mut().for_each(|o| *o = *o * scale);
                },
            ))
        }
    })
}

/// Apply `transform` to every lane of `x` along the axis of `g`: each lane is gathered
/// into a buffer of `n_in` elements (trimmed or zero-padded), and the transform writes
/// `n_out` elements. `init` makes the per-task scratch state. Returns the row-major
/// result, with the axis now of length `n_out`.
fn along_axis<I, O, S>(
    x: &[I],
    g: Lanes,
    n_in: usize,
    n_out: usize,
    init: impl Fn() -> S + Send + Sync,
    transform: impl Fn(&mut S, &[I], &mut [O]) + Send + Sync,
) -> Vec<O>
where
    I: Copy + Zero + Send + Sync,
    O: Copy + Zero + Send + Sync,
    S: Send,
{
    let lanes = g.outer * g.inner;
    let mut by_lane = vec![O::zero(); lanes * n_out];
    if lanes == 0 {
        return by_lane;
    }
    let take = g.len.min(n_in);
    by_lane
        .par_chunks_mut(n_out)
        .with_min_len((GRAIN / (n_in + n_out)).max(1))
        .enumerate()
        .for_each_init(
            || (init(), vec![I::zero(); n_in]),
            |(state, lane), (l, out)| {
                let start = (l / g.inner) * g.len * g.inner + l % g.inner;
                for (j, v) in lane[..take].iter_mut().enumerate() {
                    *v = x[start + j * g.inner];
                }
                lane[take..].fill(I::zero());
                transform(state, lane, out);
            },
        );
    if g.inner == 1 {
        return by_lane;
    }
    // Lane-major [outer, inner, n_out] to row-major [outer, n_out, inner], one output
    // row (fixed outer and frequency) per item.
    let mut out = vec![O::zero(); lanes * n_out];
    out.par_chunks_mut(g.inner)
        .with_min_len((GRAIN / g.inner).max(1))
        .enumerate()
        .for_each(|(r, row)| {
            let (o, k) = (r / n_out, r % n_out);
            for (i, v) in row.iter_mut().enumerate() {
                *v = by_lane[(o * g.inner + i) * n_out + k];
            }
        });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_ir::library::FftNorm;
    use kiln_ir::Shape;

    fn call(kind: FftKind, axis: usize, n: usize) -> FftCall {
        FftCall {
            kind,
            axis,
            n,
            norm: FftNorm::Backward,
        }
    }

    #[test]
    fn a_middle_axis_is_transformed_lane_by_lane() {
        // [2, 2, 3]: constant along axis 1, so its fft is [2·x, 0].
        let x: Vec<f64> = (0..12).map(|i| ((i / 6) * 3 + i % 3) as f64).collect();
        let shape = Shape::new(&[2, 2, 3]);
        let out = run(
            &call(FftKind::Forward, 1, 2),
            &[(&Data::F64(x.clone()), &shape)],
        );
        let Data::C128(z) = out.unwrap().remove(0) else {
            panic!("fft of float64 is complex128")
        };
        for o in 0..2 {
            for i in 0..3 {
                assert_eq!(z[o * 6 + i].re, 2.0 * x[o * 6 + i]);
                assert_eq!(z[o * 6 + 3 + i], Complex::zero());
            }
        }
    }

    #[test]
    fn empty_other_axes_give_empty_results() {
        let shape = Shape::new(&[0, 4]);
        let out = run(
            &call(FftKind::RealForward, 1, 4),
            &[(&Data::F32(vec![]), &shape)],
        );
        assert_eq!(out.unwrap(), vec![Data::C64(vec![])]);
    }

    #[test]
    fn integer_data_is_an_error() {
        let shape = Shape::new(&[2]);
        let out = run(
            &call(FftKind::Forward, 0, 2),
            &[(&Data::I32(vec![1, 2]), &shape)],
        );
        assert!(out.is_err());
    }
}
