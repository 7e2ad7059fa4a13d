//! Graph passes: small rules applied by one rewrite driver, each pass in its own module.
//!
//! A pass maps a `Graph` to a new `Graph` computing the same outputs. Rules see a node
//! whose inputs are already rewritten, in the graph being built, and either leave it or
//! return the id of a node (existing or newly pushed) that replaces it. The driver
//! repeats a pass until nothing changes (tinygrad's graph_rewrite, in miniature).

pub mod complex;
pub mod cse;
pub mod dce;
pub mod fold;
pub mod simplify;

use crate::graph::{Graph, Node, NodeId};

/// One rewrite rule: look at `node` (inputs already in `out`) and maybe replace it.
pub trait Rule {
    fn name(&self) -> &'static str;
    /// Return the node that replaces `node`, pushing any new nodes into `out`; `None`
    /// keeps `node` as it is.
    fn apply(&self, out: &mut Graph, node: &Node) -> Option<NodeId>;
}

/// Apply `rules` once over the graph in topological order. Returns the new graph and
/// whether any rule fired.
pub fn rewrite_once(graph: &Graph, rules: &[&dyn Rule]) -> (Graph, bool) {
    let mut out = Graph::with_capacity(graph.nodes.len());
    let mut map: Vec<NodeId> = Vec::with_capacity(graph.nodes.len());
    let mut changed = false;
    for node in &graph.nodes {
        let mut node = node.clone();
        for i in node.inputs.iter_mut() {
            *i = map[i.index()];
        }
        let replaced = rules.iter().find_map(|r| r.apply(&mut out, &node));
        changed |= replaced.is_some();
        let id = replaced.unwrap_or_else(|| out.push(node));
        map.push(id);
    }
    out.outputs = graph.outputs.iter().map(|o| map[o.index()]).collect();
    (out, changed)
}

/// Apply `rules` until none fires (at most `limit` rounds), then drop dead nodes.
pub fn rewrite(graph: &Graph, rules: &[&dyn Rule]) -> Graph {
    let (mut g, mut changed) = rewrite_once(graph, rules);
    for _ in 1..16 {
        if !changed {
            break;
        }
        (g, changed) = rewrite_once(&g, rules);
    }
    dce::prune(g)
}

/// A named pass: `run` gives the new graph, or `None` where the pass has nothing to
/// change (so that a cached call does not copy the graph for it).
pub struct Pass {
    pub name: &'static str,
    pub run: fn(&Graph) -> Option<Graph>,
}

/// The default pipeline, in order.
pub const PIPELINE: &[Pass] = &[
    Pass {
        name: "complex",
        run: |g| complex::needed(g).then(|| complex::run(g)),
    },
    Pass {
        name: "fold",
        run: |g| Some(fold::run(g)),
    },
    Pass {
        name: "simplify",
        run: |g| Some(simplify::run(g)),
    },
    Pass {
        name: "cse",
        run: |g| Some(cse::run(g)),
    },
    Pass {
        name: "dce",
        run: dce::without_dead,
    },
];

/// Run the pipeline; `observe` sees the graph after each pass (for KILN_LOG=passes).
pub fn optimize(graph: &Graph, mut observe: impl FnMut(&str, &Graph)) -> Graph {
    let mut g = std::borrow::Cow::Borrowed(graph);
    for pass in PIPELINE {
        if let Some(changed) = (pass.run)(&g) {
            g = std::borrow::Cow::Owned(changed);
        }
        observe(pass.name, &g);
    }
    g.into_owned()
}

/// A rule given as a plain function.
pub struct FnRule {
    pub name: &'static str,
    pub apply: fn(&mut Graph, &Node) -> Option<NodeId>,
}

impl Rule for FnRule {
    fn name(&self) -> &'static str {
        self.name
    }
    fn apply(&self, out: &mut Graph, node: &Node) -> Option<NodeId> {
        (self.apply)(out, node)
    }
}

/// A node replacing `node`: another op on other inputs, with `node`'s meta and origin.
pub(crate) fn derived(node: &Node, op: crate::Op, inputs: &[NodeId]) -> Node {
    Node {
        op,
        inputs: inputs.iter().copied().collect(),
        meta: node.meta.clone(),
        func: node.func,
        loc: node.loc,
    }
}

/// The value of a `Fill` node, converted to the node's dtype (so `Fill(1)` in float32
/// reads as `Float(1.0)`); `None` for any other node.
pub(crate) fn fill_value(node: &Node) -> Option<crate::Scalar> {
    use crate::data::Element;
    match node.op {
        crate::Op::Fill(s) => {
            Some(crate::for_dtype!(node.meta.dtype, T => T::from_scalar(s).to_scalar()))
        }
        _ => None,
    }
}
