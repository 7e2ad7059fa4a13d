//! Combining the per-chunk states of a full reduction, in a fixed order.
//!
//! Chunks are combined pairwise (a balanced tree over the chunk list), whose shape
//! depends only on the number of chunks, which depends only on the problem size: the
//! same input gives the same bits on any number of threads. Variance states combine by
//! Chan, Golub and LeVeque's formula (1979) for (n, mean, M2), with each mean kept as
//! an f64 and a small correction (a double word), so that the difference of two means
//! in the formula does not lose the bits below the means' last place (data whose mean
//! is far larger than its spread).

use kiln_codegen::cpu::PARTIAL_BYTES;
use kiln_codegen::math::product::{product_finish, product_join};
use kiln_codegen::math::scalar::Eval64;
use kiln_ir::{DType, Data, Element, ReduceOp, Scalar};

/// One chunk's state, decoded from the `PARTIAL_BYTES` the kernel wrote: four 8-byte
/// slots (see `write_partials` in codegen's emit.rs).
#[derive(Clone, Copy, Debug)]
struct State {
    slots: [[u8; 8]; 4],
}

impl State {
    fn f(&self, slot: usize) -> f64 {
        f64::from_le_bytes(self.slots[slot])
    }
    fn i(&self, slot: usize) -> i64 {
        i64::from_le_bytes(self.slots[slot])
    }
}

fn decode(bytes: &[u8]) -> State {
    let slot = |k: usize| bytes[8 * k..8 * k + 8].try_into().expect("8 bytes");
    State {
        slots: [slot(0), slot(1), slot(2), slot(3)],
    }
}

/// Pairwise fold of `items` with `f`; `None` when empty.
fn pairwise<T: Copy>(items: &[T], f: &impl Fn(T, T) -> T) -> Option<T> {
    match items.len() {
        0 => None,
        1 => Some(items[0]),
        n => {
            let (l, r) = items.split_at(n / 2);
            Some(f(pairwise(l, f)?, pairwise(r, f)?))
        }
    }
}

/// The final value of reduction number `index` of a kernel, from every chunk's
/// partials record (`records[chunk]` holds all of that chunk's reductions), with
/// `chunk_starts[chunk]` the flat index of the chunk's first reduced element.
pub fn combine(
    op: ReduceOp,
    dtype: DType,
    correction: f64,
    index: usize,
    records: &[&[u8]],
    chunk_starts: &[i64],
) -> Scalar {
    let states: Vec<State> = records
        .iter()
        .map(|r| decode(&r[index * PARTIAL_BYTES..(index + 1) * PARTIAL_BYTES]))
        .collect();
    let float = dtype.is_real_floating();
    let signed = dtype.is_signed_integer();
    match op {
        ReduceOp::Prod if float => {
            // (value, exponent) pairs joined pairwise, rounded once (`math::product`).
            let parts: Vec<(f64, i64)> = states.iter().map(|s| (s.f(0), s.i(2))).collect();
            let join = |x, y| product_join(&mut Eval64, x, y);
            let (m, e) = pairwise(&parts, &join).unwrap_or((1.0, 0));
            Scalar::Float(product_finish(&mut Eval64, m, e))
        }
        ReduceOp::Sum | ReduceOp::Prod => {
            let sum = op == ReduceOp::Sum;
            if float {
                // (A sum: float products are above.) Chunks start their sums at -0
                // (so negative zeros sum to -0); no terms at all is +0.
                let vals: Vec<f64> = states.iter().map(|s| s.f(0)).collect();
                let terms: i64 = states.iter().map(|s| s.i(1)).sum();
                Scalar::Float(match pairwise(&vals, &|a, b| a + b) {
                    Some(v) if terms > 0 => v,
                    _ => 0.0,
                })
            } else {
                let vals: Vec<i64> = states.iter().map(|s| s.i(0)).collect();
                let v = pairwise(&vals, &|a, b| {
                    if sum {
                        a.wrapping_add(b)
                    } else {
                        a.wrapping_mul(b)
                    }
                });
                int_scalar(v.unwrap_or(if sum { 0 } else { 1 }), dtype)
            }
        }
        ReduceOp::Max | ReduceOp::Min => {
            let max = op == ReduceOp::Max;
            // Every chunk holds elements (the planner rejects empty max/min), but a
            // chunk past the end may be empty: skip states with no elements.
            let live: Vec<State> = states.iter().copied().filter(|s| s.i(1) > 0).collect();
            if float {
                let vals: Vec<f64> = live.iter().map(|s| s.f(0)).collect();
                let v = pairwise(&vals, &|a, b| {
                    if a.is_nan() || b.is_nan() {
                        f64::NAN
                    } else if a == b {
                        // Equal: the same bits, or zeros of both signs, where max is
                        // +0 and min -0 (as the interpreter and the kernels' lanes).
                        let (a, b) = (a.to_bits(), b.to_bits());
                        f64::from_bits(if max { a & b } else { a | b })
                    } else if (b > a) == max {
                        b
                    } else {
                        a
                    }
                });
                Scalar::Float(v.unwrap_or(f64::NAN))
            } else {
                let vals: Vec<i64> = live.iter().map(|s| s.i(0)).collect();
                let better = |a: i64, b: i64| {
                    let b_gt = if signed {
                        b > a
                    } else {
                        (b as u64) > (a as u64)
                    };
                    if b_gt == max && a != b {
                        b
                    } else {
                        a
                    }
                };
                int_scalar(pairwise(&vals, &better).unwrap_or(0), dtype)
            }
        }
        ReduceOp::Any | ReduceOp::All => {
            let any = op == ReduceOp::Any;
            let v = states.iter().map(|s| s.i(0) != 0).fold(!any, |acc, x| {
                if any {
                    acc || x
                } else {
                    acc && x
                }
            });
            Scalar::Bool(v)
        }
        ReduceOp::Mean => {
            let sums: Vec<f64> = states.iter().map(|s| s.f(0)).collect();
            let n: i64 = states.iter().map(|s| s.i(1)).sum();
            Scalar::Float(pairwise(&sums, &|a, b| a + b).unwrap_or(0.0) / n as f64)
        }
        ReduceOp::Var => {
            let parts: Vec<Moments> = states
                .iter()
                .map(|s| Moments {
                    n: s.f(0),
                    mean: (s.f(1), s.f(3)),
                    m2: s.f(2),
                })
                .filter(|p| p.n > 0.0)
                .collect();
            let (n, m2) = pairwise(&parts, &chan).map_or((0.0, 0.0), |p| (p.n, p.m2));
            Scalar::Float(if n - correction > 0.0 {
                m2 / (n - correction)
            } else {
                f64::NAN
            })
        }
        ReduceOp::ArgMax | ReduceOp::ArgMin => {
            let max = op == ReduceOp::ArgMax;
            // Sequential in chunk order: the first best (lowest index) wins ties.
            let mut best: Option<(State, i64)> = None;
            for (s, &start) in states.iter().zip(chunk_starts) {
                if s.i(2) == 0 {
                    continue;
                }
                let global = start + s.i(1);
                let take = match best {
                    None => true,
                    Some((b, _)) => arg_better(max, float, signed, s, &b),
                };
                if take {
                    best = Some((*s, global));
                }
            }
            Scalar::Int(best.map(|(_, i)| i).unwrap_or(0) as i128)
        }
    }
}

