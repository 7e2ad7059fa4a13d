//! Differential tests: random graphs evaluated by the compiled fused path, the compiled
//! eager path and the reference interpreter must agree — bit for bit where the ops are
//! exact (arithmetic, comparisons, views, max/min/argmax, integer math), within a
//! tolerance where the order of a floating sum differs or a transcendental is involved.
//!
//! Graphs mix elementwise ops, broadcasting (including [N,1] heads), views (permute,
//! flip, strided and reversed slices, reshape, expand_dims), casts (floats to every
//! integer dtype, some scaled to saturate, where the float is exact) and reductions over
//! random axes, on odd shapes: 0-d, empty, size-1 axes, lengths that are not a multiple
//! of the vector width. Inputs include ±0, ±inf and NaN.
//!
//! CI runs `KILN_DIFF_CASES` cases (default 2000). The long campaign:
//! `KILN_DIFF_CASES=1000000 cargo test --release --test differential -- --nocapture`.

use kiln::{Array, DType, Mode, ReduceOpts, SliceArg};

mod common;

use common::Rng;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Un {
    Neg,
    Abs,
    Floor,
    Square,
    SqrtAbs,
    ExpClipped,
    Log1pAbs,
    Sign,
    Ceil,
    Trunc,
    Round,
    Reciprocal,
    /// sqrt of any value (negative ones give NaN).
    Sqrt,
    /// isnan (bool, converted back by the generator).
    IsNan,
    Signbit,
    Sin,
    Cos,
    Tan,
    Tanh,
    /// sinh and cosh of x clipped to [-20, 20] (near the overflow threshold the two
    /// paths may round to the largest float and to infinity).
    SinhClipped,
    CoshClipped,
    Asin,
    Acos,
    Atan,
    Asinh,
    Acosh,
    Atanh,
    ExpM1Clipped,
    Log,
    Log2,
    Log10,
    /// log1p of any value (-1 gives -inf, below it NaN).
    Log1p,
    BitwiseInvert,
    /// not (x > 0), as a bool.
    NotPositive,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Bin {
    Add,
    Sub,
    Mul,
    Div,
    Max,
    Min,
    FloorDiv,
    Rem,
    Greater,
    Equal,
    BitAnd,
    Pow,
    Less,
    LessEqual,
    NotEqual,
    Atan2,
    Hypot,
    LogAddExp,
    CopySign,
    NextAfter,
    BitOr,
    BitXor,
    /// x << (y & 7) and x >> (y & 7): shift counts in range for every integer dtype.
    ShiftLeft,
    ShiftRight,
    /// (x > 0) and (y > 0), as a bool.
    LogicalAnd,
    /// (x > 0) xor (y > 0), as a bool.
    LogicalXor,
    /// (x > 0) == (y > 0), as a bool.
    MaskEqual,
}

impl Red {
    /// Whether the reduction adds or multiplies (its result depends on the order).
    fn sums(self) -> bool {
        matches!(self, Red::Sum | Red::Prod | Red::Mean | Red::Var | Red::Std)
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Red {
    Sum,
    Prod,
    Max,
    Min,
    Mean,
    Var,
    ArgMax,
    ArgMin,
    Any,
    All,
    Std,
}

/// A random expression; `build` makes a fresh kiln graph from it each time.
#[derive(Clone, Debug)]
enum Node {
    Input {
        values: Vec<f64>,
        shape: Vec<usize>,
        dtype: DType,
    },
    Unary(Un, Box<Node>),
    Binary(Bin, Box<Node>, Box<Node>),
    Scalar(Bin, Box<Node>, f64),
    Where(Box<Node>, Box<Node>, Box<Node>),
    Permute(Vec<i64>, Box<Node>),
    Flip(Vec<i64>, Box<Node>),
    Slice(Vec<SliceArg>, Box<Node>),
    Reshape(Vec<i64>, Box<Node>),
    ExpandDims(i64, Box<Node>),
    Broadcast(Vec<usize>, Box<Node>),
    Reduce(Red, Vec<i64>, bool, Box<Node>),
    Cast(DType, Box<Node>),
    /// A matrix product (a library call: the runtime's gemm or row dots against the
    /// interpreter's textbook loop).
    Matmul(Box<Node>, Box<Node>),
    /// `x op reduce(x, axis, keepdims)` on one graph node x: a reduction whose result
    /// the same loop nest reads back (softmax's `x - max(x)`: row-local kernels).
    Local(Bin, Red, i64, Box<Node>),
    /// clip(x, lo, hi) with scalar bounds (either may be absent).
    Clip(Option<f64>, Option<f64>, Box<Node>),
    /// cumulative_sum along an axis.
    CumSum(i64, Box<Node>),
    /// concat([a, b], axis).
    Concat(i64, Box<Node>, Box<Node>),
    /// roll(x, shift, axis).
    Roll(i64, i64, Box<Node>),
}

fn input_array(values: &[f64], shape: &[usize], dtype: DType) -> kiln::Result<Array> {
    let a = kiln::from_vec(values.to_vec(), shape)?;
    if dtype == DType::F64 {
        Ok(a)
    } else {
        kiln::astype(&a, dtype)?.compute_with(Mode::Interpreter)
    }
}

impl Node {
    fn build(&self) -> kiln::Result<Array> {
        Ok(match self {
            Node::Input {
                values,
                shape,
                dtype,
            } => input_array(values, shape, *dtype)?,
            Node::Unary(op, x) => {
                let x = x.build()?;
                match op {
                    Un::Neg => kiln::negative(&x)?,
                    Un::Abs => kiln::abs(&x)?,
                    Un::Floor => kiln::floor(&x)?,
                    Un::Square => kiln::square(&x)?,
                    Un::SqrtAbs => kiln::sqrt(&kiln::abs(&x)?)?,
                    Un::ExpClipped => kiln::exp(&kiln::clip(&x, Some(-20.0), Some(20.0))?)?,
                    Un::Log1pAbs => kiln::log1p(&kiln::abs(&x)?)?,
                    Un::Sign => kiln::sign(&x)?,
                    Un::Ceil => kiln::ceil(&x)?,
                    Un::Trunc => kiln::trunc(&x)?,
                    Un::Round => kiln::round(&x)?,
                    Un::Reciprocal => kiln::reciprocal(&x)?,
                    Un::Sqrt => kiln::sqrt(&x)?,
                    Un::IsNan => kiln::isnan(&x)?,
                    Un::Signbit => kiln::signbit(&not_nan(&x)?)?,
                    Un::Sin => kiln::sin(&x)?,
                    Un::Cos => kiln::cos(&x)?,
                    Un::Tan => kiln::tan(&x)?,
                    Un::Tanh => kiln::tanh(&x)?,
                    Un::SinhClipped => kiln::sinh(&kiln::clip(&x, Some(-20.0), Some(20.0))?)?,
                    Un::CoshClipped => kiln::cosh(&kiln::clip(&x, Some(-20.0), Some(20.0))?)?,
                    Un::Asin => kiln::asin(&x)?,
                    Un::Acos => kiln::acos(&x)?,
                    Un::Atan => kiln::atan(&x)?,
                    Un::Asinh => kiln::asinh(&x)?,
                    Un::Acosh => kiln::acosh(&x)?,
                    Un::Atanh => kiln::atanh(&x)?,
                    Un::ExpM1Clipped => kiln::expm1(&kiln::clip(&x, Some(-20.0), Some(20.0))?)?,
                    Un::Log => kiln::log(&x)?,
                    Un::Log2 => kiln::log2(&x)?,
                    Un::Log10 => kiln::log10(&x)?,
                    Un::Log1p => kiln::log1p(&x)?,
                    Un::BitwiseInvert => kiln::bitwise_invert(&x)?,
                    Un::NotPositive => kiln::logical_not(&positive(&x, x.dtype())?)?,
                }
            }
            Node::Binary(op, a, b) => binary(*op, a.build()?, b.build()?)?,
            Node::Scalar(op, a, s) => {
                let a = a.build()?;
                let s: kiln::Operand = if a.dtype().is_integer() {
                    // Unsigned arrays take non-negative scalars (a negative one is an
                    // error: it does not fit the array's dtype).
                    let s = *s as i64;
                    (if unsigned(a.dtype()) { s.abs() } else { s }).into()
                } else {
                    (*s).into()
                };
                binary_operand(*op, a, s)?
            }
            Node::Where(c, a, b) => {
                let (c, a, b) = (c.build()?, a.build()?, b.build()?);
                let cond = positive(&c, c.dtype())?;
                kiln::where_(&cond, &a, &b)?
            }
            Node::Permute(p, x) => kiln::permute_dims(&x.build()?, p)?,
            Node::Flip(axes, x) => kiln::flip(&x.build()?, axes.clone())?,
            Node::Slice(idx, x) => x.build()?.slice(idx)?,
            Node::Reshape(s, x) => kiln::reshape(&x.build()?, s)?,
            Node::ExpandDims(a, x) => kiln::expand_dims(&x.build()?, *a)?,
            Node::Broadcast(s, x) => kiln::broadcast_to(&x.build()?, s)?,
            Node::Reduce(op, axes, keepdims, x) => {
                let x = x.build()?;
                let x = if op.sums() { tame(&x)? } else { x };
                let opts = ReduceOpts::new()
                    .axes(axes.iter().copied())
                    .keepdims(*keepdims);
                match op {
                    Red::Sum => kiln::sum(&x, opts)?,
                    Red::Prod => kiln::prod(&x, opts)?,
                    Red::Max => kiln::max(&x, opts)?,
                    Red::Min => kiln::min(&x, opts)?,
                    Red::Mean => kiln::mean(&x, opts)?,
                    Red::Var => kiln::var(&x, opts.correction(1.0))?,
                    Red::Std => kiln::std(&x, opts)?,
                    Red::Any => kiln::any(&x, opts)?,
                    Red::All => kiln::all(&x, opts)?,
                    Red::ArgMax | Red::ArgMin => {
                        let o = ReduceOpts::new().keepdims(*keepdims);
                        let o = match axes.first() {
                            Some(&a) => o.axis(a),
                            None => o,
                        };
                        if *op == Red::ArgMax {
                            kiln::argmax(&x, o)?
                        } else {
                            kiln::argmin(&x, o)?
                        }
                    }
                }
            }
            Node::Cast(d, x) => kiln::astype(&x.build()?, *d)?,
            Node::Matmul(a, b) => kiln::matmul(&tame(&a.build()?)?, &b.build()?)?,
            Node::Local(op, red, axis, x) => {
                let x = x.build()?;
                let x = if red.sums() { tame(&x)? } else { x };
                let opts = ReduceOpts::new().axis(*axis).keepdims(true);
                let r = match red {
                    Red::Sum => kiln::sum(&x, opts)?,
                    Red::Max => kiln::max(&x, opts)?,
                    Red::Min => kiln::min(&x, opts)?,
                    Red::Mean => kiln::mean(&x, opts)?,
                    Red::Var => kiln::var(&x, opts)?,
                    _ => unreachable!("not generated"),
                };
                binary(*op, x, r)?
            }
            Node::Clip(lo, hi, x) => {
                let x = x.build()?;
                if x.dtype().is_integer() {
                    let fit = |v: f64| if unsigned(x.dtype()) { v.abs() } else { v } as i64;
                    kiln::clip(&x, lo.map(fit), hi.map(fit))?
                } else {
                    kiln::clip(&x, *lo, *hi)?
                }
            }
            Node::CumSum(axis, x) => {
                let x = tame(&x.build()?)?;
                kiln::cumulative_sum(&x, kiln::CumulativeOpts::new().axis(*axis))?
            }
            Node::Concat(axis, a, b) => kiln::concat(&[&a.build()?, &b.build()?], *axis)?,
            Node::Roll(shift, axis, x) => kiln::roll(&x.build()?, [*shift], *axis)?,
        })
    }

    /// Whether results may legitimately differ in the last bits between backends.
    fn inexact(&self) -> bool {
        match self {
            Node::Input { .. } => false,
            Node::Unary(op, x) => {
                matches!(
                    op,
                    Un::ExpClipped
                        | Un::Log1pAbs
                        | Un::Sin
                        | Un::Cos
                        | Un::Tan
                        | Un::Tanh
                        | Un::SinhClipped
                        | Un::CoshClipped
                        | Un::Asin
                        | Un::Acos
                        | Un::Atan
                        | Un::Asinh
                        | Un::Acosh
                        | Un::Atanh
                        | Un::ExpM1Clipped
                        | Un::Log
                        | Un::Log2
                        | Un::Log10
                        | Un::Log1p
                ) || x.inexact()
            }
            Node::Binary(op, a, b) => {
                matches!(op, Bin::Pow | Bin::Atan2 | Bin::Hypot | Bin::LogAddExp)
                    || a.inexact()
                    || b.inexact()
            }
            Node::Where(_, a, b) => a.inexact() || b.inexact(),
            // Floats sum in another order (gemm's blocks, row dots' partial sums).
            Node::Matmul(a, b) => {
                let float = a
                    .build()
                    .map(|a| a.dtype().is_real_floating())
                    .unwrap_or(false);
                float || a.inexact() || b.inexact()
            }
            Node::Scalar(_, a, _) => a.inexact(),
            Node::Reduce(op, _, _, x) => {
                let float = x
                    .build()
                    .map(|a| a.dtype().is_real_floating())
                    .unwrap_or(false);
                (float && matches!(op, Red::Sum | Red::Prod | Red::Mean | Red::Var | Red::Std))
                    || x.inexact()
            }
            Node::Local(_, red, _, x) => {
                let float = x
                    .build()
                    .map(|a| a.dtype().is_real_floating())
                    .unwrap_or(false);
                (float && matches!(red, Red::Sum | Red::Mean | Red::Var)) || x.inexact()
            }
            Node::CumSum(_, x) => {
                let float = x
                    .build()
                    .map(|a| a.dtype().is_real_floating())
                    .unwrap_or(false);
                float || x.inexact()
            }
            Node::Concat(_, a, b) => a.inexact() || b.inexact(),
            Node::Clip(_, _, x)
            | Node::Roll(_, _, x)
            | Node::Permute(_, x)
            | Node::Flip(_, x)
            | Node::Slice(_, x)
            | Node::Reshape(_, x)
            | Node::ExpandDims(_, x)
            | Node::Broadcast(_, x)
            | Node::Cast(_, x) => x.inexact(),
        }
    }
}

/// Finite elements clipped to ±64 (infinities and NaNs kept), for the operands of
/// sums whose order differs between backends (matmul's lhs, sum-like reductions,
/// cumulative sums). With values far beyond the inputs' range (nextafter(-inf, 0) is
/// -MAX, exp(20) is 5e8), the order decides more than the last bits, and both results
/// are IEEE sums in some order: a product beyond MAX is +inf rounded on its own but
/// exact inside an fma, so a dot product holding it and an opposite infinity is NaN or
/// inf (seed 1802249087, 2026-12-04: gemm's inf, the interpreter's NaN); and big +
/// small - big is 0 in the interpreter's pairwise f32 sum, small in the compiled f64
/// accumulation (seed 1802909376: an f32 mean of a column holding MAX and -MAX, then
/// multiplied by MAX; clipped at 1e30 it still differed by 2e29). At 64 such a
/// cancellation is within the tolerance.
fn tame(x: &Array) -> kiln::Result<Array> {
    if !x.dtype().is_real_floating() {
        return Ok(x.clone());
    }
    let clipped = kiln::clip(x, Some(-64.0), Some(64.0))?;
    kiln::where_(&kiln::isfinite(x)?, &clipped, x)
}

/// NaN elements replaced by +1 (for ops that read a sign bit).
fn not_nan(x: &Array) -> kiln::Result<Array> {
    kiln::where_(&kiln::isnan(x)?, 1.0, x)
}

/// x > 0 (a zero of `dtype`'s kind), as bools.
fn positive(x: impl Into<kiln::Operand>, dtype: DType) -> kiln::Result<Array> {
    let zero: kiln::Operand = if dtype.is_integer() {
        0i64.into()
    } else {
        0.0.into()
    };
    kiln::greater(x, zero)
}

fn binary(op: Bin, a: Array, b: Array) -> kiln::Result<Array> {
    binary_operand(op, a, b.into())
}

fn binary_operand(op: Bin, a: Array, b: kiln::Operand) -> kiln::Result<Array> {
    match op {
        Bin::Add => kiln::add(&a, b),
        Bin::Sub => kiln::subtract(&a, b),
        Bin::Mul => kiln::multiply(&a, b),
        Bin::Div => kiln::divide(&a, b),
        Bin::Max => kiln::maximum(&a, b),
        Bin::Min => kiln::minimum(&a, b),
        Bin::FloorDiv => kiln::floor_divide(&a, b),
        Bin::Rem => kiln::remainder(&a, b),
        Bin::Greater => kiln::greater(&a, b),
        Bin::Equal => kiln::equal(&a, b),
        Bin::BitAnd => kiln::bitwise_and(&a, b),
        Bin::Pow => kiln::pow(&a, b),
        Bin::Less => kiln::less(&a, b),
        Bin::LessEqual => kiln::less_equal(&a, b),
        Bin::NotEqual => kiln::not_equal(&a, b),
        Bin::Atan2 => kiln::atan2(&a, b),
        Bin::Hypot => kiln::hypot(&a, b),
        Bin::LogAddExp => kiln::logaddexp(&a, b),
        // The sign of a NaN is unspecified (IEEE 754, the standard): backends differ in
        // which NaN an invalid operation gives, so the sign source is never NaN here.
        Bin::CopySign => match b {
            kiln::Operand::Array(b) => kiln::copysign(&a, not_nan(&b)?),
            scalar => kiln::copysign(&a, scalar),
        },
        Bin::NextAfter => kiln::nextafter(&a, b),
        Bin::BitOr => kiln::bitwise_or(&a, b),
        Bin::BitXor => kiln::bitwise_xor(&a, b),
        Bin::ShiftLeft | Bin::ShiftRight => {
            let count = match b {
                kiln::Operand::Array(b) => kiln::Operand::Array(kiln::bitwise_and(&b, 7i64)?),
                kiln::Operand::Scalar(s) => kiln::Operand::Scalar(s),
            };
            if op == Bin::ShiftLeft {
                kiln::bitwise_left_shift(&a, count)
            } else {
                kiln::bitwise_right_shift(&a, count)
            }
        }
        Bin::LogicalAnd | Bin::LogicalXor => {
            let pa = positive(&a, a.dtype())?;
            let pb = positive(b, a.dtype())?;
            if op == Bin::LogicalAnd {
                kiln::logical_and(&pa, &pb)
            } else {
                kiln::logical_xor(&pa, &pb)
            }
        }
        Bin::MaskEqual => kiln::equal(&positive(&a, a.dtype())?, &positive(b, a.dtype())?),
    }
}

/// Ops that are discontinuous (rounding, comparisons, signs, floor division) or
/// ill-conditioned somewhere in their domain (the inverse trigonometric and hyperbolic
/// functions near ±1, logarithms near 0, trigonometric functions of large or
/// near-pole arguments): given an operand that may differ from the interpreter's in
/// its last bits, they may differ by far more than a tolerance, rightly. The generator
/// gives them only exact operands.
fn fragile_unary(op: Un) -> bool {
    !matches!(
        op,
        Un::Neg
            | Un::Abs
            | Un::Square
            | Un::SqrtAbs
            | Un::ExpClipped
            | Un::Log1pAbs
            | Un::Reciprocal
            | Un::Sqrt
            | Un::IsNan
            | Un::Atan
            | Un::Asinh
            | Un::BitwiseInvert
    )
}

/// Binary ops that are discontinuous or ill-conditioned (as `fragile_unary`).
fn fragile_binary(op: Bin) -> bool {
    !matches!(
        op,
        Bin::Add | Bin::Sub | Bin::Mul | Bin::Div | Bin::Max | Bin::Min | Bin::Pow | Bin::Hypot
    )
}

/// Whether `d` is an unsigned integer dtype.
fn unsigned(d: DType) -> bool {
    matches!(d, DType::U8 | DType::U16 | DType::U32 | DType::U64)
}

/// Values that stress special cases, mixed with ordinary ones (integers in -20..=20,
/// or 0..=40 for unsigned dtypes).
fn value(rng: &mut Rng, dtype: DType) -> f64 {
    if dtype.is_integer() {
        let v = rng.below(41) as f64;
        return if unsigned(dtype) { v } else { v - 20.0 };
    }
    match rng.below(20) {
        0 => 0.0,
        1 => -0.0,
        2 => f64::INFINITY,
        3 => f64::NEG_INFINITY,
        4 => f64::NAN,
        5 => rng.below(7) as f64 - 3.0,
        _ => (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * 8.0 - 4.0,
    }
}

fn random_shape(rng: &mut Rng) -> Vec<usize> {
    let rank = rng.below(4);
    (0..rank)
        .map(|_| match rng.below(10) {
            0 => 0,
            1 | 2 => 1,
            3 => 5 + rng.below(12), // not a multiple of the vector width
            _ => 2 + rng.below(4),
        })
        .collect()
}

struct Gen {
    rng: Rng,
    dtype: DType,
}

impl Gen {
    fn input(&mut self, shape: Vec<usize>) -> Node {
        let n = shape.iter().product();
        let values = (0..n).map(|_| value(&mut self.rng, self.dtype)).collect();
        Node::Input {
            values,
            shape,
            dtype: self.dtype,
        }
    }

    /// An operand broadcast-compatible with `shape`: the same, with some axes 1, or a suffix.
    fn partner(&mut self, shape: &[usize]) -> Node {
        let s: Vec<usize> = match self.rng.below(4) {
            0 => shape.to_vec(),
            1 => shape
                .iter()
                .map(|&d| if self.rng.chance(0.5) { 1 } else { d })
                .collect(),
            2 => shape[self.rng.below(shape.len() + 1)..].to_vec(),
            _ => {
                // An [N, 1] head against a [1, M] or [M] partner when rank allows.
                let mut s = shape.to_vec();
                if let Some(last) = s.last_mut() {
                    *last = 1;
                }
                s
            }
        };
        self.input(s)
    }

    fn node(&mut self, depth: usize) -> Node {
        if depth == 0 || self.rng.chance(0.2) {
            let shape = random_shape(&mut self.rng);
            return self.input(shape);
        }
        let mut child = self.node(depth - 1);
        let built = child.build().expect("generated nodes are valid");
        if built.dtype() != self.dtype {
            // Comparisons, any and argmax change the dtype: convert back, so every op
            // below sees the case's dtype (and casts get tested on the way).
            child = Node::Cast(self.dtype, Box::new(child));
        }
        let shape = built.shape().to_vec();
        let rank = shape.len() as i64;
        let float = self.dtype.is_real_floating();
        // Results that may differ in the last bits feed only ops that keep such a
        // difference small (see `fragile_unary`).
        let exact = !child.inexact();
        match self.rng.below(18) {
            0 => {
                let ops = if float {
                    vec![
                        Un::Neg,
                        Un::Abs,
                        Un::Floor,
                        Un::Square,
                        Un::SqrtAbs,
                        Un::ExpClipped,
                        Un::Log1pAbs,
                        Un::Sign,
                        Un::Ceil,
                        Un::Trunc,
                        Un::Round,
                        Un::Reciprocal,
                        Un::Sqrt,
                        Un::IsNan,
                        Un::Signbit,
                        Un::Sin,
                        Un::Cos,
                        Un::Tan,
                        Un::Tanh,
                        Un::SinhClipped,
                        Un::CoshClipped,
                        Un::Asin,
                        Un::Acos,
                        Un::Atan,
                        Un::Asinh,
                        Un::Acosh,
                        Un::Atanh,
                        Un::ExpM1Clipped,
                        Un::Log,
                        Un::Log2,
                        Un::Log10,
                        Un::Log1p,
                        Un::NotPositive,
                    ]
                } else {
                    vec![
                        Un::Neg,
                        Un::Abs,
                        Un::Square,
                        Un::Sign,
                        Un::BitwiseInvert,
                        Un::NotPositive,
                    ]
                };
                let ops: Vec<Un> = ops
                    .into_iter()
                    .filter(|&op| exact || !fragile_unary(op))
                    .collect();
                Node::Unary(self.rng.pick(&ops), Box::new(child))
            }
            1 | 2 => {
                let ops = if float {
                    vec![
                        Bin::Add,
                        Bin::Sub,
                        Bin::Mul,
                        Bin::Div,
                        Bin::Max,
                        Bin::Min,
                        Bin::FloorDiv,
                        Bin::Rem,
                        Bin::Greater,
                        Bin::Equal,
                        Bin::Pow,
                        Bin::Less,
                        Bin::LessEqual,
                        Bin::NotEqual,
                        Bin::Atan2,
                        Bin::Hypot,
                        Bin::LogAddExp,
                        Bin::CopySign,
                        Bin::NextAfter,
                        Bin::LogicalAnd,
                        Bin::LogicalXor,
                        Bin::MaskEqual,
                    ]
                } else {
                    vec![
                        Bin::Add,
                        Bin::Sub,
                        Bin::Mul,
                        Bin::Max,
                        Bin::Min,
                        Bin::FloorDiv,
                        Bin::Rem,
                        Bin::BitAnd,
                        Bin::Greater,
                        Bin::Equal,
                        Bin::Less,
                        Bin::NotEqual,
                        Bin::BitOr,
                        Bin::BitXor,
                        Bin::ShiftLeft,
                        Bin::ShiftRight,
                        Bin::LogicalAnd,
                        Bin::LogicalXor,
                        Bin::MaskEqual,
                    ]
                };
                let other = self.partner(&shape);
                let (a, b) = if self.rng.chance(0.5) {
                    (child, other)
                } else {
                    (other, child)
                };
                let ops: Vec<Bin> = ops
                    .into_iter()
                    .filter(|&op| exact || !fragile_binary(op))
                    .collect();
                Node::Binary(self.rng.pick(&ops), Box::new(a), Box::new(b))
            }
            3 => {
                let ops = [Bin::Add, Bin::Mul, Bin::Max, Bin::Sub];
                let s = self.rng.below(5) as f64 - 2.0;
                Node::Scalar(self.rng.pick(&ops), Box::new(child), s)
            }
            4 => {
                let c = self.partner(&shape);
                let other = self.partner(&shape);
                Node::Where(Box::new(c), Box::new(child), Box::new(other))
            }
            5 if rank >= 2 => {
                let mut p: Vec<i64> = (0..rank).collect();
                for i in (1..p.len()).rev() {
                    p.swap(i, self.rng.below(i + 1));
                }
                Node::Permute(p, Box::new(child))
            }
            6 if rank >= 1 => {
                let axes = (0..rank).filter(|_| self.rng.chance(0.5)).collect();
                Node::Flip(axes, Box::new(child))
            }
            7 if rank >= 1 => {
                let idx = (0..rank)
                    .map(|_| {
                        let step = self.rng.pick(&[1i64, 2, 3, -1, -2]);
                        let start = self.rng.pick(&[None, Some(0i64), Some(1), Some(-2)]);
                        let stop = self.rng.pick(&[None, Some(-1i64), Some(3)]);
                        SliceArg::python(start, stop, step)
                    })
                    .collect();
                Node::Slice(idx, Box::new(child))
            }
            8 => match self.rng.below(3) {
                0 => Node::Reshape(vec![-1], Box::new(child)),
                1 => Node::ExpandDims(self.rng.below(shape.len() + 1) as i64, Box::new(child)),
                _ => {
                    let mut s = vec![self.rng.pick(&[1usize, 2, 3])];
                    s.extend(
                        shape
                            .iter()
                            .map(|&d| if d == 1 { self.rng.pick(&[1, 3]) } else { d }),
                    );
                    Node::Broadcast(s, Box::new(child))
                }
            },
            9 | 10 if rank >= 1 => {
                let ops = if float {
                    vec![
                        Red::Sum,
                        Red::Prod,
                        Red::Max,
                        Red::Min,
                        Red::Mean,
                        Red::Var,
                        Red::ArgMax,
                        Red::ArgMin,
                        Red::Any,
                        Red::All,
                        Red::Std,
                    ]
                } else {
                    vec![
                        Red::Sum,
                        Red::Max,
                        Red::Min,
                        Red::ArgMax,
                        Red::ArgMin,
                        Red::Any,
                        Red::All,
                    ]
                };
                let op = self.rng.pick(&ops);
                let mut axes: Vec<i64> = (0..rank).filter(|_| self.rng.chance(0.5)).collect();
                let arg = matches!(op, Red::ArgMax | Red::ArgMin);
                if arg {
                    axes.truncate(1);
                }
                let empty = axes.iter().any(|&a| shape[a as usize] == 0)
                    || (axes.is_empty() && shape.contains(&0));
                if empty && (arg || matches!(op, Red::Max | Red::Min)) {
                    return child;
                }
                Node::Reduce(op, axes, self.rng.chance(0.3), Box::new(child))
            }
            11 => {
                let to = if float && exact && self.rng.chance(0.4) {
                    // Float to integer truncates, so one last-bit difference could
                    // change a whole unit: only exact children convert.
                    self.rng.pick(&[
                        DType::I32,
                        DType::I64,
                        DType::I8,
                        DType::U8,
                        DType::I16,
                        DType::U16,
                        DType::U32,
                        DType::U64,
                    ])
                } else if float || self.rng.chance(0.3) {
                    // (`||` draws the chance only for integer children, as before.)
                    self.rng.pick(&[DType::F32, DType::F64])
                } else {
                    self.rng.pick(&[DType::I32, DType::I64])
                };
                if float && to.is_integer() && self.rng.chance(0.5) {
                    // Scaled (exactly rounded, so still exact) to reach the targets'
                    // bounds: saturation, and fractions that truncate.
                    let scale = self.rng.pick(&[37.5, 1e4, 3e9, 1e19]);
                    child = Node::Scalar(Bin::Mul, Box::new(child), scale);
                }
                Node::Cast(to, Box::new(child))
            }
            12 if rank >= 1 => {
                // child [..., k] @ [k, r], the rhs sometimes a transposed view.
                let k = shape[shape.len() - 1];
                let r = self.rng.pick(&[1usize, 2, 3, 5, 17]);
                let rhs = if self.rng.chance(0.5) {
                    self.input(vec![k, r])
                } else {
                    Node::Permute(vec![1, 0], Box::new(self.input(vec![r, k])))
                };
                Node::Matmul(Box::new(child), Box::new(rhs))
            }
            13 if rank >= 1 => {
                let axis = self.rng.below(rank as usize);
                let (reds, ops) = if float {
                    (
                        vec![Red::Max, Red::Sum, Red::Min, Red::Mean, Red::Var],
                        vec![Bin::Sub, Bin::Div, Bin::Add, Bin::Mul, Bin::Max],
                    )
                } else {
                    (
                        vec![Red::Max, Red::Sum, Red::Min],
                        vec![Bin::Sub, Bin::Add, Bin::Max],
                    )
                };
                let red = self.rng.pick(&reds);
                if shape[axis] == 0 && matches!(red, Red::Max | Red::Min) {
                    return child;
                }
                let op = self.rng.pick(&ops);
                Node::Local(op, red, axis as i64, Box::new(child))
            }
            14 => {
                let lo = self.rng.chance(0.7).then(|| self.rng.below(5) as f64 - 3.0);
                let hi = self.rng.chance(0.7).then(|| self.rng.below(5) as f64 - 1.0);
                Node::Clip(lo, hi, Box::new(child))
            }
            15 if rank >= 1 => {
                let axis = self.rng.below(rank as usize) as i64;
                Node::CumSum(axis, Box::new(child))
            }
            16 if rank >= 1 => {
                let axis = self.rng.below(rank as usize);
                let mut s = shape.clone();
                s[axis] = self.rng.pick(&[0usize, 1, 2, 7]);
                let other = self.input(s);
                let (a, b) = if self.rng.chance(0.5) {
                    (child, other)
                } else {
                    (other, child)
                };
                Node::Concat(axis as i64, Box::new(a), Box::new(b))
            }
            17 if rank >= 1 => {
                let axis = self.rng.below(rank as usize) as i64;
                let shift = self.rng.below(7) as i64 - 3;
                Node::Roll(shift, axis, Box::new(child))
            }
            _ => child,
        }
    }
}

/// Values of an array as f64 (after computing it in `mode`).
fn values(node: &Node, mode: Mode) -> (Vec<usize>, DType, Vec<f64>) {
    let a = node.build().expect("valid");
    a.compute_with(mode)
        .unwrap_or_else(|e| panic!("{mode:?} failed on {node:?}: {e}"));
    (a.shape().to_vec(), a.dtype(), widened(&a))
}

/// The values of a computed array, as f64 (exact for floats and most integers).
fn widened(a: &Array) -> Vec<f64> {
    kiln::astype(a, DType::F64)
        .expect("cast")
        .compute_with(Mode::Interpreter)
        .expect("cast")
        .to_vec::<f64>()
        .expect("f64")
}

/// `a` computed in `mode`, as f64.
fn computed(a: &Array, mode: Mode) -> Vec<f64> {
    a.compute_with(mode)
        .unwrap_or_else(|e| panic!("{mode:?} failed: {e}"));
    widened(a)
}

/// Agreement for the edge tests: NaN with NaN, ±inf and ±0 bit for bit, other values
/// within `eps` relative.
fn agree_within(got: f64, want: f64, eps: f64) -> bool {
    if got.is_nan() || want.is_nan() {
        return got.is_nan() && want.is_nan();
    }
    if !got.is_finite() || !want.is_finite() || got == 0.0 || want == 0.0 {
        return got.to_bits() == want.to_bits();
    }
    (got - want).abs() <= eps * want.abs()
}

fn same(a: f64, b: f64, tol: Option<f64>, scale: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    match tol {
        None => a.to_bits() == b.to_bits(),
        Some(t) => a == b || (a - b).abs() <= t * (a.abs().max(b.abs()) + scale),
    }
}

fn check_case(seed: u64) {
    let mut rng = Rng(seed);
    let dtype = rng.pick(&[
        DType::F64,
        DType::F32,
        DType::F64,
        DType::F32,
        DType::F64,
        DType::F32,
        DType::I32,
        DType::I64,
        DType::I8,
        DType::I16,
        DType::U8,
        DType::U16,
        DType::U32,
        DType::U64,
    ]);
    let mut g = Gen { rng, dtype };
    let depth = 1 + g.rng.below(4);
    let node = g.node(depth);
    let (shape, want_dtype, want) = values(&node, Mode::Interpreter);
    let f32_involved = format!("{node:?}").contains("F32");
    let tol = node
        .inexact()
        .then_some(if f32_involved { 2e-5 } else { 1e-11 });
    let scale = want
        .iter()
        .filter(|v| v.is_finite())
        .fold(1.0f64, |m, v| m.max(v.abs()));
    for mode in [Mode::Fused, Mode::Eager] {
        let (s, d, got) = values(&node, mode);
        assert_eq!(
            (s.as_slice(), d),
            (shape.as_slice(), want_dtype),
            "seed {seed} {mode:?}: {node:?}"
        );
        for (i, (&x, &y)) in got.iter().zip(&want).enumerate() {
            assert!(
                same(x, y, tol, scale),
                "seed {seed}, {mode:?}, element {i}: got {x:?}, interpreter {y:?}\n{node:?}"
            );
        }
    }
}

fn cases() -> u64 {
    std::env::var("KILN_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

#[test]
fn random_graphs_agree_with_the_interpreter_in_fused_and_eager_modes() {
    let n = cases();
    let base = std::env::var("KILN_DIFF_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x6b69_6c6e);
    for i in 0..n {
        check_case(base + i);
    }
    eprintln!("{n} random graphs agreed (seeds {base}..{})", base + n);
}

/// Random graphs again, with the outputs of every light elementwise kernel staged and
/// streamed (runtime's `stream.rs`; by default only outputs larger than the last-level
/// cache are): odd shapes, size-1 axes and every dtype through the redirected output
/// pointers. (Tests running beside this one in the same process, under `cargo test`,
/// stream too while it runs, with the same results; it restores the default.)
#[test]
fn random_graphs_agree_with_the_interpreter_with_outputs_streamed() {
    kiln::set_stream_min_bytes(1);
    // The setting reaches graphs this small: a light kernel of 85 points is streamed.
    let x = kiln::from_vec(vec![0.5f64; 85], [17, 5]).unwrap();
    let y = (&x + 1.0).unwrap();
    let stats = kiln::eval_with(&[&y], Mode::Fused).unwrap();
    assert_eq!(stats.streamed, 1, "{stats:?}");
    let n = cases().div_ceil(4);
    let base = 0x7374_7265;
    for i in 0..n {
        check_case(base + i);
    }
    kiln::set_stream_min_bytes(0);
    eprintln!(
        "{n} random graphs agreed with outputs streamed (seeds {base}..{})",
        base + n
    );
}

/// Every real unary function and the binary math functions on extreme arguments
/// (±MAX, huge, just past the ranges of the fast reductions, the smallest normals,
/// subnormals, ±0, ±inf, NaN), in vectors with a scalar tail, fused and eager against
/// the interpreter: within 4 ulp (relative 2^-21 / 2^-50), and NaN, ±inf and ±0
/// where the interpreter has them. The random graphs keep their inputs small (a last-
/// bit difference in a huge intermediate may rightly become a large one after a
/// cancellation), so extreme arguments are checked here, one function at a time.
#[test]
fn extreme_arguments_agree_with_the_interpreter() {
    type Un = fn(&Array) -> kiln::Result<Array>;
    type Bi = fn(&Array, &Array) -> kiln::Result<Array>;
    let unary: [(&str, Un); 24] = [
        ("exp", kiln::exp),
        ("expm1", kiln::expm1),
        ("log", kiln::log),
        ("log1p", kiln::log1p),
        ("log2", kiln::log2),
        ("log10", kiln::log10),
        ("sqrt", kiln::sqrt),
        ("sin", kiln::sin),
        ("cos", kiln::cos),
        ("tan", kiln::tan),
        ("asin", kiln::asin),
        ("acos", kiln::acos),
        ("atan", kiln::atan),
        ("sinh", kiln::sinh),
        ("cosh", kiln::cosh),
        ("tanh", kiln::tanh),
        ("asinh", kiln::asinh),
        ("acosh", kiln::acosh),
        ("atanh", kiln::atanh),
        ("reciprocal", kiln::reciprocal),
        ("square", kiln::square),
        ("round", kiln::round),
        ("ceil", kiln::ceil),
        ("trunc", kiln::trunc),
    ];
    let binary: [(&str, Bi); 4] = [
        ("atan2", |a, b| kiln::atan2(a, b)),
        ("hypot", |a, b| kiln::hypot(a, b)),
        ("logaddexp", |a, b| kiln::logaddexp(a, b)),
        ("pow", |a, b| kiln::pow(a, b)),
    ];
    for dtype in [DType::F32, DType::F64] {
        let (max, min_normal, min_sub, limit, eps) = if dtype == DType::F32 {
            let m = f32::MAX as f64;
            (
                m,
                f32::MIN_POSITIVE as f64,
                2f64.powi(-149),
                3.2e6,
                2f64.powi(-21),
            )
        } else {
            (
                f64::MAX,
                f64::MIN_POSITIVE,
                2f64.powi(-1074),
                1.2e15,
                2f64.powi(-50),
            )
        };
        let mut xs = vec![
            max,
            max * 0.7,
            1e30_f64.min(max),
            1e20,
            1e10,
            limit,
            limit * 3.7,
            88.9,
            709.9,
            710.5,
            min_normal,
            min_normal * 0.5,
            min_sub,
            min_sub * 3.0,
            1.0,
            0.0,
            f64::INFINITY,
            f64::NAN,
        ];
        xs.extend(xs.clone().iter().map(|x| -x));
        let input = |v: &[f64]| input_array(v, &[v.len()], dtype).expect("input");
        let read = computed;
        let agree = |x: f64, y: f64| agree_within(x, y, eps);
        let mut bad = Vec::new();
        for (name, f) in unary {
            let build = || f(&input(&xs)).expect(name);
            let want = read(&build(), Mode::Interpreter);
            for mode in [Mode::Fused, Mode::Eager] {
                for ((x, g), w) in xs.iter().zip(read(&build(), mode)).zip(&want) {
                    if !agree(g, *w) {
                        bad.push(format!(
                            "{name}({x:e}) {dtype} {mode:?}: {g:e}, interpreter {w:e}"
                        ));
                    }
                }
            }
        }
        // Every pair of the extreme values, for the binary functions.
        let (a, b): (Vec<f64>, Vec<f64>) = xs
            .iter()
            .flat_map(|&x| xs.iter().map(move |&y| (x, y)))
            .unzip();
        for (name, f) in binary {
            let build = || f(&input(&a), &input(&b)).expect(name);
            let want = read(&build(), Mode::Interpreter);
            for mode in [Mode::Fused, Mode::Eager] {
                for (((x, y), g), w) in a.iter().zip(&b).zip(read(&build(), mode)).zip(&want) {
                    if !agree(g, *w) {
                        bad.push(format!(
                            "{name}({x:e}, {y:e}) {dtype} {mode:?}: {g:e}, interpreter {w:e}"
                        ));
                    }
                }
            }
        }
        assert!(
            bad.is_empty(),
            "{} disagreements:\n{}",
            bad.len(),
            bad.join("\n")
        );
    }
}

/// Integer arithmetic at the edges of every integer dtype (MIN, MIN + 1, -1, 0, 1,
/// MAX - 1, MAX and small values; every pair for the binary ops), shifts by counts
/// up to past the width, and casts of extreme values between every pair of integer
/// dtypes and from floats (±inf, NaN, huge, fractional): fused and eager bit for bit
/// against the interpreter. (What the standard leaves to the implementation, such as
/// the result of an out-of-range float-to-integer cast, kiln defines once, and every
/// backend must give the same.)
#[test]
fn integer_edges_agree_with_the_interpreter() {
    type Bi = fn(&Array, &Array) -> kiln::Result<Array>;
    type Un = fn(&Array) -> kiln::Result<Array>;
    let ints: Vec<DType> = DType::ALL.into_iter().filter(|d| d.is_integer()).collect();
    // Every pair (x, y) of two lists, as two columns and their labels.
    let grid = |xs: &[i128], ys: &[i128]| {
        let (a, b): (Vec<i128>, Vec<i128>) = xs
            .iter()
            .flat_map(|&x| ys.iter().map(move |&y| (x, y)))
            .unzip();
        let labels: Vec<String> = a
            .iter()
            .zip(&b)
            .map(|(x, y)| format!("({x}, {y})"))
            .collect();
        (a, b, labels)
    };
    let binary: [(&str, Bi); 17] = [
        ("add", |a, b| kiln::add(a, b)),
        ("pow", |a, b| kiln::pow(a, b)),
        ("subtract", |a, b| kiln::subtract(a, b)),
        ("multiply", |a, b| kiln::multiply(a, b)),
        ("floor_divide", |a, b| kiln::floor_divide(a, b)),
        ("remainder", |a, b| kiln::remainder(a, b)),
        ("maximum", |a, b| kiln::maximum(a, b)),
        ("minimum", |a, b| kiln::minimum(a, b)),
        ("bitwise_and", |a, b| kiln::bitwise_and(a, b)),
        ("bitwise_or", |a, b| kiln::bitwise_or(a, b)),
        ("bitwise_xor", |a, b| kiln::bitwise_xor(a, b)),
        ("less", |a, b| kiln::less(a, b)),
        ("equal", |a, b| kiln::equal(a, b)),
        ("greater_equal", |a, b| kiln::greater_equal(a, b)),
        ("greater", |a, b| kiln::greater(a, b)),
        ("less_equal", |a, b| kiln::less_equal(a, b)),
        // a quotient computed on in the same kernel: MIN // -1 must have wrapped
        ("floor_divide then less than 1", |a, b| {
            kiln::less(&kiln::floor_divide(a, b)?, 1)
        }),
    ];
    let unary: [(&str, Un); 5] = [
        ("negative", kiln::negative),
        ("abs", kiln::abs),
        ("sign", kiln::sign),
        ("square", kiln::square),
        ("bitwise_invert", kiln::bitwise_invert),
    ];
    // Values as i128, cast into the dtype by the interpreter (wrapping where needed).
    let edges = |d: DType| -> Vec<i128> {
        let bits = 8 * d.size_bytes() as u32;
        let (min, max): (i128, i128) = if unsigned(d) {
            (0, (1i128 << bits) - 1)
        } else {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        };
        let mut v = vec![min, min + 1, max - 1, max, 0, 1, 2, 3, 7];
        if !unsigned(d) {
            v.extend([-1, -2, -3, -7]);
        }
        v
    };
    let array = |v: &[i128], d: DType| -> Array {
        // Through i64 / u64 data, then a cast the interpreter performs.
        let a = if d == DType::U64 {
            kiln::from_vec(v.iter().map(|&x| x as u64).collect::<Vec<_>>(), [v.len()])
        } else {
            kiln::from_vec(v.iter().map(|&x| x as i64).collect::<Vec<_>>(), [v.len()])
        }
        .expect("input");
        kiln::astype(&a, d)
            .expect("astype")
            .compute_with(Mode::Interpreter)
            .expect("cast")
    };
    // The bits of any result, as i128 through an i64/u64/f64/bool read.
    let read = |a: &Array, mode: Mode| -> kiln::Result<Vec<i128>> {
        a.compute_with(mode)?;
        common::bits(a, false)
    };
    let mut bad = Vec::new();
    let mut check = |what: String, build: &dyn Fn() -> kiln::Result<Array>, inputs: &[String]| {
        let want = build().and_then(|a| read(&a, Mode::Interpreter));
        for mode in [Mode::Fused, Mode::Eager] {
            let got = build().and_then(|a| read(&a, mode));
            match (&want, &got) {
                (Ok(w), Ok(g)) => {
                    for ((x, g), w) in inputs.iter().zip(g).zip(w) {
                        if g != w {
                            bad.push(format!("{what}{x} {mode:?}: {g}, interpreter {w}"));
                        }
                    }
                }
                (Err(_), Err(_)) => {}
                (w, g) => bad.push(format!("{what} {mode:?}: {g:?}, interpreter {w:?}")),
            }
        }
    };
    for &d in &ints {
        let v = edges(d);
        let (a, b, pairs) = grid(&v, &v);
        for (name, f) in binary {
            let (aa, bb) = (array(&a, d), array(&b, d));
            check(format!("{name} {d} "), &|| f(&aa, &bb), &pairs);
        }
        // The edge values repeated to 37 (LONG) in a shuffled order, so that every
        // value reaches the vector loop (four lanes unrolled by two or four) and the
        // scalar tail: the elementwise cases below run on `long`.
        const LONG: usize = 37;
        let long: Vec<i128> = (0..LONG).map(|j| v[(5 * j) % v.len()]).collect();
        let singles: Vec<String> = long.iter().map(|x| format!("({x})")).collect();
        for (name, f) in unary {
            let x = array(&long, d);
            check(format!("{name} {d} "), &|| f(&x), &singles);
        }
        // Reductions over all and along each axis of a [n, LONG] matrix whose every
        // row holds the edge values in another order (rows long enough for the
        // unrolled vector loop), and where(x > y, x, y) of the pairs.
        let reductions: [(&str, Un); 16] = [
            ("max", |x| kiln::max(x, ())),
            ("min", |x| kiln::min(x, ())),
            ("sum", |x| kiln::sum(x, ())),
            ("any", |x| kiln::any(x, ())),
            ("argmax", |x| kiln::argmax(x, ())),
            ("argmin", |x| kiln::argmin(x, ())),
            ("max axis 1", |x| kiln::max(x, 1)),
            ("min axis 1", |x| kiln::min(x, 1)),
            ("sum axis 1", |x| kiln::sum(x, 1)),
            ("argmax axis 1", |x| kiln::argmax(x, 1)),
            ("argmin axis 1", |x| kiln::argmin(x, 1)),
            ("max axis 0", |x| kiln::max(x, 0)),
            ("min axis 0", |x| kiln::min(x, 0)),
            ("sum axis 0", |x| kiln::sum(x, 0)),
            ("argmax axis 0", |x| kiln::argmax(x, 0)),
            ("argmin axis 0", |x| kiln::argmin(x, 0)),
        ];
        let rows: Vec<i128> = (0..v.len() * LONG)
            .map(|i| v[(5 * (i % LONG) + i / LONG) % v.len()])
            .collect();
        let matrix =
            kiln::reshape(&array(&rows, d), [v.len() as i64, LONG as i64]).expect("reshape");
        for (name, f) in reductions {
            let n = match name {
                _ if name.ends_with("axis 1") => v.len(),
                _ if name.ends_with("axis 0") => LONG,
                _ => 1,
            };
            check(
                format!("{name} {d} "),
                &|| f(&matrix),
                &vec![String::new(); n],
            );
        }
        // Column reductions of a tall [TALL, 5] matrix: five positions of many rows,
        // reduced in chunks of rows whose partial states are combined afterwards
        // (the runtime's `split_columns`: 5·TALL >= 2·2^17 elements).
        const TALL: usize = 60_000;
        let tall: Vec<i128> = (0..TALL * 5)
            .map(|i| v[(3 * (i / 5) + 7 * (i % 5)) % v.len()])
            .collect();
        let tall = kiln::reshape(&array(&tall, d), [TALL as i64, 5]).expect("reshape");
        let columns: [(&str, Un); 5] = [
            ("max axis 0 of a tall matrix", |x| kiln::max(x, 0)),
            ("min axis 0 of a tall matrix", |x| kiln::min(x, 0)),
            ("argmax axis 0 of a tall matrix", |x| kiln::argmax(x, 0)),
            ("argmin axis 0 of a tall matrix", |x| kiln::argmin(x, 0)),
            ("sum axis 0 of a tall matrix", |x| kiln::sum(x, 0)),
        ];
        for (name, f) in columns {
            check(
                format!("{name} {d} "),
                &|| f(&tall),
                &vec![String::new(); 5],
            );
        }
        // A wide [16, WIDE] matrix whose every column holds one edge value: column
        // walks over several blocks and chunks of positions (their results written
        // next to each other by different threads), the last block ending in a
        // scalar tail whose elements meet the slot's identity (each column is its own
        // max and min, so the identity must be neutral, and argmax and argmin must keep
        // the first row). An 8/16-bit result written a
        // lane wide, or a signed tail element not extended to the lane (it then met
        // the identity's low bits), made this fail.
        const WIDE: usize = 2503;
        let wide: Vec<i128> = (0..16 * WIDE).map(|i| v[(i % WIDE) % v.len()]).collect();
        let wide = kiln::reshape(&array(&wide, d), [16, WIDE as i64]).expect("reshape");
        for (name, f) in &columns[..4] {
            let name = name.replace("a tall", "a wide");
            check(
                format!("{name} {d} "),
                &|| f(&wide),
                &vec![String::new(); WIDE],
            );
        }
        // Its transpose's layout as data, [WIDE, 3]: rows of one edge value, shorter
        // than a vector step, so each row's result folds the untouched vector lanes
        // (their identity) with its three elements.
        let short: Vec<i128> = (0..WIDE * 3).map(|i| v[(i / 3) % v.len()]).collect();
        let short = kiln::reshape(&array(&short, d), [WIDE as i64, 3]).expect("reshape");
        let rows: [(&str, Un); 4] = [
            ("max axis 1 of short rows", |x| kiln::max(x, 1)),
            ("min axis 1 of short rows", |x| kiln::min(x, 1)),
            ("argmax axis 1 of short rows", |x| kiln::argmax(x, 1)),
            ("argmin axis 1 of short rows", |x| kiln::argmin(x, 1)),
        ];
        for (name, f) in rows {
            check(
                format!("{name} {d} "),
                &|| f(&short),
                &vec![String::new(); WIDE],
            );
        }
        let aa = array(&a, d);
        let bb = array(&b, d);
        check(
            format!("where(x > y, x, y) {d} "),
            &|| kiln::where_(&kiln::greater(&aa, &bb)?, &aa, &bb),
            &pairs,
        );
        // Shifts by 0..=bits+1 (negative counts for signed types are errors or
        // defined by kiln; both paths must agree either way).
        let bits = 8 * d.size_bytes() as i128;
        let counts: Vec<i128> = (0..=bits + 1).collect();
        let (a, c, shifts) = grid(&v, &counts);
        let (aa, cc) = (array(&a, d), array(&c, d));
        check(
            format!("bitwise_left_shift {d} "),
            &|| kiln::bitwise_left_shift(&aa, &cc),
            &shifts,
        );
        check(
            format!("bitwise_right_shift {d} "),
            &|| kiln::bitwise_right_shift(&aa, &cc),
            &shifts,
        );
        // The same counts as constants (which vector kernels shift every lane by),
        // and -1 and -bits for signed types, on the edge values.
        let x = array(&long, d);
        let negative: &[i128] = if unsigned(d) { &[] } else { &[-1, -bits] };
        for &c in counts.iter().chain(negative) {
            let c = c as i64;
            check(
                format!("bitwise_left_shift by {c} {d} "),
                &|| kiln::bitwise_left_shift(&x, c),
                &singles,
            );
            check(
                format!("bitwise_right_shift by {c} {d} "),
                &|| kiln::bitwise_right_shift(&x, c),
                &singles,
            );
        }
        // Casts to both floats (u32's max rounds up in f32).
        for to in [DType::F32, DType::F64] {
            let x = array(&long, d);
            check(
                format!("astype {d} -> {to} "),
                &|| kiln::astype(&x, to),
                &singles,
            );
        }
        // Casts from this dtype to every integer dtype, and from extreme floats.
        for &to in &ints {
            let x = array(&long, d);
            check(
                format!("astype {d} -> {to} "),
                &|| kiln::astype(&x, to),
                &singles,
            );
        }
    }
    let floats = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e300,
        -1e300,
        3e19,
        -3e19,
        9.3e18,
        4.3e9,
        -2.2e9,
        65535.5,
        -0.5,
        -0.0,
        0.99,
        -128.7,
        255.9,
    ];
    let fl: Vec<String> = floats.iter().map(|x| format!("({x:e})")).collect();
    for from in [DType::F32, DType::F64] {
        for &to in &ints {
            let x = kiln::astype(
                &kiln::from_vec(floats.to_vec(), [floats.len()]).unwrap(),
                from,
            )
            .unwrap()
            .compute_with(Mode::Interpreter)
            .unwrap();
            check(
                format!("astype {from} -> {to} "),
                &|| kiln::astype(&x, to),
                &fl,
            );
        }
    }
    assert!(
        bad.is_empty(),
        "{} disagreements:\n{}",
        bad.len(),
        bad.iter().take(60).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// Reductions over arrays of extreme values (±MAX, huge, subnormal, ±0, ±inf, NaN,
/// ordinary ones) along each axis and over all, keepdims or not: fused and eager
/// against the interpreter, within 2^-20 / 2^-48 relative (float sums may be added
/// in another order), and NaN, ±inf and ±0 where the interpreter has them.
#[test]
fn reductions_of_extreme_values_agree_with_the_interpreter() {
    type Red = fn(&Array, ReduceOpts) -> kiln::Result<Array>;
    let reductions: [(&str, Red); 9] = [
        ("sum", |x, o| kiln::sum(x, o)),
        ("prod", |x, o| kiln::prod(x, o)),
        ("mean", |x, o| kiln::mean(x, o)),
        ("var", |x, o| kiln::var(x, o)),
        ("std", |x, o| kiln::std(x, o.correction(1.0))),
        ("max", |x, o| kiln::max(x, o)),
        ("min", |x, o| kiln::min(x, o)),
        ("argmax", |x, o| kiln::argmax(x, o)),
        ("argmin", |x, o| kiln::argmin(x, o)),
    ];
    for dtype in [DType::F32, DType::F64] {
        let (max, sub, eps) = if dtype == DType::F32 {
            (f32::MAX as f64, 2f64.powi(-140), 2f64.powi(-20))
        } else {
            (f64::MAX, 2f64.powi(-1070), 2f64.powi(-48))
        };
        let pool = [
            max,
            -max,
            max * 0.5,
            1e30,
            -1e20,
            sub,
            -sub,
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1.5,
            -2.25,
            3.0,
        ];
        // Rows chosen so that some hold only finite values, some overflow, some
        // hold NaN or both infinities: 13 × 11 values drawn from the pool.
        let (rows, cols) = (13, 11);
        let values: Vec<f64> = (0..rows * cols)
            .map(|i| {
                let r = i / cols;
                if r < 4 {
                    pool[[12, 13, 14, 5, 6, 7, 8][(i * 7 + r) % 7]]
                } else {
                    pool[(i * 11 + r * 5) % pool.len()]
                }
            })
            .collect();
        let input = || input_array(&values, &[rows, cols], dtype).expect("input");
        let read = computed;
        let mut bad = Vec::new();
        for (name, f) in reductions {
            let arg = name.starts_with("arg");
            let axes: Vec<Option<i64>> = vec![Some(0), Some(1), Some(-1), None];
            for axis in axes {
                for keepdims in [false, true] {
                    if arg && keepdims && axis.is_none() {
                        continue;
                    }
                    let opts = || {
                        let o = ReduceOpts::new().keepdims(keepdims);
                        match axis {
                            Some(a) => o.axis(a),
                            None => o,
                        }
                    };
                    let want = read(&f(&input(), opts()).expect(name), Mode::Interpreter);
                    for mode in [Mode::Fused, Mode::Eager] {
                        let got = read(&f(&input(), opts()).expect(name), mode);
                        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                            if !agree_within(*g, *w, eps) {
                                bad.push(format!(
                                    "{name} {dtype} axis {axis:?} keepdims {keepdims} {mode:?} [{i}]: {g:e}, interpreter {w:e}"
                                ));
                            }
                        }
                    }
                }
            }
        }
        assert!(
            bad.is_empty(),
            "{} disagreements:\n{}",
            bad.len(),
            bad.join("\n")
        );
    }
}
