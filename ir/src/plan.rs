//! The fusion planner: from an optimised `Graph` to a `FusionPlan`, a list of steps
//! (mostly kernels) over a set of buffers.
//!
//! Which nodes get a buffer ("materialised"):
//! - requested outputs and constants;
//! - reductions, scans and concatenations (their results), and scan inputs;
//! - an expensive node (a transcendental in its fused subtree) that several kernels
//!   would otherwise recompute, or that a broadcast would recompute per output element;
//! - a node that views read at more points than it has (a stencil's shifted slices),
//!   where recomputing it at each costs more than a buffer (`mark_points_read_again`);
//! - the input of a reshape that its layout cannot express (a reshape of a transpose).
//!
//! Everything else fuses into the kernel of the buffer it feeds: elementwise ops and
//! views become one loop nest over the buffer's shape, views turning into affine
//! accesses (`Layout`), fills into constants, iotas into index values.
//!
//! Kernels with the same loop nest are grouped: elementwise roots of one shape share one
//! kernel (one reads another's value directly, not from memory), and reductions of one
//! input over the same axes share one pass (zscore's mean and var).

use crate::data::Literal;
use crate::dtype::DType;
use crate::graph::{Graph, NodeId};
use crate::kernel::{
    Access, AccessParams, Arg, Instr, Kernel, KernelParams, Reduction, Store, Stride, Value,
};
use crate::layout::Layout;
use crate::library::LibCall;
use crate::op::{Op, ReduceOp, ScanOp};
use crate::shape::Shape;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use smallvec::SmallVec;
use std::fmt;

/// A materialised array.
#[derive(Clone, Debug)]
pub struct Buffer {
    pub shape: Shape,
    pub dtype: DType,
    /// The graph node whose value it holds.
    pub node: NodeId,
    /// Data that exists before the plan runs (a constant).
    pub constant: Option<Literal>,
}

/// One compiled loop nest and what it is launched with.
#[derive(Clone, Debug)]
pub struct KernelStep {
    pub kernel: Kernel,
    pub params: KernelParams,
    /// Buffer for each kernel argument.
    pub args: Vec<usize>,
    /// Graph nodes computed by this kernel (roots first), for explain().
    pub roots: Vec<NodeId>,
    pub fused: Vec<NodeId>,
}

/// A step of a plan.
#[derive(Clone, Debug)]
pub enum Step {
    Kernel(Box<KernelStep>),
    /// Cumulative sum/product along an axis: a library routine, each line a
    /// sequential fold.
    Scan {
        op: ScanOp,
        axis: usize,
        include_initial: bool,
        input: usize,
        output: usize,
    },
    /// A library routine (`library::LibCall`) on materialised inputs; writes the
    /// buffer of each of its outputs that the plan keeps (`None`: unused output).
    Library {
        call: LibCall,
        inputs: Vec<usize>,
        /// How each input reads its buffer: contiguous unless the call takes views.
        layouts: Vec<Layout>,
        outputs: Vec<Option<usize>>,
        /// Where the user's call that made it was written, for errors its values cause
        /// (an index out of bounds, a singular matrix).
        loc: crate::graph::Loc,
    },
}

impl Step {
    /// Buffers the step reads.
    pub fn reads(&self) -> Vec<usize> {
        match self {
            Step::Kernel(k) => k
                .kernel
                .args
                .iter()
                .zip(&k.args)
                .filter(|(a, _)| !a.output)
                .map(|(_, &b)| b)
                .collect(),
            Step::Scan { input, .. } => vec![*input],
            Step::Library { inputs, .. } => inputs.clone(),
        }
    }

