//! The two forms of a kiln program.
//!
//! `Expr` is what user calls build: an immutable, shared DAG node that knows its `Meta`
//! from the moment it exists and remembers its value once computed. `Graph` is what the
//! compiler works on: the part of the DAG that a `compute()`/`eval()` needs, flattened
//! into an arena in topological order, with already-computed nodes turned into constants.

use crate::data::Literal;
use crate::error::IrError;
use crate::op::{Meta, Op};
use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// Where in user code a node was built.
pub type Loc = &'static Location<'static>;

/// A shared handle to an expression node.
pub type ExprRef = Arc<Expr>;

/// A node of the user's lazy expression DAG.
pub struct Expr {
    id: u64,
    op: Op,
    inputs: Vec<ExprRef>,
    meta: Meta,
    func: &'static str,
    loc: Loc,
    value: OnceLock<Literal>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// Every node's array must fit in one allocation, at most `isize::MAX` bytes (Rust's
/// limit, and NumPy's "array is too big"), views and broadcasts included: a larger
/// one could never be computed, and its size would overflow the index arithmetic.
fn addressable(func: &'static str, meta: &Meta) -> Result<(), IrError> {
    let bytes = meta
        .shape
        .checked_size()
        .and_then(|n| n.checked_mul(meta.dtype.size_bytes()));
    match bytes {
        Some(b) if b <= isize::MAX as usize => Ok(()),
        _ => Err(IrError::invalid(
            func,
            format!(
                "an array of shape {} and dtype {} is too big: one array holds at most {} bytes",
                meta.shape,
                meta.dtype,
                isize::MAX
            ),
        )),
    }
}

impl Expr {
    /// A node whose `Meta` is inferred from its inputs; errors name `func`.
    pub fn new(
        func: &'static str,
        op: Op,
        inputs: Vec<ExprRef>,
        loc: Loc,
    ) -> Result<ExprRef, IrError> {
        let metas: Vec<&Meta> = inputs.iter().map(|e| &e.meta).collect();
        let meta = op.infer(func, &metas)?;
        addressable(func, &meta)?;
        Ok(Self::make(func, op, inputs, meta, loc))
    }

    /// A leaf (`Constant`, `Fill`, `Iota`) with the given `Meta`.
    pub fn leaf(func: &'static str, op: Op, meta: Meta, loc: Loc) -> Result<ExprRef, IrError> {
        if !op.is_leaf() {
            return Err(IrError::invalid(func, format!("{op} is not a leaf")));
        }
        addressable(func, &meta)?;
        if let (Op::Constant(l), n) = (&op, meta.shape.size()) {
            if l.data().len() != n || l.data().dtype() != meta.dtype {
                return Err(IrError::invalid(
                    func,
                    format!(
                        "data of {} {} elements does not fill shape {} of {}",
                        l.data().len(),
                        l.data().dtype(),
                        meta.shape,
                        meta.dtype
                    ),
                ));
            }
        }
        if let Op::Iota { axis } = op {
            if axis >= meta.shape.rank() {
                return Err(IrError::Axis {
                    func,
                    axis: axis as i64,
                    rank: meta.shape.rank(),
                });
            }
        }
        Ok(Self::make(func, op, Vec::new(), meta, loc))
    }

    fn make(func: &'static str, op: Op, inputs: Vec<ExprRef>, meta: Meta, loc: Loc) -> ExprRef {
        let value = OnceLock::new();
        if let Op::Constant(l) = &op {
            value.set(l.clone()).expect("a fresh OnceLock is empty");
        }
        Arc::new(Expr {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            op,
            inputs,
            meta,
            func,
            loc,
            value,
        })
    }

    pub fn id(&self) -> u64 {
        self.id
    }
    pub fn op(&self) -> &Op {
        &self.op
    }
    pub fn inputs(&self) -> &[ExprRef] {
        &self.inputs
    }
    pub fn meta(&self) -> &Meta {
        &self.meta
    }
    /// The user-facing function that built this node.
    pub fn func(&self) -> &'static str {
        self.func
    }
    pub fn loc(&self) -> Loc {
        self.loc
    }
    /// The computed value, if this node has been evaluated.
    pub fn value(&self) -> Option<&Literal> {
        self.value.get()
    }
    /// Record the computed value. A second, different value is ignored: a node's value
    /// never changes once set.
    pub fn set_value(&self, value: Literal) {
        let _ = self.value.set(value);
    }
}

