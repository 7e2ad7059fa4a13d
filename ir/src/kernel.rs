//! Kernel programs: one fused loop nest, target-neutral.
//!
//! A `Kernel` walks a loop nest of `rank` axes (the last innermost). At each point it
//! evaluates a small SSA program (`instrs`) whose leaves are loads through affine
//! `Access`es, constants and index values, and either stores results (`stores`) or
//! folds them into reductions over the trailing `reduced` axes (`reductions`).
//!
//! The kernel is the *structure* only: ops, dtypes, rank and each access's stride
//! pattern (zero / unit / other per axis). Sizes, strides and offsets are run-time
//! `KernelParams`, so one compiled kernel serves every size (the cache key is the
//! `Kernel` itself). The Cranelift and CUDA emitters consume this same program.

use crate::dtype::DType;
use crate::op::{BinaryOp, ReduceOp, UnaryOp};
use crate::scalar::Scalar;
use smallvec::SmallVec;
use std::fmt;

/// How one access's address moves along one loop axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stride {
    /// Does not move (a broadcast axis).
    Zero,
    /// Moves one element per step.
    Unit,
    /// Moves by a run-time stride.
    Other,
}

impl Stride {
    pub fn of(stride: isize) -> Stride {
        match stride {
            0 => Stride::Zero,
            1 => Stride::Unit,
            _ => Stride::Other,
        }
    }
}

/// An affine map from the loop index to an element offset in a buffer (or, for an
/// index value, to the value itself).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Access {
    /// The kernel argument (index into `Kernel::args`); unused for index values.
    pub arg: usize,
    /// Per loop axis.
    pub strides: SmallVec<[Stride; 4]>,
}

/// The run-time numbers of an access.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessParams {
    pub offset: i64,
    pub strides: SmallVec<[i64; 4]>,
}

/// An SSA value of the kernel body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Value(pub u32);

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Instr {
    /// The element at the access's address.
    Load {
        access: usize,
    },
    /// A constant, converted to the instruction's dtype.
    Const(Scalar),
    /// The access's address itself, as a number (an iota).
    Index {
        access: usize,
    },
    Unary(UnaryOp, Value),
    Binary(BinaryOp, Value, Value),
    /// where(cond, a, b).
    Select(Value, Value, Value),
    /// a·b + c rounded once.
    Fma(Value, Value, Value),
    /// Convert to the instruction's dtype.
    Cast(Value),
    /// The result of reduction `reduction` of this kernel at the current kept point,
    /// finished in an earlier phase (row-local kernels: softmax's max, then its sum).
    Reduced {
        reduction: usize,
    },
}

/// A kernel argument: a buffer read or written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Arg {
    pub dtype: DType,
    pub output: bool,
}

/// An elementwise result written at every point.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Store {
    pub access: usize,
    pub value: Value,
    /// For a row-local kernel: `Some(p)` stores during phase p's pass (a stash of a
    /// value the final pass reads back instead of recomputing); `None` stores in the
    /// final pass (and at every point of an elementwise kernel).
    pub phase: Option<usize>,
}

/// A reduction of `value` over the trailing `Kernel::reduced` axes, written through
/// `access` (which does not move along the reduced axes).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reduction {
    pub op: ReduceOp,
    pub value: Value,
    pub access: usize,
    /// Var's degrees-of-freedom correction, as f64 bits.
    pub correction_bits: u64,
    /// Which pass over the reduced axes computes it: 0, or one more than the latest
    /// reduction whose result it reads. Stores run in a pass after every phase.
    pub phase: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Kernel {
    /// Number of loop axes.
    pub rank: usize,
    /// How many trailing axes are reduced (0 for an elementwise kernel).
    pub reduced: usize,
    pub args: Vec<Arg>,
    pub accesses: Vec<Access>,
    /// The body, with each value's dtype.
    pub instrs: Vec<(Instr, DType)>,
    pub stores: Vec<Store>,
    pub reductions: Vec<Reduction>,
}

/// The run-time numbers of one kernel launch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelParams {
    /// Size of each loop axis.
    pub dims: SmallVec<[i64; 4]>,
    /// One per `Kernel::accesses`.
    pub accesses: Vec<AccessParams>,
}

