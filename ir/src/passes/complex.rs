//! Complex lowering: every complex value the compiled backends would have to compute
//! becomes a pair of real values (re, im), and each complex op the formulas below
//! cover becomes real ops on the pairs, so kernels, fusion and both backends need no
//! complex type at all (XLA and JAX lower complex arithmetic the same way on targets
//! without native complex).
//!
//! Complex data enters and leaves through two library calls that reinterpret memory:
//! `AsReal` (complex[S] → real[S..., 2]) for constants and library results, and
//! `AsComplex` (real[S..., 2] → complex[S]) for requested outputs and for ops that stay
//! complex (library calls such as FFTs, and the functions without a formula here,
//! which the compiler then reports as not compilable, by name).
//!
//! The formulas are the reference interpreter's, step for step (Smith's division,
//! Kahan's inverse functions and tanh, FreeBSD's catanh, log from exact squares near
//! the unit circle, the standard's special-case tables), so the two agree to within
//! the ulp of the real functions involved (docs/accuracy.md).

use crate::dtype::DType;
use crate::graph::{Graph, Node, NodeId};
use crate::library::LibCall;
use crate::op::{Axes, BinaryOp, Meta, Op, ReduceOp, ScanOp, SliceDim, UnaryOp};
use crate::scalar::Scalar;
use crate::Shape;
use smallvec::SmallVec;

/// Lower the complex parts of `graph`; a graph without complex values is returned as is.
pub fn run(graph: &Graph) -> Graph {
    if !needed(graph) {
        return graph.clone();
    }
    let mut l = Lowering {
        src: graph,
        out: Graph::with_capacity(graph.nodes.len()),
        real: vec![None; graph.nodes.len()],
        packed: vec![None; graph.nodes.len()],
        parts: vec![None; graph.nodes.len()],
        at: 0,
    };
    for i in 0..graph.nodes.len() {
        l.at = i;
        l.lower(NodeId(i as u32));
    }
    let outputs: Vec<NodeId> = graph
        .outputs
        .iter()
        .map(|&o| match graph.node(o).meta.dtype.is_complex() {
            true => l.packed(o),
            false => l.real[o.index()].expect("every real node is lowered"),
        })
        .collect();
    l.out.outputs = outputs;
    crate::passes::dce::prune(l.out)
}

/// Whether `graph` has a complex value to lower.
pub fn needed(graph: &Graph) -> bool {
    graph.nodes.iter().any(|n| n.meta.dtype.is_complex())
}

type Pair = (NodeId, NodeId);

struct Lowering<'g> {
    src: &'g Graph,
    out: Graph,
    /// New id of each real-valued source node.
    real: Vec<Option<NodeId>>,
    /// New id of a complex source node as one complex node, once made.
    packed: Vec<Option<NodeId>>,
    /// New ids of its (re, im) parts, once made.
    parts: Vec<Option<Pair>>,
    /// The source node being lowered: new nodes take its function name and location.
    at: usize,
}

/// Where complex asinh, acosh and acos become ln(2z) (acos: -i·ln(2z)), for parts of
/// `real` dtype: the formulas' neglected term is about 1/(4z²), below the precision
/// from |z| = 2^27 (f64) or 2^13 (f32). The interpreter's `complex_inverse` uses the
/// same bound, so both take the same branch.
pub fn inverse_far(real: DType) -> f64 {
    match real {
        DType::F32 => 8192.0,
        _ => 134_217_728.0,
    }
}

/// Where complex atanh takes re = x/|z|² (scaled) and im = π/2: past 2^500 (f64) or
/// 2^60 (f32) in a part, the main formulas' (1 - x)² + y² could overflow, while the
/// neglected terms are far below the precision. Shared with the interpreter's
/// `atanh_first_quadrant`.
pub fn atanh_far(real: DType) -> f64 {
    match real {
        DType::F32 => 2f64.powi(60),
        _ => 2f64.powi(500),
    }
}

/// Where complex atanh's real part becomes ln(4x)/4 - ln|1 - z|/2: within 2^-27 (f64)
/// or 2^-13 (f32) of 1, where (1 - x)² + y² may underflow and log1p(4x/that) equals
/// ln(4x/that) to within the precision.
pub fn atanh_close(real: DType) -> f64 {
    match real {
        DType::F32 => 2f64.powi(-13),
        _ => 2f64.powi(-27),
    }
}

/// x^n for n >= 1 by squaring: the product of x^(2^k) over the set bits k of n, lowest
/// first, each new factor multiplied on the right (`mul(result, x^(2^k))`). The
/// lowering's and the interpreter's complex `pow` both use it, so both multiply in the
/// same order.
pub fn powi_by_squaring<V: Copy>(n: u32, x: V, mut mul: impl FnMut(V, V) -> V) -> V {
    debug_assert!(n >= 1, "powi_by_squaring needs n >= 1");
    let (mut n, mut p, mut result) = (n, x, None);
    loop {
        if n & 1 == 1 {
            result = Some(match result {
                None => p,
                Some(r) => mul(r, p),
            });
        }
        n >>= 1;
        if n == 0 {
            return result.expect("n >= 1 has a set bit");
        }
        p = mul(p, p);
    }
}

