//! FFTs along one axis of a contiguous row-major array: complex transforms through
//! `rustfft`, real-input and real-output ones through `realfft`, in the input's
//! precision (float32 and complex64 compute in f32).
//!
//! Each lane (the values along the axis at one position of the other axes, `inner`
//! elements apart) is trimmed or padded with zeros to the transform's input length
//! (copied only to be padded), transformed, conjugated and scaled as the call says, and
//! written to its place in the row-major result. When the axis is the last, lanes
//! are rows, and tasks take runs of them. Otherwise the lanes are first gathered into
//! rows by a tiled transpose, and the results transposed back (`super::transpose`).
//!
//! Plans are kept (`Plans`): planning a length computes its twiddle factors, which for
//! long transforms costs as much as the transform (NumPy's pocketfft keeps its plans
//! too).

use super::{by_lanes, Args, Lanes, Scratch};
use crate::error::RuntimeError;
use kiln_ir::library::{FftCall, FftKind};
use kiln_ir::{Data, Element};
use num_complex::Complex;
use num_traits::{Float, Zero};
use rayon::prelude::*;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::{Fft, FftNum, FftPlanner};
use std::sync::{Arc, Mutex};

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

/// A planned transform of one kind and length.
#[derive(Clone)]
enum Plan<T> {
    Complex(Arc<dyn Fft<T>>),
    RealForward(Arc<dyn RealToComplex<T>>),
    RealInverse(Arc<dyn ComplexToReal<T>>),
}

/// Which plan: complex forward or inverse, real to complex, complex to real.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum PlanKind {
    Forward,
    Inverse,
    RealForward,
    RealInverse,
}

/// The plans used last, per precision, the newest last. At most `PLANS` of them, of at
/// most `PLANNED` points together (the newest is kept whatever its length), so a
/// program that transforms many lengths holds a bounded amount of twiddle factors.
struct Plans<T> {
    kept: Vec<(PlanKind, usize, Plan<T>)>,
}

const PLANS: usize = 16;
const PLANNED: usize = 1 << 23;

impl<T: FftNum> Plans<T> {
    const fn new() -> Plans<T> {
        Plans { kept: Vec::new() }
    }

    /// The plan for `kind` and length `n`, planned now unless kept.
    fn get(&mut self, kind: PlanKind, n: usize) -> Plan<T> {
        let plan = match self.kept.iter().position(|p| p.0 == kind && p.1 == n) {
            Some(i) => self.kept.remove(i).2,
            None => match kind {
                PlanKind::Forward => Plan::Complex(FftPlanner::new().plan_fft_forward(n)),
                PlanKind::Inverse => Plan::Complex(FftPlanner::new().plan_fft_inverse(n)),
                PlanKind::RealForward => {
                    Plan::RealForward(RealFftPlanner::new().plan_fft_forward(n))
                }
                PlanKind::RealInverse => {
                    Plan::RealInverse(RealFftPlanner::new().plan_fft_inverse(n))
                }
            },
        };
        self.kept.push((kind, n, plan.clone()));
        while self.kept.len() > PLANS
            || (self.kept.len() > 1 && self.kept.iter().map(|p| p.1).sum::<usize>() > PLANNED)
        {
            self.kept.remove(0);
        }
        plan
    }
}

/// A precision with its own kept plans.
trait Planned: FftNum + Float + Element {
    fn plans() -> &'static Mutex<Plans<Self>>;

    fn plan(kind: PlanKind, n: usize) -> Plan<Self> {
        // A poisoned lock only means a panic elsewhere; the kept plans are still whole.
        let mut plans = Self::plans().lock().unwrap_or_else(|e| e.into_inner());
        plans.get(kind, n)
    }
}

macro_rules! planned {
    ($($t:ty),*) => {$(
        impl Planned for $t {
            fn plans() -> &'static Mutex<Plans<$t>> {
                static PLANS: Mutex<Plans<$t>> = Mutex::new(Plans::new());
                &PLANS
            }
        }
    )*};
}
planned!(f32, f64);

/// An input element of precision `T`, real or complex.
trait Sample<T>: Element + Zero {
    const COMPLEX: bool;
    fn complex(self) -> Complex<T>;
    fn re(self) -> T;
}

impl<T: Float + Element> Sample<T> for T {
    const COMPLEX: bool = false;
    fn complex(self) -> Complex<T> {
        Complex::new(self, T::zero())
    }
    fn re(self) -> T {
        self
    }
}

impl<T: Float + Element> Sample<T> for Complex<T>
where
    Complex<T>: Element,
{
    const COMPLEX: bool = true;
    fn complex(self) -> Complex<T> {
        self
    }
    fn re(self) -> T {
        self.re
    }
}