impl Instr {
    /// The values the instruction reads, in order.
    pub fn operands(&self) -> Vec<Value> {
        match *self {
            Instr::Unary(_, x) | Instr::Cast(x) => vec![x],
            Instr::Binary(_, x, y) => vec![x, y],
            Instr::Select(a, b, c) | Instr::Fma(a, b, c) => vec![a, b, c],
            Instr::Load { .. } | Instr::Const(_) | Instr::Index { .. } | Instr::Reduced { .. } => {
                vec![]
            }
        }
    }
}

impl Kernel {
    pub fn dtype(&self, v: Value) -> DType {
        self.instrs[v.0 as usize].1
    }

    /// A rough cost of the body per loop point, in units of a cheap operation (an add,
    /// a load, a store): a division or square root counts 4, a transcendental function
    /// 40 (sin and exp take tens of cheap operations' time). The runtime sizes the
    /// chunks of every kernel but a full var by it, so that a costly body on a modest
    /// array still runs on every core.
    pub fn work_per_point(&self) -> u64 {
        use crate::op::{BinaryOp as B, UnaryOp as U};
        let instr = |i: &Instr| -> u64 {
            match i {
                Instr::Unary(u, _) if u.is_cheap() => 1,
                Instr::Unary(U::Sqrt | U::Reciprocal, _) => 4,
                Instr::Unary(..) => 40,
                Instr::Binary(b, ..) if b.is_function() => 40,
                Instr::Binary(B::Divide | B::FloorDivide | B::Remainder, ..) => 4,
                _ => 1,
            }
        };
        self.instrs.iter().map(|(i, _)| instr(i)).sum::<u64>() + self.stores.len() as u64
    }
}

fn strides_text(s: &[Stride]) -> String {
    s.iter()
        .map(|k| match k {
            Stride::Zero => '0',
            Stride::Unit => '1',
            Stride::Other => 's',
        })
        .collect()
}

/// A readable listing of the kernel: the loop nest, the accesses with their stride
/// pattern per axis (`0` broadcast, `1` unit, `s` strided), and the body.
impl fmt::Display for Kernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.reduced == 0 {
            "elementwise".to_string()
        } else {
            format!("reduce over the last {}", self.reduced)
        };
        writeln!(f, "kernel rank {} ({kind})", self.rank)?;
        for (i, a) in self.args.iter().enumerate() {
            let role = if a.output { "out" } else { "in" };
            writeln!(f, "  arg{i}: {role} {}", a.dtype)?;
        }
        for (i, a) in self.accesses.iter().enumerate() {
            writeln!(f, "  a{i} = arg{}[{}]", a.arg, strides_text(&a.strides))?;
        }
        for (i, (ins, dtype)) in self.instrs.iter().enumerate() {
            let rhs = match ins {
                Instr::Load { access } => format!("load a{access}"),
                Instr::Const(s) => format!("const {s}"),
                Instr::Index { access } => format!("index a{access}"),
                Instr::Unary(op, x) => format!("{} {x}", op.name()),
                Instr::Binary(op, x, y) => format!("{} {x}, {y}", op.name()),
                Instr::Select(c, x, y) => format!("where {c}, {x}, {y}"),
                Instr::Fma(a, b, c) => format!("fma {a}, {b}, {c}"),
                Instr::Cast(x) => format!("astype {x}"),
                Instr::Reduced { reduction } => format!("reduced r{reduction}"),
            };
            writeln!(f, "  v{i}: {dtype} = {rhs}")?;
        }
        for s in &self.stores {
            match s.phase {
                None => writeln!(f, "  store a{} <- {}", s.access, s.value)?,
                Some(p) => writeln!(
                    f,
                    "  store a{} <- {} (phase {p}, read back later)",
                    s.access, s.value
                )?,
            }
        }
        for (i, r) in self.reductions.iter().enumerate() {
            writeln!(
                f,
                "  r{i}: a{} <- {} {} (phase {})",
                r.access,
                r.op.name(),
                r.value,
                r.phase
            )?;
        }
        Ok(())
    }
}