impl Lowering<'_> {
    fn src_node(&self) -> &Node {
        &self.src.nodes[self.at]
    }

    /// Push `op` on `inputs`, its meta inferred (the lowering only builds valid nodes).
    fn push(&mut self, op: Op, inputs: &[NodeId]) -> NodeId {
        let metas: Vec<&Meta> = inputs.iter().map(|&i| &self.out.node(i).meta).collect();
        let func = self.src_node().func;
        let meta = op
            .infer(func, &metas)
            .unwrap_or_else(|e| panic!("complex lowering built an invalid {op}: {e}"));
        let node = Node {
            op,
            inputs: inputs.iter().copied().collect(),
            meta,
            func,
            loc: self.src_node().loc,
        };
        self.out.push(node)
    }

    fn un(&mut self, op: UnaryOp, x: NodeId) -> NodeId {
        self.push(Op::Unary(op), &[x])
    }

    fn bin(&mut self, op: BinaryOp, a: NodeId, b: NodeId) -> NodeId {
        self.push(Op::Binary(op), &[a, b])
    }

    fn add(&mut self, a: NodeId, b: NodeId) -> NodeId {
        self.bin(BinaryOp::Add, a, b)
    }
    fn sub(&mut self, a: NodeId, b: NodeId) -> NodeId {
        self.bin(BinaryOp::Subtract, a, b)
    }
    fn mul(&mut self, a: NodeId, b: NodeId) -> NodeId {
        self.bin(BinaryOp::Multiply, a, b)
    }
    fn div(&mut self, a: NodeId, b: NodeId) -> NodeId {
        self.bin(BinaryOp::Divide, a, b)
    }

    /// A constant of `like`'s shape and dtype (or `dtype`).
    fn fill_as(&mut self, value: f64, like: NodeId, dtype: Option<DType>) -> NodeId {
        let m = &self.out.node(like).meta;
        let meta = Meta {
            shape: m.shape.clone(),
            dtype: dtype.unwrap_or(m.dtype),
            device: m.device,
        };
        let node = Node {
            op: Op::Fill(Scalar::Float(value)),
            inputs: Default::default(),
            meta,
            func: self.src_node().func,
            loc: self.src_node().loc,
        };
        self.out.push(node)
    }

    fn select(&mut self, c: NodeId, (ar, ai): Pair, (br, bi): Pair) -> Pair {
        (
            self.push(Op::Where, &[c, ar, br]),
            self.push(Op::Where, &[c, ai, bi]),
        )
    }

    /// The new id of a real-valued source node.
    fn real_of(&self, id: NodeId) -> NodeId {
        self.real[id.index()].expect("inputs are lowered before their users")
    }

    /// A source input as a node of the new graph, complex ones packed.
    fn as_is(&mut self, id: NodeId) -> NodeId {
        match self.src.node(id).meta.dtype.is_complex() {
            true => self.packed(id),
            false => self.real_of(id),
        }
    }

    /// A complex source node as one complex node of the new graph.
    fn packed(&mut self, id: NodeId) -> NodeId {
        if let Some(p) = self.packed[id.index()] {
            return p;
        }
        let parts = self.parts[id.index()].expect("a complex node has parts or is packed");
        let p = self.pack(parts);
        self.packed[id.index()] = Some(p);
        p
    }

    /// (re, im) parts of the new graph as one complex node (AsComplex of their pairs).
    fn pack(&mut self, (re, im): Pair) -> NodeId {
        let rank = self.out.node(re).meta.shape.rank();
        let mut with_pair = self.out.node(re).meta.shape.clone();
        with_pair.0.push(1);
        let re1 = self.push(Op::Reshape(with_pair.clone()), &[re]);
        let im1 = self.push(Op::Reshape(with_pair), &[im]);
        let pairs = self.push(Op::Concat { axis: rank }, &[re1, im1]);
        self.push(
            Op::Library {
                call: LibCall::AsComplex,
                output: 0,
            },
            &[pairs],
        )
    }

    /// The (re, im) parts of a complex source node.
    fn parts(&mut self, id: NodeId) -> Pair {
        if let Some(p) = self.parts[id.index()] {
            return p;
        }
        let packed = self.packed[id.index()].expect("a complex node has parts or is packed");
        let p = self.unpack(packed);
        self.parts[id.index()] = Some(p);
        p
    }

    /// A complex node of the new graph as its (re, im) parts (slices of AsReal).
    fn unpack(&mut self, packed: NodeId) -> Pair {
        let shape = self.out.node(packed).meta.shape.clone();
        let real = self.push(
            Op::Library {
                call: LibCall::AsReal,
                output: 0,
            },
            &[packed],
        );
        let part = |l: &mut Self, k: usize| {
            let mut dims: smallvec::SmallVec<[SliceDim; 4]> = shape
                .dims()
                .iter()
                .map(|&n| SliceDim {
                    start: 0,
                    step: 1,
                    len: n,
                })
                .collect();
            dims.push(SliceDim {
                start: k,
                step: 1,
                len: 1,
            });
            let s = l.push(Op::Slice(dims), &[real]);
            l.push(Op::Reshape(shape.clone()), &[s])
        };
        (part(self, 0), part(self, 1))
    }

    fn lower(&mut self, id: NodeId) {
        let node = self.src.node(id).clone();
        let complex_in = node
            .inputs
            .iter()
            .any(|&i| self.src.node(i).meta.dtype.is_complex());
        if !node.meta.dtype.is_complex() && !complex_in {
            let inputs: Vec<NodeId> = node.inputs.iter().map(|&i| self.real_of(i)).collect();
            let mut n = node.clone();
            n.inputs = inputs.into_iter().collect();
            self.real[id.index()] = Some(self.out.push(n));
            return;
        }
        match self.formula(&node) {
            Some(Lowered::Real(r)) => self.real[id.index()] = Some(r),
            Some(Lowered::Complex(p)) => self.parts[id.index()] = Some(p),
            Some(Lowered::Packed(p)) => self.packed[id.index()] = Some(p),
            None => {
                // Kept as one node on packed inputs: library calls (AsReal reads their
                // complex results), and ops without a formula here.
                let inputs: Vec<NodeId> = node.inputs.iter().map(|&i| self.as_is(i)).collect();
                let mut n = node.clone();
                n.inputs = inputs.into_iter().collect();
                let new = self.out.push(n);
                match node.meta.dtype.is_complex() {
                    true => self.packed[id.index()] = Some(new),
                    false => self.real[id.index()] = Some(new),
                }
            }
        }
    }

    /// Real ops computing `node`, or `None` to keep it complex.
    fn formula(&mut self, node: &Node) -> Option<Lowered> {
        use Lowered::Complex as C;
        let x = node.inputs.first().copied();
        Some(match &node.op {
            // The constant itself; AsReal reads it when its parts are needed.
            Op::Constant(_) => Lowered::Packed(self.out.push(node.clone())),
            Op::Fill(s) => {
                let real = node.meta.dtype.real_part();
                let (re, im) = match *s {
                    Scalar::Complex(re, im) => (re, im),
                    Scalar::Float(f) => (f, 0.0),
                    Scalar::Int(i) => (i as f64, 0.0),
                    Scalar::Bool(b) => (b as u8 as f64, 0.0),
                };
                let mk = |l: &mut Self, v: f64| {
                    let n = Node {
                        op: Op::Fill(Scalar::Float(v)),
                        inputs: Default::default(),
                        meta: Meta {
                            dtype: real,
                            ..node.meta.clone()
                        },
                        func: node.func,
                        loc: node.loc,
                    };
                    l.out.push(n)
                };
                C((mk(self, re), mk(self, im)))
            }
            // The index along an axis: real, with a zero imaginary part (`linspace`
            // with a complex dtype builds one).
            Op::Iota { .. } => {
                let re = self.out.push(Node {
                    meta: Meta {
                        dtype: node.meta.dtype.real_part(),
                        ..node.meta.clone()
                    },
                    ..node.clone()
                });
                let im = self.fill_as(0.0, re, None);
                C((re, im))
            }
            Op::Cast(to) => self.cast(x?, *to)?,
            Op::Reshape(_) | Op::Permute(_) | Op::Broadcast(_) | Op::Slice(_) => {
                let parts = self.parts(x?);
                C(self.on_parts(&node.op, parts))
            }
            Op::Concat { .. } => {
                let parts: Vec<Pair> = node.inputs.iter().map(|&i| self.parts(i)).collect();
                let res: Vec<NodeId> = parts.iter().map(|p| p.0).collect();
                let ims: Vec<NodeId> = parts.iter().map(|p| p.1).collect();
                C((
                    self.push(node.op.clone(), &res),
                    self.push(node.op.clone(), &ims),
                ))
            }
            Op::Where => {
                let c = self.real_of(node.inputs[0]);
                let a = self.parts(node.inputs[1]);
                let b = self.parts(node.inputs[2]);
                C(self.select(c, a, b))
            }
            Op::Unary(op) => self.unary(*op, x?)?,
            Op::Binary(op) => {
                let a = self.parts(node.inputs[0]);
                let b = self.parts(node.inputs[1]);
                self.binary(*op, a, b)?
            }
            Op::Reduce {
                op,
                axes,
                keepdims,
                correction_bits,
            } => self.reduce(*op, axes, *keepdims, *correction_bits, x?)?,
            Op::Scan {
                op: ScanOp::CumSum, ..
            } => {
                let parts = self.parts(x?);
                C(self.on_parts(&node.op, parts))
            }
            _ => return None,
        })
    }

    fn cast(&mut self, x: NodeId, to: DType) -> Option<Lowered> {
        let from = self.src.node(x).meta.dtype;
        Some(match (from.is_complex(), to.is_complex()) {
            (false, true) => {
                let re = self.real_of(x);
                let re = self.push(Op::Cast(to.real_part()), &[re]);
                Lowered::Complex((re, self.fill_as(0.0, re, None)))
            }
            (true, true) => {
                let (re, im) = self.parts(x);
                Lowered::Complex((
                    self.push(Op::Cast(to.real_part()), &[re]),
                    self.push(Op::Cast(to.real_part()), &[im]),
                ))
            }
            (true, false) if to == DType::Bool => {
                let (re, im) = self.parts(x);
                let zr = self.fill_as(0.0, re, None);
                let a = self.bin(BinaryOp::NotEqual, re, zr);
                let b = self.bin(BinaryOp::NotEqual, im, zr);
                Lowered::Real(self.bin(BinaryOp::LogicalOr, a, b))
            }
            // Complex to a real or integer dtype keeps the real part (Data::cast).
            (true, false) => {
                let (re, _) = self.parts(x);
                Lowered::Real(self.push(Op::Cast(to), &[re]))
            }
            (false, false) => unreachable!("real casts are not lowered"),
        })
    }

    /// (a + bi)(c + di) = (ac - bd) + (ad + bc)i, each part with the rounding error of
    /// bd (bc) put back by fused multiply-adds (Kahan's way, at most 2 ulps off), where
    /// the textbook formula, num_complex's, lost every digit of a part that cancels
    /// (20 ulps in a conformance case). ad + bc is ad - (-b)c: -w and e = fma(-b, c, w)
    /// are then bd's own, and f - e keeps a zero f's sign, which f + (bc - w) would
    /// not. The interpreter's `complex_mul`, step for step.
    fn cmul(&mut self, (a, b): Pair, (c, d): Pair) -> Pair {
        let nb = self.un(UnaryOp::Negative, b);
        (
            self.diff_of_products(a, c, b, d),
            self.diff_of_products(a, d, nb, c),
        )
    }

    /// a·b + c rounded once.
    fn fma(&mut self, a: NodeId, b: NodeId, c: NodeId) -> NodeId {
        self.push(Op::Fma, &[a, b, c])
    }

    /// p·q - r·s: w = r·s, e = r·s - w exactly, f = p·q - w, then f - e; f itself
    /// (NumPy's contracted product) where e is not finite: r·s overflowed, or a part
    /// is infinite or NaN. The interpreter's `diff_of_products`.
    fn diff_of_products(&mut self, p: NodeId, q: NodeId, r: NodeId, s: NodeId) -> NodeId {
        let w = self.mul(r, s);
        let nw = self.un(UnaryOp::Negative, w);
        let e = self.fma(r, s, nw);
        let f = self.fma(p, q, nw);
        let d = self.sub(f, e);
        let finite = self.un(UnaryOp::IsFinite, e);
        self.pick(finite, d, f)
    }

    /// (a + bi)/(c + di) by Smith's algorithm (the interpreter's `complex_div`): with
    /// p the divisor's larger part and q the smaller, r = q/p and den = p + q·r; u, v
    /// are a, b in the order that matches, and both parts are multiplied by 1/den (as
    /// NumPy does: two divisions, not three). Both sides are scaled by a power of two
    /// (`division_scale`) so that den and 1/den are normal floats for any finite
    /// nonzero divisor; u + v·r can still overflow where the quotient does not (past
    /// the largest float over a divisor near 1), as NumPy's does. A zero divisor gives
    /// (a·inf, b·inf), each part divided by +0 (NumPy's rule).
    fn cdiv(&mut self, (a, b): Pair, (c, d): Pair) -> Pair {
        let (abs_c, abs_d) = (self.un(UnaryOp::Abs, c), self.un(UnaryOp::Abs, d));
        let c_big = self.bin(BinaryOp::GreaterEqual, abs_c, abs_d);
        let (p, q) = self.select(c_big, (c, d), (d, c));
        let (u, v) = self.select(c_big, (a, b), (b, a));
        let r = self.div(q, p);
        let abs_p = self.pick(c_big, abs_c, abs_d);
        let (down, up) = self.division_scale(abs_p);
        let t = self.mul(down, up);
        let (pt, qt) = (self.mul(p, t), self.mul(q, t));
        let qr = self.mul(qt, r);
        let den = self.add(pt, qr);
        let one = self.fill_as(1.0, a, None);
        let inv = self.div(one, den);
        // the dividend scaled down before its sums (u + v·r of a huge dividend over a
        // huge divisor stays finite) and up after them (u·2^600 and v·r·2^600 could
        // both overflow, to inf - inf)
        let (u, v) = (self.mul(u, down), self.mul(v, down));
        let vr = self.mul(v, r);
        let re = self.add(u, vr);
        let re = self.mul(re, up);
        let re = self.times_inverse(re, inv);
        let ur = self.mul(u, r);
        let im = self.sub(v, ur);
        let im = self.mul(im, up);
        let im = self.times_inverse(im, inv);
        let neg_im = self.un(UnaryOp::Negative, im);
        let im = self.pick(c_big, im, neg_im);
        // a zero divisor: both parts zero (p alone is also zero for NaN + 0i, whose
        // larger part is the zero, as NaN >= 0 is false)
        let zero = self.fill_as(0.0, a, None);
        let (c_zero, d_zero) = (
            self.bin(BinaryOp::Equal, c, zero),
            self.bin(BinaryOp::Equal, d, zero),
        );
        let by_zero = self.bin(BinaryOp::LogicalAnd, c_zero, d_zero);
        let inf = self.fill_as(f64::INFINITY, a, None);
        let at_zero = (self.mul(a, inf), self.mul(b, inf));
        self.select(by_zero, at_zero, (re, im))
    }

    /// The powers of two (down, up) by which `cdiv` scales its divisor (by down·up) and
    /// its dividend (by down before the sums, by up after them), from m, the divisor's
    /// larger part magnitude: down = 2^-4 above 2^1000 (f32: 2^100), up = 2^600 (f32:
    /// 2^60) below 2^-1000 (f32: 2^-100), else 1; then p·t + (q·t)·r and its inverse
    /// are normal floats for a finite nonzero divisor (1/(1e308 + 1e308i) gave 0,
    /// 1e-310/(1e-310 + 1e-310i) gave inf - inf·i). The interpreter's `division_scale`.
    fn division_scale(&mut self, m: NodeId) -> (NodeId, NodeId) {
        let (big, tiny, up) = match self.out.node(m).meta.dtype {
            DType::F32 => (2f64.powi(100), 2f64.powi(-100), 2f64.powi(60)),
            _ => (2f64.powi(1000), 2f64.powi(-1000), 2f64.powi(600)),
        };
        let (big, tiny) = (self.fill_as(big, m, None), self.fill_as(tiny, m, None));
        let is_big = self.bin(BinaryOp::Greater, m, big);
        let is_tiny = self.bin(BinaryOp::Less, m, tiny);
        let (down, up, one) = (
            self.fill_as(0.0625, m, None),
            self.fill_as(up, m, None),
            self.fill_as(1.0, m, None),
        );
        (self.pick(is_big, down, one), self.pick(is_tiny, up, one))
    }

    /// n·inv, except that a zero n gives a zero (signed as the product would be) where
    /// inv = 1/den overflowed: 0·inf is NaN, and 1/(5e-324 + 0j) had a NaN imaginary
    /// part (the interpreter's `complex_div`).
    fn times_inverse(&mut self, n: NodeId, inv: NodeId) -> NodeId {
        let zero = self.fill_as(0.0, n, None);
        let one = self.fill_as(1.0, n, None);
        let is_zero = self.bin(BinaryOp::Equal, n, zero);
        let sign = self.bin(BinaryOp::Copysign, one, inv);
        let (signed, product) = (self.mul(n, sign), self.mul(n, inv));
        self.pick(is_zero, signed, product)
    }

    /// The exponent y as an integer n, 1 <= |n| <= 100, where both its parts are
    /// constants (fills, through broadcasts and reshapes) with a zero imaginary part
    /// and the base x already has the result's shape; None otherwise.
    fn integer_exponent(&self, x: Pair, y: Pair) -> Option<i32> {
        let constant = |mut id: NodeId| loop {
            let n = self.out.node(id);
            match &n.op {
                Op::Fill(s) => return Some(s.as_f64()),
                Op::Broadcast(_) | Op::Reshape(_) => id = n.inputs[0],
                _ => return None,
            }
        };
        let (re, im) = (constant(y.0)?, constant(y.1)?);
        let same_shape = self.out.node(x.0).meta.shape == self.src_node().meta.shape;
        (im == 0.0 && re.fract() == 0.0 && (1.0..=100.0).contains(&re.abs()) && same_shape)
            .then_some(re as i32)
    }

    /// where(c, x, y) of one real node.
    fn pick(&mut self, c: NodeId, x: NodeId, y: NodeId) -> NodeId {
        self.push(Op::Where, &[c, x, y])
    }

    /// e^a·(cos b, sin b) (e^a split as `exp_split`'s r·m, so a part stays finite where
    /// it is), with the standard's special cases (C99 cexp) where those products are
    /// NaN: b = ±0 gives (e^a, b) (so +inf + 0j → +inf + 0j, NaN + 0j → NaN + 0j);
    /// a = -inf with b infinite or NaN gives +0 + 0j, a = +inf gives +inf + NaN j.
    fn cexp(&mut self, (a, b): Pair) -> Pair {
        let (r, m) = self.exp_split(a);
        let (c, s) = (self.un(UnaryOp::Cos, b), self.un(UnaryOp::Sin, b));
        let (rc, rs) = (self.mul(r, c), self.mul(r, s));
        let z = (self.mul(rc, m), self.mul(rs, m));
        let z = self.infinite_real_part((a, b), z, (0.0, 0.0));
        let b_zero = self.is_value(b, 0.0);
        let e = self.mul(r, m);
        self.select(b_zero, (e, b), z)
    }

    /// sinh(a)·cos(b) + i·cosh(a)·sin(b), with the standard's special cases (C99 csinh)
    /// where those products are NaN: b = ±0 gives (sinh a, b); a = ±0 or ±inf with b
    /// infinite or NaN gives (a, NaN).
    fn csinh(&mut self, (a, b): Pair) -> Pair {
        use UnaryOp::*;
        let (sha, cha) = (self.un(Sinh, a), self.un(Cosh, a));
        let (sb, cb) = (self.un(Sin, b), self.un(Cos, b));
        let z = (self.mul(sha, cb), self.mul(cha, sb));
        let ((hs, hc), m, below) = self.half_exp_abs(a);
        let (re, im) = (self.mul(hs, cb), self.mul(hc, sb));
        let big = (self.mul(re, m), self.mul(im, m));
        let z = self.select(below, z, big);
        let b_bad = self.not_finite(b);
        let a_zero = self.is_value(a, 0.0);
        let a_inf = self.un(IsInf, a);
        let edge = self.bin(BinaryOp::LogicalOr, a_zero, a_inf);
        let edge_bad = self.bin(BinaryOp::LogicalAnd, edge, b_bad);
        let nan = self.fill_as(f64::NAN, a, None);
        let z = self.select(edge_bad, (a, nan), z);
        let b_zero = self.is_value(b, 0.0);
        self.select(b_zero, (sha, b), z)
    }

    /// cosh(a)·cos(b) + i·sinh(a)·sin(b), with the standard's special cases (C99 ccosh):
    /// b = ±0 gives (cosh a, ±0) with the sign of sinh(a)·b; a = ±0 with b infinite or
    /// NaN gives (NaN, ±0); a = ±inf with b infinite or NaN gives (+inf, NaN).
    fn ccosh(&mut self, (a, b): Pair) -> Pair {
        use UnaryOp::*;
        let (sha, cha) = (self.un(Sinh, a), self.un(Cosh, a));
        let (sb, cb) = (self.un(Sin, b), self.un(Cos, b));
        let z = (self.mul(cha, cb), self.mul(sha, sb));
        let ((hs, hc), m, below) = self.half_exp_abs(a);
        let (re, im) = (self.mul(hc, cb), self.mul(hs, sb));
        let big = (self.mul(re, m), self.mul(im, m));
        let z = self.select(below, z, big);
        let b_bad = self.not_finite(b);
        let nan = self.fill_as(f64::NAN, a, None);
        let a_zero = self.is_value(a, 0.0);
        let zero_bad = self.bin(BinaryOp::LogicalAnd, a_zero, b_bad);
        let z = self.select(zero_bad, (nan, a), z);
        let a_inf = self.un(IsInf, a);
        let inf_bad = self.bin(BinaryOp::LogicalAnd, a_inf, b_bad);
        let abs_a = self.un(Abs, a);
        let z = self.select(inf_bad, (abs_a, nan), z);
        let one = self.fill_as(1.0, a, None);
        let sign_a = self.bin(BinaryOp::Copysign, one, a);
        let im0 = self.mul(sign_a, b);
        let b_zero = self.is_value(b, 0.0);
        self.select(b_zero, (cha, im0), z)
    }

    /// The same real op on both parts (views, sums along an axis).
    fn on_parts(&mut self, op: &Op, (re, im): Pair) -> Pair {
        (self.push(op.clone(), &[re]), self.push(op.clone(), &[im]))
    }

    /// -i·f(iz), with iz = -b + ai: how the standard defines sin, tan, asin and atan
    /// from sinh, tanh, asinh and atanh (f(iz) = p + qi gives q - pi).
    fn of_iz(&mut self, (a, b): Pair, f: impl FnOnce(&mut Self, Pair) -> Pair) -> Pair {
        let nb = self.un(UnaryOp::Negative, b);
        let (p, q) = f(self, (nb, a));
        (q, self.un(UnaryOp::Negative, p))
    }

    /// Infinite or NaN, elementwise.
    fn not_finite(&mut self, x: NodeId) -> NodeId {
        let finite = self.un(UnaryOp::IsFinite, x);
        self.un(UnaryOp::LogicalNot, finite)
    }

    /// `z` except where a is infinite and b infinite or NaN: there `at_minus_inf` for
    /// a = -inf and +inf + NaN j for a = +inf (the standard's cexp cases, which expm1
    /// shares with at_minus_inf one less).
    fn infinite_real_part(&mut self, (a, b): Pair, z: Pair, at_minus_inf: (f64, f64)) -> Pair {
        let b_bad = self.not_finite(b);
        let a_ninf = self.is_value(a, f64::NEG_INFINITY);
        let a_pinf = self.is_value(a, f64::INFINITY);
        let to_low = self.bin(BinaryOp::LogicalAnd, a_ninf, b_bad);
        let to_inf = self.bin(BinaryOp::LogicalAnd, a_pinf, b_bad);
        let low = self.cconst(at_minus_inf.0, at_minus_inf.1, a);
        let inf_nan = self.cconst(f64::INFINITY, f64::NAN, a);
        let z = self.select(to_low, low, z);
        self.select(to_inf, inf_nan, z)
    }

    /// x == v, elementwise (v a constant of x's dtype; -0 == +0).
    fn is_value(&mut self, x: NodeId, v: f64) -> NodeId {
        let c = self.fill_as(v, x, None);
        self.bin(BinaryOp::Equal, x, c)
    }

    /// (fix, (a·s, b·s)) with s a power of two that keeps hypot(a·s, b·s) = |z|·s a
    /// normal float, and fix = -ln s: s = 1/2 where a part's magnitude passes 2^500
    /// (f32: 2^60), so that |z|·s stays finite when |z| itself passes the largest float
    /// (|max + max·i| is √2·max); s = 2^500 (f32: 2^60) where both parts are below
    /// 2^-600 (f32: 2^-80), so that |z|·s is not a subnormal that has lost digits
    /// (z/|z| of 5e-324 + 5e-324i gave 1 + 1i); else 1. The scaled |z| stays far from 1
    /// (`clog`'s near-circle side). The interpreter's `abs_scale`.
    fn abs_scale(&mut self, (a, b): Pair) -> (NodeId, Pair) {
        let (big, tiny, up) = match self.out.node(a).meta.dtype {
            DType::F32 => (2f64.powi(60), 2f64.powi(-80), 60),
            _ => (2f64.powi(500), 2f64.powi(-600), 500),
        };
        let (big, tiny) = (self.fill_as(big, a, None), self.fill_as(tiny, a, None));
        let (abs_a, abs_b) = (self.un(UnaryOp::Abs, a), self.un(UnaryOp::Abs, b));
        let big_a = self.bin(BinaryOp::Greater, abs_a, big);
        let big_b = self.bin(BinaryOp::Greater, abs_b, big);
        let is_big = self.bin(BinaryOp::LogicalOr, big_a, big_b);
        let tiny_a = self.bin(BinaryOp::Less, abs_a, tiny);
        let tiny_b = self.bin(BinaryOp::Less, abs_b, tiny);
        let is_tiny = self.bin(BinaryOp::LogicalAnd, tiny_a, tiny_b);
        let ln2 = std::f64::consts::LN_2;
        let (half, one) = (self.fill_as(0.5, a, None), self.fill_as(1.0, a, None));
        let scale_up = self.fill_as(2f64.powi(up), a, None);
        let s = self.pick(is_tiny, scale_up, one);
        let s = self.pick(is_big, half, s);
        let (fix_big, fix_tiny, zero) = (
            self.fill_as(ln2, a, None),
            self.fill_as(-f64::from(up) * ln2, a, None),
            self.fill_as(0.0, a, None),
        );
        let fix = self.pick(is_tiny, fix_tiny, zero);
        let fix = self.pick(is_big, fix_big, fix);
        (fix, (self.mul(a, s), self.mul(b, s)))
    }

    /// (hypot of the scaled z, ln|z|) (`abs_scale`).
    fn log_abs(&mut self, z: Pair) -> (NodeId, NodeId) {
        let (fix, (sa, sb)) = self.abs_scale(z);
        let h = self.bin(BinaryOp::Hypot, sa, sb);
        let l = self.un(UnaryOp::Log, h);
        (h, self.add(l, fix))
    }

    /// e^a as r·m, finite wherever e^a is: past 700 (f32: 85) r = m = e^(a/2), else
    /// r = e^a and m = 1, so (r·c)·m of a factor |c| <= 1 stays finite where e^a·c is
    /// (e^89·cos 8 is -6.5e37 in f32, e^89 alone overflows); the interpreter's
    /// `exp_split`.
    fn exp_split(&mut self, a: NodeId) -> (NodeId, NodeId) {
        let limit = match self.out.node(a).meta.dtype {
            DType::F32 => 85.0,
            _ => 700.0,
        };
        let limit = self.fill_as(limit, a, None);
        let big = self.bin(BinaryOp::Greater, a, limit);
        let (half, one) = (self.fill_as(0.5, a, None), self.fill_as(1.0, a, None));
        let ha = self.mul(a, half);
        let arg = self.pick(big, ha, a);
        let r = self.un(UnaryOp::Exp, arg);
        (r, self.pick(big, r, one))
    }

    /// For sinh and cosh past exp_split's limit, where they overflow before their
    /// product with a cosine or sine does: ((sign(a)·r/2, r/2), m, below) with r·m =
    /// e^|a|, so sinh(a)·c = ((sign(a)·r/2)·c)·m and cosh(a)·c = ((r/2)·c)·m (e^-|a| is
    /// below the precision there); `below` marks the elements under the limit (m = 1),
    /// where the callers keep sinh(a) and cosh(a).
    fn half_exp_abs(&mut self, a: NodeId) -> ((NodeId, NodeId), NodeId, NodeId) {
        let abs_a = self.un(UnaryOp::Abs, a);
        let (r, m) = self.exp_split(abs_a);
        let half = self.fill_as(0.5, a, None);
        let hr = self.mul(r, half);
        let signed = self.bin(BinaryOp::Copysign, hr, a);
        let one = self.fill_as(1.0, a, None);
        let below = self.bin(BinaryOp::Equal, m, one);
        ((signed, hr), m, below)
    }

    /// ln(hypot(a, b)) + i·atan2(b, a): the log where |z| is known to be away from 1
    /// (past `inverse_far`, or log1p's z + 1 outside [0.5, 1.73]), where `clog`'s
    /// near-circle side would be computed for every element and never selected.
    fn clog_far(&mut self, (a, b): Pair) -> Pair {
        let (_, l) = self.log_abs((a, b));
        (l, self.bin(BinaryOp::Atan2, b, a))
    }

    /// ln|z| + i·arg z; for |z| in [0.71, 1.73], ln|z| = log1p(m² - 1 + n²)/2 from
    /// exact squares of the larger and smaller magnitude (the interpreter's
    /// `complex_log`, step for step).
    fn clog(&mut self, (a, b): Pair) -> Pair {
        use UnaryOp::*;
        // clog_far's two parts, from the hypot that the near-circle test reads too
        // (scaled past 2^500 or below 2^-600, where it is far from the circle anyway)
        let (h, far) = self.log_abs((a, b));
        let angle = self.bin(BinaryOp::Atan2, b, a);
        let (abs_a, abs_b) = (self.un(Abs, a), self.un(Abs, b));
        let a_big = self.bin(BinaryOp::GreaterEqual, abs_a, abs_b);
        let (m, n) = self.select(a_big, (abs_a, abs_b), (abs_b, abs_a));
        let (m2, n2) = (self.square_exact(m), self.square_exact(n));
        let minus_one = self.fill_as(-1.0, a, None);
        let t = self.sum_exact(minus_one, m2, n2);
        let l = self.un(Log1p, t);
        let half = self.fill_as(0.5, a, None);
        let near = self.mul(l, half);
        let (lo, hi) = (self.fill_as(0.71, a, None), self.fill_as(1.73, a, None));
        let above = self.bin(BinaryOp::GreaterEqual, h, lo);
        let below = self.bin(BinaryOp::LessEqual, h, hi);
        let within = self.bin(BinaryOp::LogicalAnd, above, below);
        (self.pick(within, near, far), angle)
    }

    /// x² = hi + lo exactly by Veltkamp's split and Dekker's product, no fma (the
    /// interpreter's `square_exact`).
    fn square_exact(&mut self, x: NodeId) -> Pair {
        let split = match self.out.node(x).meta.dtype {
            DType::F32 => 4097.0,
            _ => 134_217_729.0,
        };
        let split = self.fill_as(split, x, None);
        let p = self.mul(split, x);
        let px = self.sub(p, x);
        let xh = self.sub(p, px);
        let xl = self.sub(x, xh);
        let hi = self.mul(x, x);
        let cross = self.mul(xh, xl);
        let hh = self.mul(xh, xh);
        let lo = self.sub(hh, hi);
        let cross2 = self.add(cross, cross);
        let lo = self.add(lo, cross2);
        let ll = self.mul(xl, xl);
        (hi, self.add(lo, ll))
    }

    /// tanh(z) by Kahan's form (below), and for |a| > 20 as (sign(a), 2 sin(2b)
    /// e^(-2|a|)), where sinh and cosh overflow, unless b is infinite or NaN with a
    /// finite (the interpreter's complex_tanh).
    fn ctanh(&mut self, (a, b): Pair) -> Pair {
        // Kahan's form: t = tan b, s = sinh a, β = 1 + t², tanh z = (β·s·sqrt(1 + s²) +
        // i·t)/(1 + β·s²), whose denominator cannot cancel.
        let one = self.fill_as(1.0, a, None);
        let t = self.un(UnaryOp::Tan, b);
        let sh = self.un(UnaryOp::Sinh, a);
        let tt = self.mul(t, t);
        let beta = self.add(one, tt);
        let ss = self.mul(sh, sh);
        let rho = self.add(one, ss);
        let rho = self.un(UnaryOp::Sqrt, rho);
        let bs = self.mul(beta, sh);
        let bss = self.mul(bs, sh);
        let den = self.add(one, bss);
        let re = self.mul(beta, rho);
        let re = self.mul(re, sh);
        let (re, im) = (self.div(re, den), self.div(t, den));
        // sin 2b as 2 tan b/(1 + tan² b), from Kahan's t and β: 2b overflows for |b|
        // past half the largest float
        let tt2 = self.add(t, t);
        let sb = self.div(tt2, beta);
        let abs_a = self.un(UnaryOp::Abs, a);
        let twenty = self.fill_as(20.0, a, None);
        let far = self.bin(BinaryOp::Greater, abs_a, twenty);
        // A finite a with b infinite or NaN is NaN + NaN j (the standard), which
        // Kahan's form gives (tan b is NaN); only an infinite a gives ±1 + 0j there.
        let finite_b = self.un(UnaryOp::IsFinite, b);
        let a_inf = self.un(UnaryOp::IsInf, a);
        let settles = self.bin(BinaryOp::LogicalOr, finite_b, a_inf);
        let far = self.bin(BinaryOp::LogicalAnd, far, settles);
        let one = self.fill_as(1.0, a, None);
        let far_re = self.bin(BinaryOp::Copysign, one, a);
        let minus_two_abs = self.add(abs_a, abs_a);
        let minus_two_abs = self.un(UnaryOp::Negative, minus_two_abs);
        let decay = self.un(UnaryOp::Exp, minus_two_abs);
        let sb2 = self.add(sb, sb);
        let far_im = self.mul(sb2, decay);
        let zero = self.fill_as(0.0, a, None);
        let far_im = self.push(Op::Where, &[finite_b, far_im, zero]);
        let z = self.select(far, (far_re, far_im), (re, im));
        // The standard's cases the quotients miss (C99 ctanh): ±0 + (inf or NaN)j →
        // ±0 + NaN j, and NaN ± 0j → NaN ± 0j.
        let a_zero = self.is_value(a, 0.0);
        let b_bad = self.un(UnaryOp::LogicalNot, finite_b);
        let zero_bad = self.bin(BinaryOp::LogicalAnd, a_zero, b_bad);
        let nan = self.fill_as(f64::NAN, a, None);
        let z = self.select(zero_bad, (a, nan), z);
        let a_nan = self.un(UnaryOp::IsNan, a);
        let b_zero = self.is_value(b, 0.0);
        let nan_zero = self.bin(BinaryOp::LogicalAnd, a_nan, b_zero);
        self.select(nan_zero, (a, b), z)
    }

    /// t = sqrt(|a|/2 + |z|/2); a ≥ 0: (t, b/2t); a < 0: (|b|/2t, ±t with b's sign);
    /// z = 0: (0, b). The principal root (the interpreter's `complex_sqrt`).
    fn csqrt(&mut self, (a0, b0): Pair) -> Pair {
        use UnaryOp::*;
        // Scaled by 4^k first and the root by 2^-k: past 2^500 (f32 2^60) by 1/4, so
        // |a|/2 + |z|/2 stays finite, and below 2^-500 (f32 2^-60) by 2^600 (f32 2^80),
        // so |z|/2 of a subnormal z does not round to 0 (sqrt(1e-45j) was inf + 0j)
        // (the interpreter's `sqrt_scale`).
        let (k_out, (a, b)) = self.sqrt_scale((a0, b0));
        let h = self.bin(BinaryOp::Hypot, a, b);
        let abs_a = self.un(Abs, a);
        let half = self.fill_as(0.5, a, None);
        let (ha, hh) = (self.mul(abs_a, half), self.mul(h, half));
        let s = self.add(ha, hh);
        let t = self.un(Sqrt, s);
        let two_t = self.add(t, t);
        let b_over = self.div(b, two_t);
        let abs_b = self.un(Abs, b);
        let absb_over = self.div(abs_b, two_t);
        let signed_t = self.bin(BinaryOp::Copysign, t, b);
        let neg = self.un(Signbit, a);
        let r = self.select(neg, (absb_over, signed_t), (t, b_over));
        let zero = self.fill_as(0.0, a, None);
        let is_zero = self.bin(BinaryOp::Equal, h, zero);
        let z = self.select(is_zero, (zero, b), r);
        let z = (self.mul(z.0, k_out), self.mul(z.1, k_out));
        let (a, b) = (a0, b0);
        // The standard's cases the formula misses (C99 csqrt), lowest precedence first:
        // NaN + bj → NaN + NaN j; +inf + NaN j → +inf + NaN j; -inf + NaN j → NaN + inf j;
        // a + inf j → +inf + inf j for every a, NaN included.
        let nan = self.fill_as(f64::NAN, a, None);
        let inf = self.fill_as(f64::INFINITY, a, None);
        let a_nan = self.un(IsNan, a);
        let z = self.select(a_nan, (nan, nan), z);
        let b_nan = self.un(IsNan, b);
        let a_pinf = self.is_value(a, f64::INFINITY);
        let a_ninf = self.is_value(a, f64::NEG_INFINITY);
        let pinf_nan = self.bin(BinaryOp::LogicalAnd, a_pinf, b_nan);
        let z = self.select(pinf_nan, (inf, b), z);
        let ninf_nan = self.bin(BinaryOp::LogicalAnd, a_ninf, b_nan);
        let z = self.select(ninf_nan, (nan, inf), z);
        let b_inf = self.un(IsInf, b);
        self.select(b_inf, (inf, b), z)
    }

    /// (k_out, z·k_in) for `csqrt`: k_in = 1/4 and k_out = 2 where a part's
    /// magnitude passes 2^500 (f32 2^60); 2^600 and 2^-300 (f32 2^80, 2^-40) where both
    /// are below 2^-500 (f32 2^-60); else 1 and 1. Powers of two: exact both ways.
    fn sqrt_scale(&mut self, (a, b): Pair) -> (NodeId, Pair) {
        let (big, small, up, down) = match self.out.node(a).meta.dtype {
            DType::F32 => (2f64.powi(60), 2f64.powi(-60), 2f64.powi(80), 2f64.powi(-40)),
            _ => (
                2f64.powi(500),
                2f64.powi(-500),
                2f64.powi(600),
                2f64.powi(-300),
            ),
        };
        let (abs_a, abs_b) = (self.un(UnaryOp::Abs, a), self.un(UnaryOp::Abs, b));
        let m = self.bin(BinaryOp::Maximum, abs_a, abs_b);
        let (big, small) = (self.fill_as(big, a, None), self.fill_as(small, a, None));
        let is_big = self.bin(BinaryOp::Greater, m, big);
        let is_small = self.bin(BinaryOp::Less, m, small);
        let c = |l: &mut Self, v: f64| l.fill_as(v, a, None);
        let (one, quarter, two, up, down) = (
            c(self, 1.0),
            c(self, 0.25),
            c(self, 2.0),
            c(self, up),
            c(self, down),
        );
        let k_in = self.pick(is_small, up, one);
        let k_in = self.pick(is_big, quarter, k_in);
        let k_out = self.pick(is_small, down, one);
        let k_out = self.pick(is_big, two, k_out);
        (k_out, (self.mul(a, k_in), self.mul(b, k_in)))
    }

    /// The constant re + im·i, shaped like `like`.
    fn cconst(&mut self, re: f64, im: f64, like: NodeId) -> Pair {
        (self.fill_as(re, like, None), self.fill_as(im, like, None))
    }

    /// The inverse trigonometric and hyperbolic functions: the interpreter's formulas
    /// where both parts are finite, the standard's special-case tables elsewhere; asin
    /// and atan as the standard defines them, -i·asinh(iz) and -i·atanh(iz).
    fn inverse(&mut self, op: UnaryOp, z: Pair) -> Pair {
        use UnaryOp::*;
        match op {
            Asin | Atan => {
                let h = if op == Asin { Asinh } else { Atanh };
                self.of_iz(z, |l, w| l.inverse(h, w))
            }
            Atanh => {
                let abs_a = self.un(UnaryOp::Abs, z.0);
                let abs_b = self.un(UnaryOp::Abs, z.1);
                let base = self.atanh_first_quadrant((abs_a, abs_b));
                self.inverse_specials(op, z, base)
            }
            _ => {
                let base = self.inverse_folded(op, z);
                self.inverse_specials(op, z, base)
            }
        }
    }

    /// asinh, acosh and acos of finite z as the interpreter's `complex_inverse` takes
    /// them: Kahan's formulas on |a| + i|b| (asinh) or a + i|b| (acosh, acos), where
    /// the terms of each sum of products have one sign (`inverse_specials` puts the
    /// signs back); past 2^27 (f64) or 2^13 (f32) in either part, ln(2z) (acos:
    /// -i·ln(2z)), whose neglected term is below the precision.
    fn inverse_folded(&mut self, op: UnaryOp, (a, b): Pair) -> Pair {
        use UnaryOp::*;
        let abs_a = self.un(Abs, a);
        let abs_b = self.un(Abs, b);
        let (x, y) = match op {
            Asinh => (abs_a, abs_b),
            _ => (a, abs_b),
        };
        let near = self.kahan(op, (x, y));
        let far = inverse_far(self.out.node(a).meta.dtype);
        let far = self.fill_as(far, a, None);
        let big = self.bin(BinaryOp::Maximum, abs_a, abs_b);
        let is_far = self.bin(BinaryOp::Greater, big, far);
        let (lr, li) = self.clog_far((x, y));
        let ln2 = self.fill_as(std::f64::consts::LN_2, a, None);
        let lr = self.add(lr, ln2);
        let far_value = match op {
            Acos => (li, self.un(Negative, lr)),
            _ => (lr, li),
        };
        self.select(is_far, far_value, near)
    }

    /// Kahan's formulas for finite (x, y), y >= 0 (and x >= 0 for asinh), from two
    /// square roots s1, s2:
    /// asinh: s1 = sqrt(1 + y - ix), s2 = sqrt(1 - y + ix),
    ///        (asinh(s1.re·s2.im - s2.re·s1.im), atan2(y, s1.re·s2.re - s1.im·s2.im));
    /// acosh: s1 = sqrt(x - 1 + iy), s2 = sqrt(x + 1 + iy),
    ///        (asinh(s1.re·s2.re + s1.im·s2.im), 2·atan2(s1.im, s2.re));
    /// acos:  s1 = sqrt(1 - x - iy), s2 = sqrt(1 + x + iy),
    ///        (2·atan2(s1.re, s2.re), asinh(s2.re·s1.im - s2.im·s1.re)).
    fn kahan(&mut self, op: UnaryOp, (x, y): Pair) -> Pair {
        use UnaryOp::*;
        let one = self.fill_as(1.0, x, None);
        let (nx, ny) = (self.un(Negative, x), self.un(Negative, y));
        let (s1, s2) = match op {
            Asinh => ((self.add(one, y), nx), (self.sub(one, y), x)),
            Acosh => ((self.sub(x, one), y), (self.add(x, one), y)),
            _ => ((self.sub(one, x), ny), (self.add(one, x), y)),
        };
        let (s1, s2) = (self.csqrt(s1), self.csqrt(s2));
        // p·q ± r·s, each product rounded once
        let dot = |l: &mut Self, p, q, r, s, plus: bool| {
            let (pq, rs) = (l.mul(p, q), l.mul(r, s));
            if plus {
                l.add(pq, rs)
            } else {
                l.sub(pq, rs)
            }
        };
        match op {
            Asinh => {
                let re = dot(self, s1.0, s2.1, s2.0, s1.1, false);
                let im = dot(self, s1.0, s2.0, s1.1, s2.1, false);
                (self.un(Asinh, re), self.bin(BinaryOp::Atan2, y, im))
            }
            Acosh => {
                let re = dot(self, s1.0, s2.0, s1.1, s2.1, true);
                let im = self.bin(BinaryOp::Atan2, s1.1, s2.0);
                (self.un(Asinh, re), self.add(im, im))
            }
            _ => {
                let re = self.bin(BinaryOp::Atan2, s1.0, s2.0);
                let im = dot(self, s2.0, s1.1, s2.1, s1.0, false);
                (self.add(re, re), self.un(Asinh, im))
            }
        }
    }

    /// atanh of finite (x, y), both >= 0 (the interpreter's `atanh_first_quadrant`):
    /// re = log1p(4x / ((1 - x)² + y²))/4, or ln(4x)/4 - ln|1 - z|/2 within
    /// `atanh_close` of 1; im = atan2(2y, (1 - x)(1 + x) - y²)/2; past `atanh_far`,
    /// (x/|z|² scaled, π/2).
    fn atanh_first_quadrant(&mut self, (x, y): Pair) -> Pair {
        use UnaryOp::*;
        let real = self.out.node(x).meta.dtype;
        let c = |l: &mut Self, v: f64| l.fill_as(v, x, None);
        let (one, four, quarter, half) = (c(self, 1.0), c(self, 4.0), c(self, 0.25), c(self, 0.5));
        let omx = self.sub(one, x);
        let h = self.bin(BinaryOp::Hypot, omx, y);
        let x4 = self.mul(four, x);
        // re near 1
        let l4x = self.un(Log, x4);
        let l4x = self.mul(l4x, quarter);
        let lh = self.un(Log, h);
        let lh = self.mul(lh, half);
        let close_re = self.sub(l4x, lh);
        // re elsewhere
        let oo = self.mul(omx, omx);
        let yy = self.mul(y, y);
        let den = self.add(oo, yy);
        let t = self.div(x4, den);
        let t = self.un(Log1p, t);
        let main_re = self.mul(t, quarter);
        let close = c(self, atanh_close(real));
        let is_close = self.bin(BinaryOp::Less, h, close);
        let re = self.pick(is_close, close_re, main_re);
        let opx = self.add(one, x);
        let d = self.mul(omx, opx);
        let d = self.sub(d, yy);
        let y2 = self.add(y, y);
        let im = self.bin(BinaryOp::Atan2, y2, d);
        let im = self.mul(im, half);
        // far: x/|z|², scaled by m = max(x, y); im = π/2
        let m = self.bin(BinaryOp::Maximum, x, y);
        let (xs, ys) = (self.div(x, m), self.div(y, m));
        let (xx, yy) = (self.mul(xs, xs), self.mul(ys, ys));
        let n = self.add(xx, yy);
        let far_re = self.div(xs, n);
        let far_re = self.div(far_re, m);
        let pi2 = c(self, std::f64::consts::FRAC_PI_2);
        let far = c(self, atanh_far(real));
        let is_far = self.bin(BinaryOp::Greater, m, far);
        self.select(is_far, (far_re, pi2), (re, im))
    }

    /// `base` where a and b are finite; elsewhere the standard's tables (C99 Annex G) for
    /// asinh, atanh, acosh, acos: magnitudes from the first quadrant, signs from a and b
    /// (the interpreter's `inverse_special`, as selects).
    fn inverse_specials(&mut self, op: UnaryOp, (a, b): Pair, base: Pair) -> Pair {
        use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, PI};
        use UnaryOp::*;
        let c = |s: &mut Self, v: f64| s.fill_as(v, a, None);
        let (nan, inf, zero) = (c(self, f64::NAN), c(self, f64::INFINITY), c(self, 0.0));
        let (pi, pi2, pi4, pi34) = (
            c(self, PI),
            c(self, FRAC_PI_2),
            c(self, FRAC_PI_4),
            c(self, 3.0 * FRAC_PI_4),
        );
        let (a_nan, b_nan) = (self.un(IsNan, a), self.un(IsNan, b));
        let (a_inf, b_inf) = (self.un(IsInf, a), self.un(IsInf, b));
        let a_pinf = self.is_value(a, f64::INFINITY);
        let a_zero = self.is_value(a, 0.0);
        let b_zero = self.is_value(b, 0.0);
        let pick =
            |s: &mut Self, cond: NodeId, x: NodeId, y: NodeId| s.push(Op::Where, &[cond, x, y]);
        // acosh/acos's angle for b infinite: π/4, 3π/4, π/2 for a = +inf, -inf, finite.
        let side = pick(self, a_pinf, pi4, pi34);
        let angle = pick(self, a_inf, side, pi2);
        let angle = pick(self, a_nan, nan, angle);
        let zero_nan = self.bin(BinaryOp::LogicalAnd, a_zero, b_nan);
        let start = (nan, nan);
        let (r, i) = match op {
            Asinh => {
                let i_anan = pick(self, b_zero, zero, nan);
                let s = self.select(a_nan, (nan, i_anan), start);
                let i_ainf = pick(self, b_nan, nan, zero);
                let s = self.select(a_inf, (inf, i_ainf), s);
                let i_binf = pick(self, a_inf, pi4, pi2);
                let i_binf = pick(self, a_nan, nan, i_binf);
                self.select(b_inf, (inf, i_binf), s)
            }
            Atanh => {
                let s = self.select(zero_nan, (zero, nan), start);
                let i_ainf = pick(self, b_nan, nan, pi2);
                let s = self.select(a_inf, (zero, i_ainf), s);
                self.select(b_inf, (zero, pi2), s)
            }
            Acosh => {
                let s = self.select(zero_nan, (nan, pi2), start);
                let i_ainf = pick(self, a_pinf, zero, pi);
                let i_ainf = pick(self, b_nan, nan, i_ainf);
                let s = self.select(a_inf, (inf, i_ainf), s);
                self.select(b_inf, (inf, angle), s)
            }
            _ => {
                // acos
                let s = self.select(zero_nan, (pi2, nan), start);
                let r_ainf = pick(self, a_pinf, zero, pi);
                let r_ainf = pick(self, b_nan, nan, r_ainf);
                let s = self.select(a_inf, (r_ainf, inf), s);
                self.select(b_inf, (angle, inf), s)
            }
        };
        // The table's magnitudes and, where both parts are finite, the formula (which
        // loses a zero's sign), both with the signs of the principal branch.
        let special = self.branch_signs(op, (a, b), (r, i));
        let base = self.branch_signs(op, (a, b), base);
        let (fa, fb) = (self.un(IsFinite, a), self.un(IsFinite, b));
        let finite = self.bin(BinaryOp::LogicalAnd, fa, fb);
        self.select(finite, base, special)
    }

    /// `w` with the signs the principal branch of `op` gives its parts: the real part of
    /// asinh and atanh takes a's sign; the imaginary part of asinh, atanh and acosh
    /// takes b's, acos's the opposite of b's (the interpreter's `branch_signs`).
    fn branch_signs(&mut self, op: UnaryOp, (a, b): Pair, (r, i): Pair) -> Pair {
        let sign = |l: &mut Self, x: NodeId, s: NodeId| l.bin(BinaryOp::Copysign, x, s);
        match op {
            UnaryOp::Asinh | UnaryOp::Atanh => (sign(self, r, a), sign(self, i, b)),
            UnaryOp::Acosh => (r, sign(self, i, b)),
            _ => {
                let nb = self.un(UnaryOp::Negative, b);
                (r, sign(self, i, nb))
            }
        }
    }

    /// log(1 + z): where t = 2a + a² + b² (from exact squares) is in [-3/4, 2],
    /// (log1p(t)/2, atan2(b, 1 + a)); else log(z + 1) (the interpreter's
    /// complex_log1p).
    fn clog1p(&mut self, z: Pair) -> Pair {
        use UnaryOp::*;
        let (a, b) = z;
        // 1 + z as (1 + a, b): adding 1 + 0j would turn b = -0 into +0, the other
        // side of the branch cut
        let one = self.fill_as(1.0, a, None);
        let shifted = (self.add(one, a), b);
        // t outside [-3/4, 2] is |1 + z| outside [1/2, 1.732]: clog's near-circle
        // side (|w| in [0.71, 1.73]) would never be selected there.
        let far = self.clog_far(shifted);
        let two_a = self.add(a, a);
        let (aa, bb) = (self.square_exact(a), self.square_exact(b));
        let t = self.sum_exact(two_a, aa, bb);
        let l = self.un(Log1p, t);
        let half = self.fill_as(0.5, a, None);
        let near = (self.mul(l, half), self.bin(BinaryOp::Atan2, b, shifted.0));
        let (lo, hi) = (self.fill_as(-0.75, a, None), self.fill_as(2.0, a, None));
        let above = self.bin(BinaryOp::GreaterEqual, t, lo);
        let below = self.bin(BinaryOp::LessEqual, t, hi);
        let within = self.bin(BinaryOp::LogicalAnd, above, below);
        self.select(within, near, far)
    }

    /// u + p + q for pairs (hi, lo) by two two-sums (the interpreter's `sum_exact`).
    fn sum_exact(&mut self, u: NodeId, p: Pair, q: Pair) -> NodeId {
        let (s1, e1) = self.two_sum(u, p.0);
        let (s2, e2) = self.two_sum(s1, q.0);
        let e = self.add(e1, e2);
        let e = self.add(e, p.1);
        let e = self.add(e, q.1);
        self.add(s2, e)
    }

    /// x + y = s + e exactly (Knuth's two-sum).
    fn two_sum(&mut self, x: NodeId, y: NodeId) -> Pair {
        let s = self.add(x, y);
        let bb = self.sub(s, x);
        let sb = self.sub(s, bb);
        let e1 = self.sub(x, sb);
        let e2 = self.sub(y, bb);
        (s, self.add(e1, e2))
    }

    fn unary(&mut self, op: UnaryOp, x: NodeId) -> Option<Lowered> {
        use Lowered::{Complex as C, Real as R};
        use UnaryOp::*;
        let z = self.parts(x);
        let (a, b) = z;
        Some(match op {
            Real => R(a),
            Imag => R(b),
            Abs => R(self.bin(BinaryOp::Hypot, a, b)),
            IsNan | IsInf => {
                let (p, q) = (self.un(op, a), self.un(op, b));
                R(self.bin(BinaryOp::LogicalOr, p, q))
            }
            IsFinite => {
                let (p, q) = (self.un(op, a), self.un(op, b));
                R(self.bin(BinaryOp::LogicalAnd, p, q))
            }
            Conj => C((a, self.un(Negative, b))),
            Negative => C((self.un(Negative, a), self.un(Negative, b))),
            Positive => C(z),
            Round => C((self.un(Round, a), self.un(Round, b))),
            Square => {
                // (a - b)(a + b) + 2ab·i: a² - b² overflows to inf - inf (NaN) where
                // the difference is still large, and cancels where |a| ≈ |b|. Where
                // |a| = |b| the real part is +0 exactly, also when the other factor
                // overflowed (0·inf). The interpreter's, step for step.
                let (d, s) = (self.sub(a, b), self.add(a, b));
                let ds = self.mul(d, s);
                let d0 = self.is_value(d, 0.0);
                let s0 = self.is_value(s, 0.0);
                let zero = self.bin(BinaryOp::LogicalOr, d0, s0);
                let z = self.fill_as(0.0, a, None);
                let re = self.pick(zero, z, ds);
                let ab = self.mul(a, b);
                C((re, self.add(ab, ab)))
            }
            Exp => C(self.cexp(z)),
            Expm1 => {
                // re = expm1(a)·cos(b) - 2·sin²(b/2), im = exp(a)·sin(b) (e^a as
                // exp_split's r·m); b = 0 keeps the real expm1 (the interpreter's
                // complex_expm1).
                let half = self.fill_as(0.5, b, None);
                let hb = self.mul(b, half);
                let h = self.un(Sin, hb);
                let hh = self.mul(h, h);
                let hh2 = self.add(hh, hh);
                let em = self.un(Expm1, a);
                let cb = self.un(Cos, b);
                let t = self.mul(em, cb);
                let re = self.sub(t, hh2);
                // Past exp_split's limit or below a = -1, e^a·cos b - 1 (the same
                // value) from r·m.
                let (r, m) = self.exp_split(a);
                let rc = self.mul(r, cb);
                let big_re = self.mul(rc, m);
                let one = self.fill_as(1.0, a, None);
                let big_re = self.sub(big_re, one);
                // m is 1 below the limit (and r is e^a there); below a = -1 the direct
                // form cancels nothing (and gives the standard's -1 at a = -inf)
                let below = self.bin(BinaryOp::Equal, m, one);
                let minus_one = self.fill_as(-1.0, a, None);
                let near = self.bin(BinaryOp::GreaterEqual, a, minus_one);
                let below = self.bin(BinaryOp::LogicalAnd, below, near);
                let re = self.pick(below, re, big_re);
                let sb = self.un(Sin, b);
                let rs = self.mul(r, sb);
                let im = self.mul(rs, m);
                let zero = self.fill_as(0.0, b, None);
                let real_axis = self.bin(BinaryOp::Equal, b, zero);
                let z = self.select(real_axis, (em, b), (re, im));
                // The standard's cases (C99 cexp, minus one) where the formula gives
                // NaN: an infinite a with b infinite or NaN.
                C(self.infinite_real_part((a, b), z, (-1.0, 0.0)))
            }
            Log => C(self.clog(z)),
            Log2 | Log10 => {
                let (re, im) = self.clog(z);
                let base: f64 = if op == Log2 { 2.0 } else { 10.0 };
                let k = self.fill_as(base.ln(), re, None);
                C((self.div(re, k), self.div(im, k)))
            }
            Reciprocal => {
                let one = self.fill_as(1.0, a, None);
                let zero = self.fill_as(0.0, a, None);
                C(self.cdiv((one, zero), z))
            }
            Sign => {
                // z/|z| as z·s/(|z|·s) (abs_scale: finite past the largest float,
                // accurate for subnormal parts); 0 for 0; NaN + NaN·i when a part is NaN.
                let (_, (sa, sb)) = self.abs_scale(z);
                let h = self.bin(BinaryOp::Hypot, sa, sb);
                let q = (self.div(sa, h), self.div(sb, h));
                let zero = self.fill_as(0.0, a, None);
                let is_zero = self.bin(BinaryOp::Equal, h, zero);
                let q = self.select(is_zero, (zero, zero), q);
                let nan = self.fill_as(f64::NAN, a, None);
                let (na, nb) = (self.un(IsNan, a), self.un(IsNan, b));
                let any_nan = self.bin(BinaryOp::LogicalOr, na, nb);
                C(self.select(any_nan, (nan, nan), q))
            }
            Sqrt => C(self.csqrt(z)),
            Sinh => C(self.csinh(z)),
            Cosh => C(self.ccosh(z)),
            // As the standard defines them (and their special cases): sin(z) =
            // -i·sinh(iz), cos(z) = cosh(iz), with iz = -b + ai.
            Sin => C(self.of_iz(z, Self::csinh)),
            Cos => {
                let nb = self.un(Negative, b);
                C(self.ccosh((nb, a)))
            }
            Tanh => C(self.ctanh(z)),
            Asin | Acos | Atan | Asinh | Acosh | Atanh => C(self.inverse(op, z)),
            Log1p => C(self.clog1p(z)),
            Tan => C(self.of_iz(z, Self::ctanh)),
            _ => return None,
        })
    }

    fn binary(&mut self, op: BinaryOp, x: Pair, y: Pair) -> Option<Lowered> {
        use BinaryOp::*;
        use Lowered::{Complex as C, Real as R};
        Some(match op {
            Add => C((self.add(x.0, y.0), self.add(x.1, y.1))),
            Subtract => C((self.sub(x.0, y.0), self.sub(x.1, y.1))),
            Multiply => C(self.cmul(x, y)),
            Divide => C(self.cdiv(x, y)),
            Equal => {
                let (p, q) = (self.bin(Equal, x.0, y.0), self.bin(Equal, x.1, y.1));
                R(self.bin(LogicalAnd, p, q))
            }
            NotEqual => {
                let (p, q) = (self.bin(NotEqual, x.0, y.0), self.bin(NotEqual, x.1, y.1));
                R(self.bin(LogicalOr, p, q))
            }
            Pow => match self.integer_exponent(x, y) {
                // NumPy's case: an integer exponent, |n| <= 100, as products by
                // squaring, and 1/that for a negative one (the interpreter's
                // `complex_pow`): (1 + 1j)**3 is -2 + 2j exactly, not exp(3·log z).
                Some(n) => {
                    let r = powi_by_squaring(n.unsigned_abs(), x, |a, b| self.cmul(a, b));
                    if n > 0 {
                        C(r)
                    } else {
                        let one = self.cconst(1.0, 0.0, x.0);
                        C(self.cdiv(one, r))
                    }
                }
                None => C(self.cpow(x, y)),
            },
            _ => return None,
        })
    }

    /// z^w = exp(w·log z), and z^0 = 1 for every z. complex64 computes in complex128
    /// and rounds the parts back: w·log z's imaginary part is an angle, and its own
    /// rounding error, up to 2^-24 relative, becomes the result's relative error
    /// (a part 50 ulp off for (2.18 + 1e20j)^(2 + 1.7j), whose angle is 81.2).
    fn cpow(&mut self, x: Pair, y: Pair) -> Pair {
        if self.out.node(x.0).meta.dtype == DType::F32 {
            let wide = Op::Cast(DType::F64);
            let (x, y) = (self.on_parts(&wide, x), self.on_parts(&wide, y));
            let r = self.cpow(x, y);
            return self.on_parts(&Op::Cast(DType::F32), r);
        }
        use BinaryOp::{Equal, LogicalAnd};
        let l = self.clog(x);
        let p = self.cmul(y, l);
        let e = self.cexp(p);
        let zero = self.fill_as(0.0, y.0, None);
        let one = self.fill_as(1.0, y.0, None);
        let (r0, i0) = (self.bin(Equal, y.0, zero), self.bin(Equal, y.1, zero));
        let w0 = self.bin(LogicalAnd, r0, i0);
        self.select(w0, (one, zero), e)
    }

    fn reduce(
        &mut self,
        op: ReduceOp,
        axes: &Axes,
        keepdims: bool,
        correction_bits: u64,
        x: NodeId,
    ) -> Option<Lowered> {
        let red = |op| Op::Reduce {
            op,
            axes: axes.clone(),
            keepdims,
            correction_bits,
        };
        let (re, im) = self.parts(x);
        Some(match op {
            ReduceOp::Sum | ReduceOp::Mean => {
                Lowered::Complex((self.push(red(op), &[re]), self.push(red(op), &[im])))
            }
            ReduceOp::Any | ReduceOp::All => {
                let zero = self.fill_as(0.0, re, None);
                let p = self.bin(BinaryOp::NotEqual, re, zero);
                let q = self.bin(BinaryOp::NotEqual, im, zero);
                let nz = self.bin(BinaryOp::LogicalOr, p, q);
                Lowered::Real(self.push(red(op), &[nz]))
            }
            ReduceOp::Prod => Lowered::Complex(self.complex_prod(x, axes, keepdims)),
            _ => return None,
        })
    }

    /// The product of complex values over `axes`, which no pair of real reductions
    /// gives: the reduced axes moved last and flattened into one, a complex cumulative
    /// product along it with the initial 1 (a scan step on packed values, run by the
    /// runtime's scan routine), and its last element, reshaped to the result. An empty
    /// axis gives the initial 1.
    fn complex_prod(&mut self, x: NodeId, axes: &Axes, keepdims: bool) -> Pair {
        let parts = self.parts(x);
        let dims = self.out.node(parts.0).meta.shape.0.clone();
        let reduced: Vec<usize> = (0..dims.len()).filter(|a| axes.contains(a)).collect();
        let kept: Vec<usize> = (0..dims.len()).filter(|a| !axes.contains(a)).collect();
        let perm: Axes = kept.iter().chain(&reduced).copied().collect();
        // The views act on the real parts (kernels), the scan on packed values.
        let moved = match perm.iter().enumerate().all(|(i, &p)| i == p) {
            true => parts,
            false => self.on_parts(&Op::Permute(perm), parts),
        };
        let k: usize = reduced.iter().map(|&a| dims[a]).product();
        let mut flat: Vec<usize> = kept.iter().map(|&a| dims[a]).collect();
        flat.push(k);
        let flat_parts = self.on_parts(&Op::Reshape(Shape::new(&flat)), moved);
        let flat_node = self.pack(flat_parts);
        let scan = Op::Scan {
            op: ScanOp::CumProd,
            axis: kept.len(),
            include_initial: true,
        };
        let running = self.push(scan, &[flat_node]);
        let running = self.unpack(running);
        let mut cut: SmallVec<[SliceDim; 4]> = kept
            .iter()
            .map(|&a| SliceDim {
                start: 0,
                step: 1,
                len: dims[a],
            })
            .collect();
        cut.push(SliceDim {
            start: k,
            step: 1,
            len: 1,
        });
        let last = self.on_parts(&Op::Slice(cut), running);
        let out: Vec<usize> = match keepdims {
            true => (0..dims.len())
                .map(|a| if axes.contains(&a) { 1 } else { dims[a] })
                .collect(),
            false => kept.iter().map(|&a| dims[a]).collect(),
        };
        self.on_parts(&Op::Reshape(Shape::new(&out)), last)
    }
}

/// What a source node became.
enum Lowered {
    /// A real value.
    Real(NodeId),
    /// A complex value as its parts.
    Complex(Pair),
    /// A complex value as one complex node.
    Packed(NodeId),
}