/// Whether chunk state `x` beats `best` (strictly; NaN beats numbers, first NaN stays).
fn arg_better(max: bool, float: bool, signed: bool, x: &State, best: &State) -> bool {
    if float {
        let (x, b) = (x.f(0), best.f(0));
        !b.is_nan() && (x.is_nan() || if max { x > b } else { x < b })
    } else {
        let (x, b) = (x.i(0), best.i(0));
        match (signed, max) {
            (true, true) => x > b,
            (true, false) => x < b,
            (false, true) => (x as u64) > (b as u64),
            (false, false) => (x as u64) < (b as u64),
        }
    }
}

/// The moments of one chunk (or of several merged): count, mean as a double word
/// (hi, lo: the mean is hi + lo, |lo| far below hi's last place), and M2.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Moments {
    n: f64,
    mean: (f64, f64),
    m2: f64,
}

/// s + err = a + b exactly (Knuth's two-sum).
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// Chan et al.: merge two summaries. The difference of the means is taken word by word
/// (hi - hi is exact when the means are close, the case where it matters), and the
/// merged mean is kept as a double word too.
fn chan(a: Moments, b: Moments) -> Moments {
    let n = a.n + b.n;
    let delta = (b.mean.0 - a.mean.0) + (b.mean.1 - a.mean.1);
    let step = delta * (b.n / n);
    let (hi, err) = two_sum(a.mean.0, step);
    let lo = a.mean.1 + err;
    let (hi, lo) = two_sum(hi, lo);
    let m2 = a.m2 + b.m2 + delta * delta * (a.n * b.n / n);
    Moments {
        n,
        mean: (hi, lo),
        m2,
    }
}

fn int_scalar(v: i64, dtype: DType) -> Scalar {
    if dtype.is_unsigned_integer() {
        Scalar::Int(v as u64 as i128)
    } else {
        Scalar::Int(v as i128)
    }
}

/// Write a scalar into element `at` of a typed buffer.
pub fn write(data: &mut Data, at: usize, value: Scalar) {
    kiln_ir::with_data!(data, v => write_elem(v, at, value))
}

fn write_elem<T: Element>(v: &mut [T], at: usize, value: Scalar) {
    v[at] = T::from_scalar(value);
}

#[cfg(test)]
mod tests {
    use super::{chan, Moments};

    #[test]
    fn chan_merge_equals_the_variance_of_the_union() {
        // [1, 2] and [3, 4, 5]: n = 5, mean = 3, M2 = 10.
        let a = Moments {
            n: 2.0,
            mean: (1.5, 0.0),
            m2: 0.5,
        };
        let b = Moments {
            n: 3.0,
            mean: (4.0, 0.0),
            m2: 2.0,
        };
        let m = chan(a, b);
        assert_eq!((m.n, m.mean.0 + m.mean.1, m.m2), (5.0, 3.0, 10.0));
    }

    /// Means that differ only below their last place (1e8 + 2^-30 and 1e8 + 2^-29, both
    /// 1e8 in f64, whose last place there is 2^-26): the correction words carry the
    /// difference, so M2 gets the δ²·na·nb/n it would lose to means rounded to f64.
    #[test]
    fn chan_merge_keeps_the_difference_of_close_means() {
        let hi = 1e8;
        let a = Moments {
            n: 1.0,
            mean: (hi, 2f64.powi(-30)),
            m2: 0.0,
        };
        let b = Moments {
            n: 1.0,
            mean: (hi, 2f64.powi(-29)),
            m2: 0.0,
        };
        let m = chan(a, b);
        // δ = 2^-30, M2 = δ² · 1 · 1 / 2 = 2^-61.
        assert_eq!(m.m2, 2f64.powi(-61));
        assert_eq!(m.mean, (hi, 1.5 * 2f64.powi(-30)));
    }
}