/// Multiply `out` by `scale`, conjugated first with `conj` (nothing to do for a scale of
/// one without conjugation: multiplying by one changes no value).
fn finish<T: Float>(out: &mut [Complex<T>], conj: bool, scale: T) {
    match (conj, scale.is_one()) {
        (false, true) => {}
        (false, false) => out.iter_mut().for_each(|o| *o = *o * scale),
        (true, _) => out.iter_mut().for_each(|o| *o = o.conj() * scale),
    }
}

/// The call on input `x`; `None` when the kind needs real input and `x` is complex
/// (which inference rejects before).
fn transform<T, I>(call: &FftCall, x: &[I], g: Lanes) -> Option<Data>
where
    T: Planned,
    Complex<T>: Element,
    I: Sample<T>,
{
    let scale = T::from(call.scale()).expect("f32 and f64 hold any norm factor");
    let n = call.n;
    let kind = call.kind;
    Some(match kind {
        FftKind::Forward | FftKind::Inverse => {
            let which = match kind {
                FftKind::Forward => PlanKind::Forward,
                _ => PlanKind::Inverse,
            };
            let Plan::Complex(fft) = T::plan(which, n) else {
                unreachable!("a complex plan kind gives a complex plan")
            };
            let scratch = fft.get_inplace_scratch_len();
            let init = || Scratch::new(scratch);
            Element::into_data(along_axis(x, g, n, n, init, |scratch, lane, out| {
                for (o, v) in out.iter_mut().zip(lane) {
                    *o = v.complex();
                }
                fft.process_with_scratch(out, scratch);
                finish(out, false, scale);
            }))
        }
        FftKind::RealForward | FftKind::HermitianInverse => {
            if I::COMPLEX {
                return None;
            }
            let conj = kind == FftKind::HermitianInverse;
            let Plan::RealForward(r2c) = T::plan(PlanKind::RealForward, n) else {
                unreachable!("a real forward plan kind gives a real forward plan")
            };
            let init = || (Scratch::new(n), Scratch::new(r2c.get_scratch_len()));
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
                    finish(out, conj, scale);
                },
            ))
        }
        FftKind::RealInverse | FftKind::HermitianForward => {
            let conj = kind == FftKind::HermitianForward;
            let Plan::RealInverse(c2r) = T::plan(PlanKind::RealInverse, n) else {
                unreachable!("a real inverse plan kind gives a real inverse plan")
            };
            let m = kind.input_len(n);
            let init = || (Scratch::new(m), Scratch::new(c2r.get_scratch_len()));
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
                    if !scale.is_one() {
                        out.iter_mut().for_each(|o| *o = *o * scale);
                    }
                },
            ))
        }
    })
}

/// Apply `transform` to every lane of `x` along the axis of `g`: each lane is trimmed or
/// zero-padded to `n_in` elements, and the transform writes `n_out` elements. `init`
/// makes the per-task scratch state. Returns the row-major result, with the axis now of
/// length `n_out`.
fn along_axis<I, O, S>(
    x: &[I],
    g: Lanes,
    n_in: usize,
    n_out: usize,
    init: impl Fn() -> S + Send + Sync,
    transform: impl Fn(&mut S, &[I], &mut [O]) + Send + Sync,
) -> Vec<O>
where
    I: Element + Zero,
    O: Element + Zero,
    S: Send,
{
    by_lanes(x, g, n_out, |lanes, out| {
        rows(lanes, g.len, n_in, out, n_out, init, transform)
    })
}

/// `transform` of every row of `x` (rows of `len`, trimmed or zero-padded to `n_in`)
/// into the rows of `out` (of `n_out`), runs of rows per task.
fn rows<I, O, S>(
    x: &[I],
    len: usize,
    n_in: usize,
    out: &mut [O],
    n_out: usize,
    init: impl Fn() -> S + Send + Sync,
    transform: impl Fn(&mut S, &[I], &mut [O]) + Send + Sync,
) where
    I: Element + Zero,
    O: Element + Zero,
    S: Send,
{
    let take = len.min(n_in);
    out.par_chunks_mut(n_out)
        .with_min_len((GRAIN / (n_in + n_out)).max(1))
        .enumerate()
        .for_each_init(
            || (init(), None),
            |(state, padded), (l, row)| {
                // Copied only to be padded.
                let lane = &x[l * len..][..take];
                if take == n_in {
                    return transform(state, lane, row);
                }
                let padded = padded.get_or_insert_with(|| Scratch::<I>::new(n_in));
                padded[..take].copy_from_slice(lane);
                padded[take..].fill(I::zero());
                transform(state, padded, row);
            },
        );
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