    /// Buffers the step writes.
    pub fn writes(&self) -> Vec<usize> {
        match self {
            Step::Kernel(k) => k
                .kernel
                .args
                .iter()
                .zip(&k.args)
                .filter(|(a, _)| a.output)
                .map(|(_, &b)| b)
                .collect(),
            Step::Scan { output, .. } => vec![*output],
            Step::Library { outputs, .. } => outputs.iter().flatten().copied().collect(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct FusionPlan {
    pub buffers: Vec<Buffer>,
    pub steps: Vec<Step>,
    /// Buffer of each graph output.
    pub outputs: Vec<usize>,
    /// Why each materialised node (other than outputs and constants) got a buffer.
    pub reasons: Vec<(NodeId, &'static str)>,
}

/// Cost weight of an op in a fused subtree: transcendentals and divisions are
/// expensive, the rest cheap. Used to decide recompute versus materialise.
fn op_cost(op: &Op) -> u32 {
    match op {
        Op::Unary(u) if u.is_cheap() => 1,
        Op::Unary(_) => 8,
        Op::Binary(b) if b.is_function() => 8,
        Op::Binary(_) | Op::Where | Op::Fma | Op::Cast(_) => 1,
        _ => 0,
    }
}

/// Recomputing a subtree that costs at least this much is worse than a round trip
/// through memory.
const MATERIALISE_COST: u32 = 8;

/// Recomputation (in `op_cost` units) below which a value read again by views stays
/// fused whatever its ratio: a kernel launch of its own costs a few microseconds.
const MIN_RECOMPUTED_WORK: u128 = 1 << 14;

/// The deepest chain of ops one kernel fuses.
const MAX_FUSED_DEPTH: u32 = 1024;

/// A group stops taking roots once its body is this long (kernels stay quick to compile).
const MAX_GROUP_INSTRS: usize = 256;

/// Rows of a row-local kernel must fit in this many bytes (L2), so that every pass over
/// a row after the first reads cache, not memory.
const ROW_BYTES: usize = 256 * 1024;

struct Planner<'g> {
    g: &'g Graph,
    materialised: Vec<bool>,
    reasons: Vec<(NodeId, &'static str)>,
    eager: bool,
}

/// Why planning must retry: a node that has to be materialised first.
struct Retry(NodeId, &'static str);

/// Why emitting a root stopped.
enum Stop {
    Retry(Retry),
    /// The root reads a root of its group in a way one loop nest cannot serve (another
    /// point's value, or a reduction not finished yet): it starts a new kernel.
    Forbidden,
}

impl From<Retry> for Stop {
    fn from(r: Retry) -> Stop {
        Stop::Retry(r)
    }
}

pub fn plan(g: &Graph) -> FusionPlan {
    plan_with(g, false)
}

/// `eager`: fusion off, as NumPy runs: every computing node (elementwise or reduction)
/// gets its own kernel and buffer; only views and fills stay free (they are strides and
/// scalars there too). The honest baseline for fused-versus-eager comparisons.
pub fn plan_with(g: &Graph, eager: bool) -> FusionPlan {
    let mut p = Planner {
        g,
        materialised: vec![false; g.nodes.len()],
        reasons: Vec::new(),
        eager,
    };
    if eager {
        for (i, n) in g.nodes.iter().enumerate() {
            if n.op.is_elementwise() {
                p.mark(NodeId(i as u32), "eager mode: every op is its own kernel");
            }
        }
    }
    for o in &g.outputs {
        p.materialised[o.index()] = true;
    }
    for (i, n) in g.nodes.iter().enumerate() {
        let id = NodeId(i as u32);
        match &n.op {
            Op::Constant(_) => p.materialised[i] = true,
            Op::Reduce { .. } | Op::Concat { .. } => p.mark(id, "reduction or concat result"),
            Op::Scan { .. } => {
                p.mark(id, "scan result");
                p.mark(n.inputs[0], "scan input");
            }
            Op::Library { call, .. } => {
                p.mark(id, "library call result");
                for &x in &n.inputs {
                    let base = library_view(g, call, x).0;
                    p.mark(base, "library call input");
                }
            }
            _ => {}
        }
    }
    p.mark_expensive_broadcasts();
    p.mark_points_read_again();
    p.mark_deep_chains();
    loop {
        p.mark_shared_expensive();
        match p.build() {
            Ok(plan) => return plan,
            Err(Retry(node, why)) => p.mark(node, why),
        }
    }
}

impl<'g> Planner<'g> {
    fn input_metas(&self, id: NodeId) -> Vec<&crate::op::Meta> {
        self.g
            .node(id)
            .inputs
            .iter()
            .map(|&x| &self.g.node(x).meta)
            .collect()
    }

    fn mark(&mut self, id: NodeId, why: &'static str) {
        if !self.materialised[id.index()] {
            self.materialised[id.index()] = true;
            self.reasons.push((id, why));
        }
    }

    /// For every node, the cost of the subtree that fuses with it (materialised
    /// inputs count 0); one forward sweep, since nodes are in topological order (no
    /// recursion: graphs may be 100 000 nodes deep).
    fn subtree_costs(&self) -> Vec<u32> {
        let mut cost = vec![0u32; self.g.nodes.len()];
        for i in 0..cost.len() {
            cost[i] = self.fused_cost(i, &cost);
        }
        cost
    }

    /// Node `i`'s op cost plus the costs (`cost`, known for every earlier node) of its
    /// inputs that are not materialised.
    fn fused_cost(&self, i: usize, cost: &[u32]) -> u32 {
        let node = &self.g.nodes[i];
        (node.inputs.iter())
            .filter(|x| !self.materialised[x.index()])
            .fold(op_cost(&node.op), |c, x| c.saturating_add(cost[x.index()]))
    }

    /// Split fused chains deeper than `MAX_FUSED_DEPTH` (a 100 000-op chain becomes
    /// kernels of bounded size, which compile fast and share one cached structure).
    fn mark_deep_chains(&mut self) {
        // One sweep: a node that would exceed the depth is materialised, which makes
        // its depth as an input 0 for everything above it.
        let mut depth = vec![0u32; self.g.nodes.len()];
        for i in 0..self.g.nodes.len() {
            let d = 1 + self.g.nodes[i]
                .inputs
                .iter()
                .filter(|j| !self.materialised[j.index()])
                .map(|j| depth[j.index()])
                .max()
                .unwrap_or(0);
            if d > MAX_FUSED_DEPTH {
                self.mark(
                    NodeId(i as u32),
                    "fused chain too deep: split to bound the kernel's size",
                );
                depth[i] = 1;
            } else {
                depth[i] = d;
            }
        }
    }

    /// A broadcast that stretches an expensive subtree would recompute it for every
    /// output element: materialise the subtree once instead.
    fn mark_expensive_broadcasts(&mut self) {
        let cost = self.subtree_costs();
        for n in &self.g.nodes {
            if let Op::Broadcast(_) = n.op {
                let input = n.inputs[0];
                let grows = n.meta.shape.size() > self.g.node(input).meta.shape.size();
                if grows
                    && !self.materialised[input.index()]
                    && cost[input.index()] >= MATERIALISE_COST
                {
                    self.mark(input, "expensive value broadcast to a larger shape");
                }
            }
        }
    }

    /// A value that views read at more points than it has (a stencil's shifted slices
    /// of one array, `u.T + u`, a `diff`) is recomputed at each of them in the kernel
    /// that fuses it: materialise it where that extra work, (points read / points - 1)
    /// times its subtree's cost, exceeds `MATERIALISE_COST`, the price of a round trip
    /// through memory, and is at least `MIN_RECOMPUTED_WORK`. Without this, n steps of
    /// a time-stepped stencil (each step reads four slices of the previous one) fused
    /// into one kernel that recomputed the first step 4^n times: ten steps on a 1000 ×
    /// 1000 grid took 5.4 s. Views that split a value into disjoint parts (`x[:, ::2] +
    /// x[:, 1::2]`) read no point twice and stay fused, as do values a broadcast
    /// repeats (below). One forward sweep: a node materialised here costs nothing to
    /// the nodes above it, so each decision sees its inputs' final costs.
    fn mark_points_read_again(&mut self) {
        let n = self.g.nodes.len();
        // Points of each node read by its users: every view that moves points (a
        // slice, a permutation, a reshape) reads its own size; all other users
        // together read the node once, at its own points. So does a broadcast: a value
        // it repeats is fused on purpose (a row sum plus eps dividing the row stays in
        // the row's one-pass kernel), and an expensive one is stored by
        // `mark_expensive_broadcasts`.
        let mut read = vec![0u128; n];
        let mut direct = vec![false; n];
        for node in &self.g.nodes {
            for &x in &node.inputs {
                if node.op.is_view() && !matches!(node.op, Op::Broadcast(_)) {
                    read[x.index()] += node.meta.shape.size() as u128;
                } else {
                    direct[x.index()] = true;
                }
            }
        }
        let mut cost = vec![0u32; n];
        for i in 0..n {
            let c = self.fused_cost(i, &cost);
            cost[i] = c;
            let size = self.g.nodes[i].meta.shape.size() as u128;
            if self.materialised[i] || c == 0 || size == 0 {
                continue;
            }
            let points = read[i] + if direct[i] { size } else { 0 };
            // (points / size - 1) · cost > MATERIALISE_COST, in integers (a value read
            // twice with one transcendental, `diff(exp(x))`, stays fused, as before),
            // and enough work in all to outweigh a kernel of its own.
            let extra = points.saturating_sub(size).saturating_mul(u128::from(c));
            if extra > size * u128::from(MATERIALISE_COST) && extra >= MIN_RECOMPUTED_WORK {
                self.mark(
                    NodeId(i as u32),
                    "read again at other points by views: recomputing costs more than storing",
                );
            }
        }
    }

    /// Roots whose kernels read each non-materialised node.
    fn clusters_of(&self) -> Vec<Vec<NodeId>> {
        let mut users: Vec<Vec<NodeId>> = vec![Vec::new(); self.g.nodes.len()];
        for (i, _) in self.g.nodes.iter().enumerate() {
            if !self.materialised[i] || matches!(self.g.nodes[i].op, Op::Constant(_)) {
                continue;
            }
            let root = NodeId(i as u32);
            let mut stack: Vec<NodeId> = self.g.nodes[i].inputs.to_vec();
            let mut seen = HashSet::default();
            while let Some(id) = stack.pop() {
                if self.materialised[id.index()] || !seen.insert(id) {
                    continue;
                }
                users[id.index()].push(root);
                stack.extend(self.g.node(id).inputs.iter().copied());
            }
        }
        users
    }

    /// An expensive node that two kernels would both compute is computed once.
    fn mark_shared_expensive(&mut self) {
        loop {
            let users = self.clusters_of();
            let cost = self.subtree_costs();
            let mut changed = false;
            for (i, kernels) in users.iter().enumerate() {
                let id = NodeId(i as u32);
                let n = self.g.node(id);
                if !self.materialised[i]
                    && kernels.len() >= 2
                    && op_cost(&n.op) >= MATERIALISE_COST
                    && cost[i] >= MATERIALISE_COST
                {
                    self.mark(id, "expensive value used by several kernels");
                    changed = true;
                }
            }
            if !changed {
                return;
            }
        }
    }

    /// A concat whose parts all have one shape as one kernel that stores every part
    /// into its slice: the parts share their loads and common work, which separate
    /// kernels each recomputed (a complex value's two parts, packed by a concat, come
    /// from one formula). None where the parts differ in shape, one cannot join, or the
    /// body grows past `MAX_GROUP_INSTRS` before the last part.
    fn concat_in_one_kernel(
        &self,
        buffer_of: &[Option<usize>],
        id: NodeId,
        axis: usize,
    ) -> Result<Option<KernelStep>, Retry> {
        let parts = &self.g.node(id).inputs;
        let shape = &self.g.node(parts[0]).meta.shape;
        if parts.len() < 2 || parts.iter().any(|&p| self.g.node(p).meta.shape != *shape) {
            return Ok(None);
        }
        let mut g = Group::new(self, buffer_of, Domain::of_shape(shape));
        let len = shape.0[axis];
        for (k, &part) in parts.iter().enumerate() {
            // As a group takes roots: not past this length (a stack of many parts
            // stays a kernel each, quick to compile).
            if k > 0 && g.instrs.len() >= MAX_GROUP_INSTRS {
                return Ok(None);
            }
            match g.add_concat_part(id, part, axis, k * len) {
                Ok(()) => {}
                Err(Stop::Retry(r)) => return Err(r),
                Err(Stop::Forbidden) => return Ok(None),
            }
        }
        Ok(Some(g.finish()))
    }

    fn build(&self) -> Result<FusionPlan, Retry> {
        let mut buffers: Vec<Buffer> = Vec::new();
        let mut buffer_of: Vec<Option<usize>> = vec![None; self.g.nodes.len()];
        for (i, n) in self.g.nodes.iter().enumerate() {
            if self.materialised[i] {
                buffer_of[i] = Some(buffers.len());
                buffers.push(Buffer {
                    shape: n.meta.shape.clone(),
                    dtype: n.meta.dtype,
                    node: NodeId(i as u32),
                    constant: match &n.op {
                        Op::Constant(l) => Some(l.clone()),
                        _ => None,
                    },
                });
            }
        }
        let mut steps: Vec<Step> = Vec::new();
        let mut group: Option<Group> = None;
        // The step of each library call already placed: outputs of one call (same
        // routine, same inputs) share it.
        let mut calls: HashMap<(LibCall, Vec<NodeId>), usize> = HashMap::default();
        for (i, n) in self.g.nodes.iter().enumerate() {
            let id = NodeId(i as u32);
            if !self.materialised[i] || matches!(n.op, Op::Constant(_)) {
                continue;
            }
            match &n.op {
                Op::Scan {
                    op,
                    axis,
                    include_initial,
                } => {
                    flush(&mut group, &mut steps);
                    steps.push(Step::Scan {
                        op: *op,
                        axis: *axis,
                        include_initial: *include_initial,
                        input: buffer_of[n.inputs[0].index()]
                            .expect("scan inputs are materialised"),
                        output: buffer_of[i].expect("materialised"),
                    });
                }
                Op::Library { call, output } => {
                    let key = (call.clone(), n.inputs.to_vec());
                    let step = match calls.get(&key) {
                        Some(&s) => s,
                        None => {
                            flush(&mut group, &mut steps);
                            let n_out = call
                                .infer("plan", &self.input_metas(id))
                                .expect("the node was inferred when built")
                                .len();
                            let views: Vec<(NodeId, Layout)> = n
                                .inputs
                                .iter()
                                .map(|&x| library_view(self.g, call, x))
                                .collect();
                            steps.push(Step::Library {
                                call: call.clone(),
                                inputs: views
                                    .iter()
                                    .map(|(x, _)| {
                                        buffer_of[x.index()]
                                            .expect("library inputs are materialised")
                                    })
                                    .collect(),
                                layouts: views.into_iter().map(|(_, l)| l).collect(),
                                outputs: vec![None; n_out],
                                loc: n.loc,
                            });
                            calls.insert(key, steps.len() - 1);
                            steps.len() - 1
                        }
                    };
                    if let Step::Library { outputs, .. } = &mut steps[step] {
                        outputs[*output as usize] = buffer_of[i];
                    }
                }
                Op::Concat { axis } => {
                    flush(&mut group, &mut steps);
                    if let Some(k) = self.concat_in_one_kernel(&buffer_of, id, *axis)? {
                        steps.push(Step::Kernel(Box::new(k)));
                        continue;
                    }
                    let mut start = 0;
                    for &part in &n.inputs {
                        let len = self.g.node(part).meta.shape.0[*axis];
                        let mut g = Group::new(
                            self,
                            &buffer_of,
                            Domain::of_shape(&self.g.node(part).meta.shape),
                        );
                        match g.add_concat_part(id, part, *axis, start) {
                            Ok(()) => {}
                            Err(Stop::Retry(r)) => return Err(r),
                            Err(Stop::Forbidden) => {
                                unreachable!("a fresh group has no roots to read")
                            }
                        }
                        steps.push(Step::Kernel(Box::new(g.finish())));
                        start += len;
                    }
                }
                _ => {
                    let domain = Domain::for_root(self.g, id);
                    let joined = match group.as_mut() {
                        Some(g) if !self.eager && g.accepts(&domain) => g.try_add_root(id)?,
                        _ => false,
                    };
                    if !joined {
                        flush(&mut group, &mut steps);
                        let mut g = Group::new(self, &buffer_of, domain);
                        match g.add_root(id) {
                            Ok(()) => {}
                            Err(Stop::Retry(r)) => return Err(r),
                            Err(Stop::Forbidden) => {
                                unreachable!("a fresh group has no roots to read")
                            }
                        }
                        group = Some(g);
                    }
                }
            }
        }
        flush(&mut group, &mut steps);
        drop_dead_stores(
            &mut steps,
            &self
                .g
                .outputs
                .iter()
                .map(|o| buffer_of[o.index()].expect("outputs are materialised"))
                .collect::<Vec<_>>(),
        );
        Ok(FusionPlan {
            outputs: self
                .g
                .outputs
                .iter()
                .map(|o| buffer_of[o.index()].expect("outputs are materialised"))
                .collect(),
            buffers,
            steps,
            reasons: self.reasons.clone(),
        })
    }
}

/// The node whose buffer `x` reads through views, and the layout of that reading:
/// `x` itself, contiguous, unless `x` is a chain of views whose composition is affine
/// (a reshape that cannot be expressed restarts the walk at its input).
fn view_of(g: &Graph, x: NodeId) -> (NodeId, Layout) {
    let mut chain = Vec::new();
    let mut base = x;
    while g.node(base).op.is_view() {
        chain.push(base);
        base = g.node(base).inputs[0];
    }
    // Walk forward from the base; restart after any view the layout cannot express.
    let mut layout = Layout::contiguous(&g.node(base).meta.shape);
    for &v in chain.iter().rev() {
        match layout.apply(&g.node(v).op) {
            Some(l) => layout = l,
            None => {
                // Materialise the view's input (contiguous) and read it through this
                // view (a reshape of a contiguous buffer always can be), rather than
                // copy the input and then the view's result.
                let input = g.node(v).inputs[0];
                let fresh = Layout::contiguous(&g.node(input).meta.shape);
                (base, layout) = match fresh.apply(&g.node(v).op) {
                    Some(l) => (input, l),
                    None => (v, Layout::contiguous(&g.node(v).meta.shape)),
                };
            }
        }
    }
    (base, layout)
}

/// The buffer a library call's input `x` reads, and how. A call that takes views
/// (matmul) reads through any affine chain of them. Others read contiguous data of
/// x's shape: the base of x's views when they read all of it in C order from its start
/// (a reshape, `expand_dims` or `squeeze` of a contiguous array: no copy; `mask_select`
/// of 10M f64 copied its 80 MB input before), else x itself, materialised.
fn library_view(g: &Graph, call: &LibCall, x: NodeId) -> (NodeId, Layout) {
    let (base, layout) = view_of(g, x);
    if call.takes_views() {
        return (base, layout);
    }
    let shape = &g.node(x).meta.shape;
    if layout.is_contiguous() && g.node(base).meta.shape.size() == shape.size() {
        (base, Layout::contiguous(shape))
    } else {
        (x, Layout::contiguous(shape))
    }
}

/// A buffer that no step reads and that is not an output was only materialised for
/// readers that ended up in its own kernel (softmax's exp, shared by the row's passes):
/// drop the stores to it, and the arguments and accesses that served them.
fn drop_dead_stores(steps: &mut [Step], outputs: &[usize]) {
    let read: HashSet<usize> = steps.iter().flat_map(Step::reads).collect();
    for s in steps.iter_mut() {
        if let Step::Kernel(k) = s {
            let dead = |arg: usize| {
                let b = k.args[arg];
                k.kernel.args[arg].output && !read.contains(&b) && !outputs.contains(&b)
            };
            let stores: Vec<Store> = k
                .kernel
                .stores
                .iter()
                .filter(|st| !dead(k.kernel.accesses[st.access].arg))
                .cloned()
                .collect();
            if stores.len() == k.kernel.stores.len() {
                continue;
            }
            k.kernel.stores = stores;
            prune(k);
        }
    }
}

/// Remove accesses and arguments nothing refers to any more, renumbering the rest.
fn prune(k: &mut KernelStep) {
    let kernel = &mut k.kernel;
    let mut used = vec![false; kernel.accesses.len()];
    for (instr, _) in &kernel.instrs {
        if let Instr::Load { access } | Instr::Index { access } = instr {
            used[*access] = true;
        }
    }
    for s in &kernel.stores {
        used[s.access] = true;
    }
    for r in &kernel.reductions {
        used[r.access] = true;
    }
    let index_access = |a: usize| {
        kernel
            .instrs
            .iter()
            .any(|(i, _)| *i == Instr::Index { access: a })
    };
    let mut arg_used = vec![false; kernel.args.len()];
    for (a, acc) in kernel.accesses.iter().enumerate() {
        if used[a] && !index_access(a) {
            arg_used[acc.arg] = true;
        }
    }
    let arg_map: Vec<Option<usize>> = {
        let mut next = 0;
        arg_used
            .iter()
            .map(|&u| {
                u.then(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect()
    };
    let acc_map: Vec<Option<usize>> = {
        let mut next = 0;
        used.iter()
            .map(|&u| {
                u.then(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect()
    };
    kernel.accesses = kernel
        .accesses
        .iter()
        .enumerate()
        .filter(|(a, _)| used[*a])
        .map(|(_, acc)| Access {
            arg: arg_map[acc.arg].unwrap_or(0),
            strides: acc.strides.clone(),
        })
        .collect();
    k.params.accesses = k
        .params
        .accesses
        .iter()
        .enumerate()
        .filter(|(a, _)| used[*a])
        .map(|(_, p)| p.clone())
        .collect();
    for (instr, _) in kernel.instrs.iter_mut() {
        if let Instr::Load { access } | Instr::Index { access } = instr {
            *access = acc_map[*access].expect("used");
        }
    }
    for s in kernel.stores.iter_mut() {
        s.access = acc_map[s.access].expect("used");
    }
    for r in kernel.reductions.iter_mut() {
        r.access = acc_map[r.access].expect("used");
    }
    kernel.args = kernel
        .args
        .iter()
        .enumerate()
        .filter(|(a, _)| arg_used[*a])
        .map(|(_, x)| x.clone())
        .collect();
    k.args = k
        .args
        .iter()
        .enumerate()
        .filter(|(a, _)| arg_used[*a])
        .map(|(_, &b)| b)
        .collect();
}

/// Whether `v`'s computation includes a transcendental (worth not computing twice).
fn costly(k: &Kernel, v: Value) -> bool {
    let mut stack = vec![v];
    let mut seen = HashSet::default();
    while let Some(v) = stack.pop() {
        if !seen.insert(v) {
            continue;
        }
        let instr = &k.instrs[v.0 as usize].0;
        if let Instr::Unary(op, _) = instr {
            if op_cost(&Op::Unary(*op)) >= MATERIALISE_COST {
                return true;
            }
        }
        if let Instr::Binary(op, _, _) = instr {
            if op_cost(&Op::Binary(*op)) >= MATERIALISE_COST {
                return true;
            }
        }
        stack.extend(instr.operands());
    }
    false
}

/// In a row-local kernel, a costly value that an earlier phase computes for a reduction
/// and the final pass needs again (softmax's exp) is stored into the final output's
/// place during the earlier pass, and read back instead of recomputed (the row is in
/// cache). Needs the output to have the value's dtype.
fn stash_row_values(k: &mut Kernel) {
    if k.reductions.is_empty() || k.stores.is_empty() {
        return;
    }
    // Phase in which each value is first computed for a reduction.
    let mut computed_in: Vec<Option<usize>> = vec![None; k.instrs.len()];
    for r in &k.reductions {
        let mut stack = vec![r.value];
        while let Some(v) = stack.pop() {
            let slot = &mut computed_in[v.0 as usize];
            if slot.is_some_and(|p| p <= r.phase) {
                continue;
            }
            *slot = Some(r.phase);
            stack.extend(k.instrs[v.0 as usize].0.operands());
        }
    }
    for si in 0..k.stores.len() {
        let store = k.stores[si].clone();
        if store.phase.is_some() {
            continue;
        }
        let out_dtype = k.args[k.accesses[store.access].arg].dtype;
        // The costly value nearest the stored one (largest index in its cone).
        let mut cone = vec![store.value];
        let mut seen: HashSet<Value> = cone.iter().copied().collect();
        let mut i = 0;
        while i < cone.len() {
            for o in k.instrs[cone[i].0 as usize].0.operands() {
                if seen.insert(o) {
                    cone.push(o);
                }
            }
            i += 1;
        }
        let Some((e, phase)) = cone
            .iter()
            .filter_map(|&v| computed_in[v.0 as usize].map(|p| (v, p)))
            .filter(|&(v, _)| v != store.value && k.dtype(v) == out_dtype && costly(k, v))
            .max_by_key(|&(v, _)| v.0)
        else {
            continue;
        };
        k.stores.push(Store {
            access: store.access,
            value: e,
            phase: Some(phase),
        });
        // The final value recomputed with e read back from the output.
        let load = Value(k.instrs.len() as u32);
        k.instrs.push((
            Instr::Load {
                access: store.access,
            },
            out_dtype,
        ));
        let value = substitute(k, store.value, e, load);
        k.stores[si].value = value;
    }
}

/// A copy of `v`'s computation with `from` replaced by `to` (new instructions appended).
fn substitute(k: &mut Kernel, v: Value, from: Value, to: Value) -> Value {
    if v == from {
        return to;
    }
    let (instr, dtype) = k.instrs[v.0 as usize].clone();
    let ops = instr.operands();
    if ops.is_empty() {
        return v;
    }
    let new_ops: Vec<Value> = ops.iter().map(|&o| substitute(k, o, from, to)).collect();
    if new_ops == ops {
        return v;
    }
    let instr = match instr {
        Instr::Unary(op, _) => Instr::Unary(op, new_ops[0]),
        Instr::Cast(_) => Instr::Cast(new_ops[0]),
        Instr::Binary(op, _, _) => Instr::Binary(op, new_ops[0], new_ops[1]),
        Instr::Select(..) => Instr::Select(new_ops[0], new_ops[1], new_ops[2]),
        Instr::Fma(..) => Instr::Fma(new_ops[0], new_ops[1], new_ops[2]),
        other => other,
    };
    k.instrs.push((instr, dtype));
    Value(k.instrs.len() as u32 - 1)
}

fn flush(group: &mut Option<Group>, steps: &mut Vec<Step>) {
    if let Some(g) = group.take() {
        steps.push(Step::Kernel(Box::new(g.finish())));
    }
}

/// The loop nest of a kernel before canonicalisation: the iterated shape, and for a
/// reduction, which axes of that shape are reduced.
#[derive(Clone, Debug, PartialEq)]
struct Domain {
    /// Shape iterated, in the root's own axis order.
    shape: Shape,
    /// Reduced axes (sorted), empty for elementwise.
    reduced: SmallVec<[usize; 4]>,
    reduction: bool,
    /// The node whose index space the domain is (the reduce input, or the root).
    source: Option<NodeId>,
}

impl Domain {
    fn of_shape(shape: &Shape) -> Domain {
        Domain {
            shape: shape.clone(),
            reduced: SmallVec::new(),
            reduction: false,
            source: None,
        }
    }

    fn for_root(g: &Graph, root: NodeId) -> Domain {
        let n = g.node(root);
        match &n.op {
            Op::Reduce { axes, .. } => Domain {
                shape: g.node(n.inputs[0]).meta.shape.clone(),
                reduced: axes.clone(),
                reduction: true,
                source: Some(n.inputs[0]),
            },
            _ => Domain::of_shape(&n.meta.shape),
        }
    }

    /// Loop order: kept axes outside, reduced axes inside.
    fn loop_order(&self) -> Vec<usize> {
        let rank = self.shape.rank();
        let kept = (0..rank).filter(|a| !self.reduced.contains(a));
        kept.chain(self.reduced.iter().copied()).collect()
    }
}

/// A kernel under construction: one or more roots over one domain.
struct Group<'p, 'g> {
    p: &'p Planner<'g>,
    buffer_of: &'p [Option<usize>],
    buffer_dtypes: Vec<DType>,
    domain: Domain,
    roots: Vec<NodeId>,
    fused: Vec<NodeId>,
    /// Emitted values by (node, chain of views between the node and the roots).
    memo: HashMap<(NodeId, Vec<NodeId>), Value>,
    instrs: Vec<(Instr, DType)>,
    /// Each instruction's value, to emit identical instructions once.
    instr_ids: HashMap<(Instr, DType), Value>,
    /// Access layouts in the domain's index space, and their argument buffers.
    accesses: Vec<(usize, Layout)>,
    args: Vec<(usize, bool)>,
    stores: Vec<(usize, Value)>,
    reductions: Vec<(ReduceOp, Value, usize, u64)>,
    /// Each reduction root and the layout of its result in the domain (stride 0 along
    /// the reduced axes): a read of it through exactly this layout is a row value.
    reduction_layouts: Vec<(NodeId, Layout)>,
}

impl<'p, 'g> Group<'p, 'g> {
    fn new(p: &'p Planner<'g>, buffer_of: &'p [Option<usize>], domain: Domain) -> Self {
        let mut buffer_dtypes = Vec::new();
        for (i, b) in buffer_of.iter().enumerate() {
            if let Some(b) = b {
                if *b >= buffer_dtypes.len() {
                    buffer_dtypes.resize(*b + 1, DType::Bool);
                }
                buffer_dtypes[*b] = p.g.nodes[i].meta.dtype;
            }
        }
        Group {
            p,
            buffer_of,
            buffer_dtypes,
            domain,
            roots: Vec::new(),
            fused: Vec::new(),
            memo: HashMap::default(),
            instrs: Vec::new(),
            instr_ids: HashMap::default(),
            accesses: Vec::new(),
            args: Vec::new(),
            stores: Vec::new(),
            reductions: Vec::new(),
            reduction_layouts: Vec::new(),
        }
    }

    /// Whether `root` could join this group: the same loop nest (or, in a row-local
    /// group, an elementwise root over the rows). Whether its reads of the group's
    /// roots are allowed is found while emitting it (`try_add_root`).
    fn accepts(&self, domain: &Domain) -> bool {
        if self.instrs.len() >= MAX_GROUP_INSTRS || domain.shape != self.domain.shape {
            return false;
        }
        let same_nest =
            domain.reduced == self.domain.reduced && domain.reduction == self.domain.reduction;
        same_nest || (self.row_local() && !domain.reduction)
    }

    /// A reduction group whose reduced axes are the trailing ones, with kept axes, and
    /// whose rows fit in L2: later roots may read its results per row, and elementwise
    /// roots over the rows may join (softmax: max, sum and the division in one kernel
    /// that reads each row from memory once).
    fn row_local(&self) -> bool {
        let d = &self.domain;
        let rank = d.shape.rank();
        let r = d.reduced.len();
        let trailing = d
            .reduced
            .iter()
            .enumerate()
            .all(|(i, &a)| a == rank - r + i);
        let row: usize = d.reduced.iter().map(|&a| d.shape.0[a]).product();
        d.reduction && r > 0 && r < rank && trailing && row * 8 <= ROW_BYTES
    }

    /// Whether some input of this (row-local) group is laid out across its rows: one
    /// element apart along a kept axis, further along the innermost reduced one (a
    /// transposed operand, `x.T - mean(x.T, axis=1)`). A row kernel would gather every
    /// element of such a row from another cache line (4000 × 2500 f64: 64 ms); the
    /// reduction alone runs as a column reduction and its consumers as elementwise
    /// kernels in tiles (9 ms), so the group takes no per-row reads.
    fn reads_across_rows(&self) -> bool {
        let rank = self.domain.shape.rank();
        let kept = rank - self.domain.reduced.len();
        self.accesses.iter().any(|(arg, layout)| {
            let input = !self.args[*arg].1;
            let s = &layout.strides;
            input && rank > 0 && !matches!(s[rank - 1], 0 | 1) && s[..kept].contains(&1)
        })
    }

    /// Add `root` if its reads of the group's roots are per point; otherwise leave the
    /// group as it was and return false.
    fn try_add_root(&mut self, root: NodeId) -> Result<bool, Retry> {
        let saved = (
            self.roots.clone(),
            self.fused.clone(),
            self.memo.clone(),
            self.instrs.clone(),
            self.instr_ids.clone(),
            self.accesses.clone(),
            self.args.clone(),
            self.stores.clone(),
            self.reductions.clone(),
            self.reduction_layouts.clone(),
        );
        match self.add_root(root) {
            Ok(()) => Ok(true),
            Err(Stop::Retry(r)) => Err(r),
            Err(Stop::Forbidden) => {
                (
                    self.roots,
                    self.fused,
                    self.memo,
                    self.instrs,
                    self.instr_ids,
                    self.accesses,
                    self.args,
                    self.stores,
                    self.reductions,
                    self.reduction_layouts,
                ) = saved;
                Ok(false)
            }
        }
    }

    fn arg(&mut self, buffer: usize, output: bool) -> usize {
        if let Some(i) = self
            .args
            .iter()
            .position(|&(b, o)| b == buffer && o == output)
        {
            return i;
        }
        self.args.push((buffer, output));
        self.args.len() - 1
    }

    fn access(&mut self, arg: usize, layout: Layout) -> usize {
        if let Some(i) = self
            .accesses
            .iter()
            .position(|(a, l)| *a == arg && *l == layout)
        {
            return i;
        }
        self.accesses.push((arg, layout));
        self.accesses.len() - 1
    }

    fn push(&mut self, instr: Instr, dtype: DType) -> Value {
        if let Some(&v) = self.instr_ids.get(&(instr.clone(), dtype)) {
            return v;
        }
        let v = Value(self.instrs.len() as u32);
        self.instrs.push((instr.clone(), dtype));
        self.instr_ids.insert((instr, dtype), v);
        v
    }

    /// Apply the chain of views (listed from the roots downward) to a layout of
    /// `leaf`'s index space, giving a layout in the domain's index space.
    fn through_views(&self, mut layout: Layout, views: &[NodeId]) -> Result<Layout, Retry> {
        for &v in views.iter().rev() {
            let n = self.p.g.node(v);
            layout = layout
                .apply(&n.op)
                .ok_or(Retry(n.inputs[0], "reshape its layout cannot express"))?;
        }
        Ok(layout)
    }

    /// The value of `id` at the current point, reached through `views`.
    /// The value of `id` at the current point, reached through `views` (listed from
    /// the roots downward). Iterative post-order, so fused chains thousands of ops deep
    /// need no deep recursion.
    fn emit(&mut self, id: NodeId, views: &[NodeId]) -> Result<Value, Stop> {
        // (node, views, inputs already emitted)
        let mut stack: Vec<(NodeId, Vec<NodeId>, bool)> = vec![(id, views.to_vec(), false)];
        while let Some((nid, vws, ready)) = stack.pop() {
            if self.memo.contains_key(&(nid, vws.clone())) {
                continue;
            }
            let n = self.p.g.node(nid);
            let dtype = n.meta.dtype;
            let v = if self.p.materialised[nid.index()] {
                self.emit_read(nid, &vws)?
            } else {
                let op = &n.op;
                // Children: views extend the chain, elementwise ops keep it.
                let children: Vec<(NodeId, Vec<NodeId>)> = if op.is_view() {
                    let mut chain = vws.clone();
                    chain.push(nid);
                    vec![(n.inputs[0], chain)]
                } else {
                    n.inputs.iter().map(|&i| (i, vws.clone())).collect()
                };
                if !ready && !children.is_empty() {
                    stack.push((nid, vws, true));
                    for c in children.into_iter().rev() {
                        stack.push((c.0, c.1, false));
                    }
                    continue;
                }
                self.fused.push(nid);
                let arg = |g: &Self, k: usize| g.memo[&children[k]];
                match op {
                    Op::Fill(s) => self.push(Instr::Const(*s), dtype),
                    Op::Iota { axis } => {
                        let layout =
                            self.through_views(Layout::iota(&n.meta.shape, *axis), &vws)?;
                        let access = self.access(usize::MAX, layout);
                        self.push(Instr::Index { access }, dtype)
                    }
                    op if op.is_view() => arg(self, 0),
                    Op::Unary(u) => {
                        let x = arg(self, 0);
                        self.push(Instr::Unary(*u, x), dtype)
                    }
                    Op::Binary(b) => {
                        let (x, y) = (arg(self, 0), arg(self, 1));
                        self.push(Instr::Binary(*b, x, y), dtype)
                    }
                    Op::Where => {
                        let (c, x, y) = (arg(self, 0), arg(self, 1), arg(self, 2));
                        self.push(Instr::Select(c, x, y), dtype)
                    }
                    Op::Fma => {
                        let (a, b, c) = (arg(self, 0), arg(self, 1), arg(self, 2));
                        self.push(Instr::Fma(a, b, c), dtype)
                    }
                    Op::Cast(_) => {
                        let x = arg(self, 0);
                        self.push(Instr::Cast(x), dtype)
                    }
                    other => unreachable!("{other} is always materialised"),
                }
            };
            self.memo.insert((nid, vws), v);
        }
        Ok(self.memo[&(id, views.to_vec())])
    }

    /// A read of materialised node `id` through `views`: a load, or, for a root of this
    /// group, its value (refused when one loop nest cannot provide it).
    fn emit_read(&mut self, id: NodeId, views: &[NodeId]) -> Result<Value, Stop> {
        let n = self.p.g.node(id);
        let dtype = n.meta.dtype;
        let buffer = self.buffer_of[id.index()].expect("materialised nodes have buffers");
        let layout = self.through_views(Layout::contiguous(&n.meta.shape), views)?;
        if let Some(k) = self.reduction_layouts.iter().position(|(r, _)| *r == id) {
            // A reduction of this group, read once per row: its finished value.
            let per_row = self.reduction_layouts[k].1.strides == layout.strides
                && self.reduction_layouts[k].1.offset == layout.offset;
            if !(self.row_local() && per_row) || self.reads_across_rows() {
                return Err(Stop::Forbidden);
            }
            return Ok(self.push(Instr::Reduced { reduction: k }, dtype));
        }
        if self.roots.contains(&id) {
            // An elementwise root read at another point (its per-point value was
            // memoised when it was emitted).
            return Err(Stop::Forbidden);
        }
        let arg = self.arg(buffer, false);
        let access = self.access(arg, layout);
        Ok(self.push(Instr::Load { access }, dtype))
    }

    fn add_root(&mut self, root: NodeId) -> Result<(), Stop> {
        let n = self.p.g.node(root);
        let buffer = self.buffer_of[root.index()].expect("roots are materialised");
        let out = self.arg(buffer, true);
        match &n.op {
            Op::Reduce {
                op,
                axes,
                correction_bits,
                ..
            } => {
                let value = self.emit(n.inputs[0], &[])?;
                // The output is contiguous over the kept axes; reduced axes do not move.
                let out_strides = Layout::contiguous(&n.meta.shape).strides;
                let keepdims = n.meta.shape.rank() == self.domain.shape.rank();
                let strides = (0..self.domain.shape.rank())
                    .map(|a| match (axes.contains(&a), keepdims) {
                        (true, _) => 0,
                        (false, true) => out_strides[a],
                        (false, false) => out_strides[a - axes.iter().filter(|&&r| r < a).count()],
                    })
                    .collect();
                let layout = Layout {
                    shape: self.domain.shape.clone(),
                    strides,
                    offset: 0,
                };
                let access = self.access(out, layout.clone());
                self.reductions.push((*op, value, access, *correction_bits));
                self.reduction_layouts.push((root, layout));
            }
            _ => {
                // The root's value; memoised so later roots of the group reuse it.
                let value = self.emit_root_value(root)?;
                let layout = Layout::contiguous(&n.meta.shape);
                let access = self.access(out, layout);
                self.stores.push((access, value));
            }
        }
        self.roots.push(root);
        Ok(())
    }

    /// Emit a root as a computed value (not a load of its own buffer).
    fn emit_root_value(&mut self, root: NodeId) -> Result<Value, Stop> {
        let n = self.p.g.node(root);
        let v = match &n.op {
            Op::Fill(_)
            | Op::Iota { .. }
            | Op::Unary(_)
            | Op::Binary(_)
            | Op::Where
            | Op::Fma
            | Op::Cast(_) => {
                // Temporarily treat the root as fused to emit its expression.
                self.emit_unmaterialised(root)?
            }
            op if op.is_view() => self.emit_unmaterialised(root)?,
            other => unreachable!("{other} roots are handled elsewhere"),
        };
        self.memo.insert((root, Vec::new()), v);
        Ok(v)
    }

    fn emit_unmaterialised(&mut self, id: NodeId) -> Result<Value, Stop> {
        let n = self.p.g.node(id);
        let dtype = n.meta.dtype;
        Ok(match &n.op {
            Op::Fill(s) => self.push(Instr::Const(*s), dtype),
            Op::Iota { axis } => {
                let layout = Layout::iota(&n.meta.shape, *axis);
                let access = self.access(usize::MAX, layout);
                self.push(Instr::Index { access }, dtype)
            }
            op if op.is_view() => self.emit(n.inputs[0], &[id])?,
            Op::Unary(u) => {
                let x = self.emit(n.inputs[0], &[])?;
                self.push(Instr::Unary(*u, x), dtype)
            }
            Op::Binary(b) => {
                let x = self.emit(n.inputs[0], &[])?;
                let y = self.emit(n.inputs[1], &[])?;
                self.push(Instr::Binary(*b, x, y), dtype)
            }
            Op::Where => {
                let c = self.emit(n.inputs[0], &[])?;
                let x = self.emit(n.inputs[1], &[])?;
                let y = self.emit(n.inputs[2], &[])?;
                self.push(Instr::Select(c, x, y), dtype)
            }
            Op::Fma => {
                let a = self.emit(n.inputs[0], &[])?;
                let b = self.emit(n.inputs[1], &[])?;
                let c = self.emit(n.inputs[2], &[])?;
                self.push(Instr::Fma(a, b, c), dtype)
            }
            Op::Cast(_) => {
                let x = self.emit(n.inputs[0], &[])?;
                self.push(Instr::Cast(x), dtype)
            }
            other => unreachable!("{other} is not elementwise"),
        })
    }

    /// A part of a concat: the part's value stored into its slice of the output.
    fn add_concat_part(
        &mut self,
        concat: NodeId,
        part: NodeId,
        axis: usize,
        start: usize,
    ) -> Result<(), Stop> {
        let n = self.p.g.node(concat);
        let buffer = self.buffer_of[concat.index()].expect("concat results are materialised");
        let out = self.arg(buffer, true);
        let value = self.emit(part, &[])?;
        let mut layout = Layout::contiguous(&n.meta.shape);
        let part_shape = &self.p.g.node(part).meta.shape;
        if part_shape.size() > 0 {
            layout.offset += start as isize * layout.strides[axis];
        }
        layout.shape = part_shape.clone();
        let access = self.access(out, layout);
        self.stores.push((access, value));
        if !self.roots.contains(&concat) {
            self.roots.push(concat);
        }
        Ok(())
    }

    /// The loop order: kept axes outside, reduced axes inside (`Domain::loop_order`),
    /// and within each side the axes ordered by memory: an axis goes outside another
    /// when every access that reads or writes at each point moves further along it
    /// (or as far), and some move strictly further, as NumPy's iterator orders its
    /// operands' axes. The accesses that vote are loads and stores (not a
    /// reduction's result, written once per row, nor an iota, which reads no memory);
    /// axes along which an access does not move, or of one element, cast no vote. An
    /// elementwise kernel's C-order result keeps its order; a reduction of a permuted
    /// view reads memory in order (`sum(permute_dims(x, (2, 0, 1)), axis=-1)` of
    /// [250, 200, 200] f64: the kept axes swapped make it a column reduction). The
    /// reduced axes of an argmax or argmin keep theirs (its index counts in that
    /// order, and ties go to the first).
    fn loop_order(&self) -> Vec<usize> {
        let mut order = self.domain.loop_order();
        let shape = &self.domain.shape.0;
        let outputs: Vec<usize> = self.reductions.iter().map(|r| r.2).collect();
        let voters: Vec<&Layout> = self
            .accesses
            .iter()
            .enumerate()
            .filter(|(i, (arg, _))| *arg != usize::MAX && !outputs.contains(i))
            .map(|(_, (_, l))| l)
            .collect();
        // Whether axis `b` should go outside axis `a`.
        let outside = |a: usize, b: usize| {
            if shape[a] <= 1 || shape[b] <= 1 {
                return false;
            }
            let (mut further, mut nearer) = (false, false);
            for l in &voters {
                let (sa, sb) = (l.strides[a].unsigned_abs(), l.strides[b].unsigned_abs());
                if sa == 0 || sb == 0 {
                    continue;
                }
                further |= sb > sa;
                nearer |= sb < sa;
            }
            further && !nearer
        };
        let kept = order.len() - self.domain.reduced.len();
        let arg = self
            .reductions
            .iter()
            .any(|r| matches!(r.0, ReduceOp::ArgMax | ReduceOp::ArgMin));
        let sides = [(0, kept), (kept, if arg { kept } else { order.len() })];
        for (start, end) in sides {
            // A stable insertion sort: an axis moves out past each neighbour it should
            // go outside of.
            for i in start..end {
                let mut j = i;
                while j > start && outside(order[j - 1], order[j]) {
                    order.swap(j - 1, j);
                    j -= 1;
                }
            }
        }
        order
    }

    /// Canonicalise the loop nest and produce the kernel and its parameters.
    fn finish(self) -> KernelStep {
        let order = self.loop_order();
        let n_reduced = self.domain.reduced.len();
        // Permute every layout into loop order.
        let mut dims: Vec<i64> = order
            .iter()
            .map(|&a| self.domain.shape.0[a] as i64)
            .collect();
        let mut layouts: Vec<Layout> = self
            .accesses
            .iter()
            .map(|(_, l)| l.permute(&order))
            .collect();
        let mut reduced = n_reduced;
        // A row-local kernel (reductions and stores, or later phases reading earlier
        // results) keeps one kept axis even of size 1: without one it would be a full
        // reduction, which runs in chunks whose partial results are combined at the
        // end, so no chunk could read a finished result (softmax over a [1, n] array).
        let row_local = !self.reductions.is_empty()
            && (!self.stores.is_empty()
                || self
                    .instrs
                    .iter()
                    .any(|(i, _)| matches!(i, Instr::Reduced { .. })));
        // Drop size-1 loop axes, then merge neighbours every access walks contiguously
        // (never across the kept/reduced boundary).
        let mut axis = 0;
        while axis < dims.len() {
            let last_kept = dims.len() - reduced == 1 && axis == 0;
            if dims[axis] == 1 && !(row_local && last_kept) {
                let is_reduced = axis >= dims.len() - reduced;
                dims.remove(axis);
                for l in layouts.iter_mut() {
                    l.strides.remove(axis);
                }
                if is_reduced {
                    reduced -= 1;
                }
            } else {
                axis += 1;
            }
        }
        let mut axis = 0;
        while axis + 1 < dims.len() {
            let boundary = dims.len() - reduced;
            let same_side = (axis + 1 < boundary) || (axis >= boundary);
            let mergeable = same_side
                && layouts
                    .iter()
                    .all(|l| l.strides[axis] == l.strides[axis + 1] * dims[axis + 1] as isize);
            if mergeable {
                dims[axis] *= dims[axis + 1];
                dims.remove(axis + 1);
                // The merged axis steps like the inner one.
                for l in layouts.iter_mut() {
                    l.strides.remove(axis);
                }
                if axis >= boundary {
                    reduced -= 1;
                }
            } else {
                axis += 1;
            }
        }
        let accesses: Vec<Access> = self
            .accesses
            .iter()
            .zip(&layouts)
            .map(|((arg, _), l)| Access {
                arg: *arg,
                strides: l.strides.iter().map(|&s| Stride::of(s)).collect(),
            })
            .collect();
        let params = KernelParams {
            dims: dims.iter().copied().collect(),
            accesses: layouts
                .iter()
                .map(|l| AccessParams {
                    offset: l.offset as i64,
                    strides: l.strides.iter().map(|&s| s as i64).collect(),
                })
                .collect(),
        };
        // Index accesses carry no argument.
        let accesses = accesses
            .into_iter()
            .map(|a| Access {
                arg: if a.arg == usize::MAX { 0 } else { a.arg },
                ..a
            })
            .collect();
        let kernel = Kernel {
            rank: dims.len(),
            reduced,
            args: self
                .args
                .iter()
                .map(|&(b, output)| Arg {
                    dtype: self.p_buffer_dtype(b),
                    output,
                })
                .collect(),
            accesses,
            instrs: self.instrs.clone(),
            stores: self
                .stores
                .iter()
                .map(|&(access, value)| Store {
                    access,
                    value,
                    phase: None,
                })
                .collect(),
            reductions: {
                // Phase of each value: 0, or one past the latest reduction it reads.
                let mut phase_of = vec![0usize; self.instrs.len()];
                let mut red_phase = vec![0usize; self.reductions.len()];
                let mut next = 0;
                for (i, (instr, _)) in self.instrs.iter().enumerate() {
                    phase_of[i] = match instr {
                        Instr::Reduced { reduction } => red_phase[*reduction] + 1,
                        other => other
                            .operands()
                            .iter()
                            .map(|x| phase_of[x.0 as usize])
                            .max()
                            .unwrap_or(0),
                    };
                    // Reductions are registered in order; fix each one's phase as soon
                    // as its value exists.
                    while next < self.reductions.len() && self.reductions[next].1 .0 as usize <= i {
                        red_phase[next] = phase_of[self.reductions[next].1 .0 as usize];
                        next += 1;
                    }
                }
                self.reductions
                    .iter()
                    .zip(&red_phase)
                    .map(
                        |(&(op, value, access, correction_bits), &phase)| Reduction {
                            op,
                            value,
                            access,
                            correction_bits,
                            phase,
                        },
                    )
                    .collect()
            },
        };
        let mut kernel = kernel;
        stash_row_values(&mut kernel);
        let mut fused = self.fused.clone();
        fused.sort();
        fused.dedup();
        KernelStep {
            kernel,
            params,
            args: self.args.iter().map(|&(b, _)| b).collect(),
            roots: self.roots.clone(),
            fused,
        }
    }

    fn p_buffer_dtype(&self, buffer: usize) -> DType {
        self.buffer_dtypes[buffer]
    }
}

impl FusionPlan {
    /// Number of kernels launched.
    pub fn kernel_count(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| matches!(s, Step::Kernel(_)))
            .count()
    }
}

/// The plan as text: buffers, why each was materialised, and each step with the graph
/// nodes it computes and the kernel program.
impl fmt::Display for FusionPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.buffers.iter().enumerate() {
            let what = if b.constant.is_some() {
                "constant".to_string()
            } else if let Some((_, why)) = self.reasons.iter().find(|(n, _)| *n == b.node) {
                (*why).to_string()
            } else {
                "output".to_string()
            };
            writeln!(
                f,
                "buffer b{i}: {}{} = {} ({what})",
                b.dtype, b.shape, b.node
            )?;
        }
        for (i, s) in self.steps.iter().enumerate() {
            match s {
                Step::Kernel(k) => {
                    let roots: Vec<String> = k.roots.iter().map(|r| r.to_string()).collect();
                    let fused: Vec<String> = k.fused.iter().map(|r| r.to_string()).collect();
                    let args: Vec<String> = k.args.iter().map(|b| format!("b{b}")).collect();
                    writeln!(
                        f,
                        "step {i}: kernel computing {} (fused {}) args [{}] dims {:?}",
                        roots.join(", "),
                        if fused.is_empty() {
                            "-".into()
                        } else {
                            fused.join(", ")
                        },
                        args.join(", "),
                        k.params.dims.as_slice()
                    )?;
                    for line in k.kernel.to_string().lines() {
                        writeln!(f, "    {line}")?;
                    }
                }
                Step::Scan {
                    op,
                    axis,
                    input,
                    output,
                    ..
                } => writeln!(
                    f,
                    "step {i}: {} along axis {axis}: b{input} -> b{output}",
                    op.name()
                )?,
                Step::Library {
                    call,
                    inputs,
                    layouts,
                    outputs,
                    ..
                } => {
                    let ins: Vec<String> = inputs
                        .iter()
                        .zip(layouts)
                        .map(|(b, l)| match l.is_contiguous() {
                            true => format!("b{b}"),
                            false => format!(
                                "b{b} as {} strides {:?} offset {}",
                                l.shape,
                                l.strides.as_slice(),
                                l.offset
                            ),
                        })
                        .collect();
                    let outs: Vec<String> = outputs
                        .iter()
                        .map(|b| b.map_or("-".into(), |b| format!("b{b}")))
                        .collect();
                    writeln!(
                        f,
                        "step {i}: library call {call}: [{}] -> [{}]",
                        ins.join(", "),
                        outs.join(", ")
                    )?
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::plan;
    use crate::op::{BinaryOp::*, Op, ReduceOp, UnaryOp::*};
    use crate::passes::optimize;
    use crate::testing::{bin, fill, graph, input, op, un};
    use crate::{DType::*, Shape};
    use smallvec::smallvec;

    fn reduce(r: ReduceOp, x: &crate::ExprRef, axes: &[usize], keepdims: bool) -> crate::ExprRef {
        op(
            Op::Reduce {
                op: r,
                axes: axes.iter().copied().collect(),
                keepdims,
                correction_bits: 0f64.to_bits(),
            },
            &[x],
        )
    }

    fn bcast(x: &crate::ExprRef, shape: &[usize]) -> crate::ExprRef {
        op(Op::Broadcast(Shape::new(shape)), &[x])
    }

    /// A slice of a matrix, each axis given as (start, step, len).
    fn sliced(
        x: &crate::ExprRef,
        rows: (usize, isize, usize),
        cols: (usize, isize, usize),
    ) -> crate::ExprRef {
        use crate::op::SliceDim;
        let dim = |(start, step, len)| SliceDim { start, step, len };
        op(Op::Slice(smallvec![dim(rows), dim(cols)]), &[x])
    }

    /// x[r0..r0 + len, c0..c0 + len] of a square.
    fn window(x: &crate::ExprRef, r0: usize, c0: usize, len: usize) -> crate::ExprRef {
        sliced(x, (r0, 1, len), (c0, 1, len))
    }

    /// One Jacobi step: the mean of the four neighbours, on an n × n grid.
    fn jacobi(u: &crate::ExprRef, n: usize) -> crate::ExprRef {
        let m = n - 2;
        let ns = bin(Add, &window(u, 0, 1, m), &window(u, 2, 1, m));
        let we = bin(Add, &window(u, 1, 0, m), &window(u, 1, 2, m));
        bin(Multiply, &bin(Add, &ns, &we), &fill(0.25, &[m, m], F64))
    }

    #[test]
    fn a_value_read_again_by_views_is_stored_once() {
        // Each step reads its input at four shifted points: fused, step k would be
        // recomputed 4^k times; every step gets a buffer (a kernel) instead.
        let mut u = input(&[100, 100], F64);
        for k in 0..6 {
            u = jacobi(&u, 100 - 2 * k);
        }
        let p = plan(&optimize(&graph(&[&u]), |_, _| {}));
        assert_eq!(p.kernel_count(), 6, "{p}");
        assert_eq!(p.reasons.len(), 5, "{p}");
        assert!(p
            .reasons
            .iter()
            .all(|(_, why)| why.starts_with("read again")));
    }

    #[test]
    fn views_reading_disjoint_points_stay_fused() {
        // y[:, ::2] + y[:, 1::2] reads each point of y once, however costly y is; y[1:]
        // - y[:-1] reads it twice, which for two transcendentals is worth storing, for
        // a product not.
        let x = input(&[64, 64], F64);
        let y = un(Sin, &un(Exp, &x));
        let cols = |start| sliced(&y, (0, 1, 64), (start, 2, 32));
        let split = bin(Add, &cols(0), &cols(1));
        let p = plan(&optimize(&graph(&[&split]), |_, _| {}));
        assert_eq!(p.kernel_count(), 1, "{p}");
        let rows = |y: &crate::ExprRef, start| sliced(y, (start, 1, 63), (0, 1, 64));
        let diff = bin(Subtract, &rows(&y, 1), &rows(&y, 0));
        let p = plan(&optimize(&graph(&[&diff]), |_, _| {}));
        assert_eq!(p.kernel_count(), 2, "{p}");
        let cheap = bin(Multiply, &x, &x);
        let diff = bin(Subtract, &rows(&cheap, 1), &rows(&cheap, 0));
        let p = plan(&optimize(&graph(&[&diff]), |_, _| {}));
        assert_eq!(p.kernel_count(), 1, "{p}");
        // A cheap value that a broadcast repeats stays fused: x / (sum(x, 1) + eps)
        // is one row kernel, as without the rule.
        let x = input(&[300, 200], F64);
        let s = bin(
            Add,
            &reduce(ReduceOp::Sum, &x, &[1], true),
            &fill(1e-9, &[300, 1], F64),
        );
        let y = bin(Divide, &x, &bcast(&s, &[300, 200]));
        let p = plan(&optimize(&graph(&[&y]), |_, _| {}));
        assert_eq!(p.kernel_count(), 1, "{p}");
        assert!(
            !p.reasons
                .iter()
                .any(|(_, why)| why.starts_with("read again")),
            "{p}"
        );
    }

    #[test]
    fn an_elementwise_chain_is_one_kernel() {
        let x = input(&[1000], F32);
        let y = input(&[1000], F32);
        let t = bin(Add, &bin(Multiply, &x, &y), &fill(0.5, &[1000], F32));
        let e = un(Exp, &un(Negative, &bin(Multiply, &t, &t)));
        let r = bin(
            Add,
            &bin(Divide, &e, &un(Sqrt, &x)),
            &un(Tanh, &bin(Subtract, &x, &y)),
        );
        let p = plan(&optimize(&graph(&[&r]), |_, _| {}));
        assert_eq!(p.kernel_count(), 1);
        insta::assert_snapshot!(p.to_string());
    }

    #[test]
    fn a_kernel_s_work_counts_functions_divisions_and_cheap_ops() {
        let x = input(&[1000], F64);
        // load, 2 fills, multiply, add, store: 6 units
        let cheap = bin(
            Add,
            &bin(Multiply, &x, &fill(2.0, &[1000], F64)),
            &fill(1.0, &[1000], F64),
        );
        // load, sin (40), sqrt (4), a fill and a division (1 + 4), store
        let costly = bin(Divide, &un(Sqrt, &un(Sin, &x)), &fill(3.0, &[1000], F64));
        let work = |e: &crate::ExprRef| {
            let p = plan(&optimize(&graph(&[e]), |_, _| {}));
            let [super::Step::Kernel(k)] = &p.steps[..] else {
                panic!("one kernel: {p}");
            };
            k.kernel.work_per_point()
        };
        assert_eq!(work(&cheap), 6);
        assert_eq!(work(&costly), 51);
    }

    #[test]
    fn zscore_is_one_reduction_pass_and_one_elementwise_pass() {
        let x = input(&[1000], F64);
        let mean = reduce(ReduceOp::Mean, &x, &[0], false);
        let var = reduce(ReduceOp::Var, &x, &[0], false);
        let centered = bin(Subtract, &x, &bcast(&mean, &[1000]));
        let z = bin(Divide, &centered, &bcast(&un(Sqrt, &var), &[1000]));
        let p = plan(&optimize(&graph(&[&z]), |_, _| {}));
        insta::assert_snapshot!(p.to_string());
        assert_eq!(
            p.kernel_count(),
            3,
            "mean+var pass, sqrt(var) once, output pass"
        );
    }

    /// A library call reads a reshape (or `expand_dims`) of a contiguous array from the
    /// array's own buffer, without a copy kernel; a slice of it, or a transpose, is
    /// still copied into a contiguous input first.
    #[test]
    fn a_library_call_reads_a_contiguous_reshape_in_place() {
        use crate::library::{LibCall, SortCall};
        let sort = |x: &crate::ExprRef| {
            op(
                Op::Library {
                    call: LibCall::Sort(SortCall::Sort {
                        axis: 0,
                        descending: false,
                    }),
                    output: 0,
                },
                &[x],
            )
        };
        let x = input(&[4, 6], F32);
        let flat = op(Op::Reshape(Shape::new(&[24])), &[&x]);
        let p = plan(&optimize(&graph(&[&sort(&flat)]), |_, _| {}));
        assert_eq!(p.kernel_count(), 0, "{p}");
        assert!(p.to_string().contains("library call sort"), "{p}");
        let t = op(Op::Permute(smallvec![1, 0]), &[&x]);
        let flat_t = op(Op::Reshape(Shape::new(&[24])), &[&t]);
        let p = plan(&optimize(&graph(&[&sort(&flat_t)]), |_, _| {}));
        assert_eq!(p.kernel_count(), 1, "the transpose is copied: {p}");
    }

    #[test]
    fn a_reshape_of_a_transpose_materialises_the_transpose_input() {
        let x = input(&[2, 3], F32);
        let e = un(Exp, &x);
        let t = op(Op::Permute(smallvec![1, 0]), &[&e]);
        let r = op(Op::Reshape(Shape::new(&[6])), &[&t]);
        let p = plan(&optimize(&graph(&[&r]), |_, _| {}));
        insta::assert_snapshot!(p.to_string());
    }

    #[test]
    fn softmax_reductions_read_fused_producers() {
        let s = input(&[4, 8], F32);
        let m = reduce(ReduceOp::Max, &s, &[1], true);
        let e = un(Exp, &bin(Subtract, &s, &bcast(&m, &[4, 8])));
        let z = reduce(ReduceOp::Sum, &e, &[1], true);
        let out = bin(Divide, &e, &bcast(&z, &[4, 8]));
        let p = plan(&optimize(&graph(&[&out]), |_, _| {}));
        insta::assert_snapshot!(p.to_string());
    }

    /// `x - mean(x, axis=1)` is one row kernel when x's rows are contiguous; over a
    /// transposed x (each row a column of memory) the mean runs as its own (column)
    /// reduction and the subtraction as an elementwise kernel.
    #[test]
    fn a_row_kernel_takes_no_per_row_reads_across_a_transposed_operand() {
        let centre = |x: &crate::ExprRef| {
            let m = reduce(ReduceOp::Mean, x, &[1], true);
            bin(Subtract, x, &bcast(&m, &[300, 200]))
        };
        let rows = centre(&input(&[300, 200], F64));
        let p = plan(&optimize(&graph(&[&rows]), |_, _| {}));
        assert_eq!(p.kernel_count(), 1, "{p}");
        let t = op(Op::Permute(smallvec![1, 0]), &[&input(&[200, 300], F64)]);
        let columns = centre(&t);
        let p = plan(&optimize(&graph(&[&columns]), |_, _| {}));
        assert_eq!(p.kernel_count(), 2, "{p}");
    }

    /// The loop nest of a reduction follows memory, not the view's axis order: the
    /// row sums of a [6, 5, 4] array permuted to (2, 0, 1) walk the kept axes as
    /// memory lays them out (the axis of stride 20 outside the axis of stride 1), so
    /// the kernel is a column reduction; an argmax keeps its reduced axes' order, and
    /// an elementwise kernel keeps its C-order result's.
    #[test]
    fn loops_are_ordered_by_the_strides_of_the_accesses() {
        let loops = |e: &crate::ExprRef| {
            let p = plan(&optimize(&graph(&[e]), |_, _| {}));
            let [super::Step::Kernel(k)] = &p.steps[..] else {
                panic!("one kernel: {p}")
            };
            let strides: Vec<Vec<i64>> = k
                .params
                .accesses
                .iter()
                .map(|a| a.strides.to_vec())
                .collect();
            (k.params.dims.to_vec(), strides)
        };
        let x = input(&[6, 5, 4], F64);
        let t = op(Op::Permute(smallvec![2, 0, 1]), &[&x]);
        let (dims, strides) = loops(&reduce(ReduceOp::Sum, &t, &[2], false));
        assert_eq!(dims, [6, 4, 5]);
        assert!(strides.contains(&vec![20, 1, 4]), "{strides:?}");
        assert!(strides.contains(&vec![1, 6, 0]), "{strides:?}");
        // All axes reduced: in memory order, merged into one.
        let t = op(Op::Permute(smallvec![2, 1, 0]), &[&x]);
        let (dims, _) = loops(&reduce(ReduceOp::Sum, &t, &[0, 1, 2], false));
        assert_eq!(dims, [120]);
        let (dims, _) = loops(&reduce(ReduceOp::ArgMax, &t, &[1], false));
        assert_eq!(
            dims,
            [6, 4, 5],
            "kept axes in memory order, then the reduced"
        );
        // max over (0, 2) of the (2, 1, 0) view: reduced axes of strides 1 and 20.
        let (dims, strides) = loops(&reduce(ReduceOp::Max, &t, &[0, 2], false));
        assert_eq!(dims, [5, 6, 4]);
        assert!(strides.contains(&vec![4, 20, 1]), "{strides:?}");
        let (dims, _) = loops(&un(Exp, &t));
        assert_eq!(dims, [4, 5, 6], "the result's order");
    }

    #[test]
    fn two_outputs_of_one_shape_share_one_kernel() {
        let x = input(&[100], F64);
        let a = un(Log, &x);
        let b = bin(Multiply, &a, &x);
        let p = plan(&optimize(&graph(&[&a, &b]), |_, _| {}));
        assert_eq!(p.kernel_count(), 1, "{p}");
    }

    #[test]
    fn concat_parts_are_stored_into_slices_of_one_buffer() {
        let x = input(&[2, 3], F32);
        let y = input(&[2, 1], F32);
        let c = op(Op::Concat { axis: 1 }, &[&un(Exp, &x), &y]);
        let p = plan(&optimize(&graph(&[&c]), |_, _| {}));
        insta::assert_snapshot!(p.to_string());
    }

    /// Parts of one shape (a complex value's real and imaginary parts, packed by a
    /// concat) are one kernel that loads x once, computes exp(x) once and stores both
    /// parts; parts of different shapes stay a kernel each.
    #[test]
    fn concat_parts_of_one_shape_are_one_kernel() {
        let x = input(&[4, 1], F64);
        let e = un(Exp, &x);
        let c = op(Op::Concat { axis: 1 }, &[&un(Sin, &e), &un(Cos, &e)]);
        let p = plan(&optimize(&graph(&[&c]), |_, _| {}));
        let [super::Step::Kernel(k)] = &p.steps[..] else {
            panic!("one kernel expected:\n{p}");
        };
        let text = k.kernel.to_string();
        assert_eq!(text.matches("exp").count(), 1, "{text}");
        assert_eq!(text.matches("load").count(), 1, "{text}");
        assert_eq!(text.matches("store").count(), 2, "{text}");
        let y = input(&[4, 2], F64);
        let c = op(Op::Concat { axis: 1 }, &[&un(Sin, &x), &y]);
        let p = plan(&optimize(&graph(&[&c]), |_, _| {}));
        assert_eq!(p.kernel_count(), 2, "{p}");
        // 300 parts would pass MAX_GROUP_INSTRS: a kernel each.
        let parts: Vec<_> = (0..300).map(|_| un(Sin, &input(&[4, 1], F64))).collect();
        let c = op(Op::Concat { axis: 1 }, &parts.iter().collect::<Vec<_>>());
        let p = plan(&optimize(&graph(&[&c]), |_, _| {}));
        assert_eq!(p.kernel_count(), 300);
    }
}