impl Drop for Expr {
    /// Drop long chains without recursion: a 100 000-op chain must not overflow the stack.
    fn drop(&mut self) {
        let mut stack = std::mem::take(&mut self.inputs);
        while let Some(e) = stack.pop() {
            if let Ok(mut inner) = Arc::try_unwrap(e) {
                stack.append(&mut inner.inputs);
            }
        }
    }
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Expr#{}({} : {} {})",
            self.id, self.op, self.meta.dtype, self.meta.shape
        )
    }
}

/// Index of a node in a `Graph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "%{}", self.0)
    }
}

/// One node of a `Graph`.
#[derive(Clone, Debug)]
pub struct Node {
    pub op: Op,
    pub inputs: SmallVec<[NodeId; 3]>,
    pub meta: Meta,
    pub func: &'static str,
    pub loc: Loc,
}

/// A flattened program: nodes in topological order (inputs before users) and the nodes
/// whose values were requested.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub outputs: Vec<NodeId>,
}

impl Graph {
    /// Flatten the DAG under `roots`. Nodes that already hold a value become constants,
    /// so computed work is never redone; shared nodes appear once.
    pub fn from_exprs(roots: &[&ExprRef]) -> Graph {
        let mut graph = Graph::default();
        let mut ids: FxHashMap<u64, NodeId> = FxHashMap::default();
        // Iterative post-order: (expr, inputs_done).
        let mut stack: Vec<(&ExprRef, bool)> = roots.iter().rev().map(|r| (*r, false)).collect();
        while let Some((e, done)) = stack.pop() {
            if ids.contains_key(&e.id) {
                continue;
            }
            let op = match e.value() {
                Some(v) => Op::Constant(v.clone()),
                None => e.op.clone(),
            };
            let inputs: &[ExprRef] = if op.is_leaf() { &[] } else { &e.inputs };
            if !done {
                stack.push((e, true));
                for i in inputs.iter().rev() {
                    if !ids.contains_key(&i.id) {
                        stack.push((i, false));
                    }
                }
                continue;
            }
            let node = Node {
                op,
                inputs: inputs.iter().map(|i| ids[&i.id]).collect(),
                meta: e.meta.clone(),
                func: e.func,
                loc: e.loc,
            };
            ids.insert(e.id, graph.push(node));
        }
        graph.outputs = roots.iter().map(|r| ids[&r.id]).collect();
        graph
    }

    /// An empty graph with room for `nodes` nodes (a pass's output is about its
    /// input's size: growing the vector node by node had cost a cached call more in
    /// copies than the passes' own work).
    pub fn with_capacity(nodes: usize) -> Graph {
        Graph {
            nodes: Vec::with_capacity(nodes),
            outputs: Vec::new(),
        }
    }

    pub fn push(&mut self, node: Node) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(node);
        id
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// How many times each node is read, by other nodes or as an output.
    pub fn use_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.nodes.len()];
        for n in &self.nodes {
            for i in &n.inputs {
                counts[i.index()] += 1;
            }
        }
        for o in &self.outputs {
            counts[o.index()] += 1;
        }
        counts
    }

    /// The program as text: one line per node with its op, dtype, shape and the user
    /// code that built it.
    pub fn explain(&self) -> String {
        self.render(true)
    }

    /// Like `explain`, without source locations: stable text for golden tests of passes.
    pub fn dump(&self) -> String {
        self.render(false)
    }

    fn render(&self, locations: bool) -> String {
        let mut out = String::new();
        for (i, n) in self.nodes.iter().enumerate() {
            let args: Vec<String> = n.inputs.iter().map(|a| a.to_string()).collect();
            let mark = if self.outputs.contains(&NodeId(i as u32)) {
                "  -> output"
            } else {
                ""
            };
            let args = if n.op.is_leaf() {
                String::new()
            } else {
                format!("({})", args.join(", "))
            };
            let at = if locations {
                format!(" @ {}:{}", n.loc.file(), n.loc.line())
            } else {
                String::new()
            };
            out.push_str(&format!(
                "%{i} = {}{} : {}{}{at}{mark}\n",
                n.op, args, n.meta.dtype, n.meta.shape
            ));
        }
        out
    }

    /// The program as a Graphviz DOT digraph (built with petgraph).
    pub fn to_dot(&self) -> String {
        use petgraph::dot::{Config, Dot};
        let mut g = petgraph::Graph::<String, &str>::new();
        let idx: Vec<_> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| g.add_node(format!("%{i} {}\n{}{}", n.op, n.meta.dtype, n.meta.shape)))
            .collect();
        for (i, n) in self.nodes.iter().enumerate() {
            for a in &n.inputs {
                g.add_edge(idx[a.index()], idx[i], "");
            }
        }
        format!("{}", Dot::with_config(&g, &[Config::EdgeNoLabel]))
    }
}
