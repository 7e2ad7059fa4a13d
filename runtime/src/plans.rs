//! Fusion plans of recent graphs, by structure: a call whose graph has the structure of
//! an earlier one (the same ops, shapes, dtypes, constants and call sites, other data)
//! runs the earlier plan instead of optimising and planning again.
//!
//! The kernel cache (`cache.rs`) already keeps the machine code; without this, every
//! call still ran the passes and the planner over the whole graph, which cost a cached
//! call of a 20-op kernel 20 µs of its 21 (`examples/overhead.rs`). A plan depends on
//! the structure alone: no pass and no part of the planner reads a constant's values
//! (constants are host data; `Fill` scalars, which passes do read, are part of the
//! structure), so the plan of one graph computes any graph of the same structure once
//! its constant buffers are bound to the new graph's data (`Cached::bind`).
//!
//! The key (`Key::of`) is the graph with every constant replaced by the index of the
//! first constant holding the same data (two uses of one array, which CSE merges, are
//! another structure than two arrays), the outputs and the mode. It is compared in full
//! on a hit: a hash collision cannot return a wrong plan. Call sites are part of it, so
//! errors at run time (a singular matrix) name the caller's line. Cached plans hold no
//! data (their constant buffers are unbound), so the cache keeps no array alive; it
//! holds at most `CAPACITY` plans of `NODE_CAPACITY` nodes in all and is emptied when
//! full.

use kiln_ir::op::Meta;
use kiln_ir::plan::FusionPlan;
use kiln_ir::{Data, Graph, Literal, NodeId, Op};
use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use std::sync::{Arc, Mutex, OnceLock};

/// Most plans kept.
const CAPACITY: usize = 512;

/// Most graph nodes in the keys of the plans kept, all together (a plan's size grows
/// with its graph's: a chain of 100,000 ops keeps tens of MB).
const NODE_CAPACITY: usize = 1 << 18;

/// One node of a graph's structure.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct KeyNode {
    /// The op; `None` for a constant (its data is not part of the structure).
    op: Option<Op>,
    /// For a constant: the index of the first constant node with the same data.
    alias: u32,
    inputs: SmallVec<[NodeId; 3]>,
    meta: Meta,
    /// The function and the call site (for a constant: none).
    func: &'static str,
    at: (&'static str, u32, u32),
}

/// A graph's structure, its outputs and whether it runs eagerly.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    nodes: Vec<KeyNode>,
    outputs: Vec<NodeId>,
    eager: bool,
}

impl Key {
    pub fn of(graph: &Graph, eager: bool) -> Key {
        let first_of = first_constants(graph);
        let nodes = (graph.nodes.iter())
            .map(|n| {
                let at = (n.loc.file(), n.loc.line(), n.loc.column());
                let (op, alias, func, at) = match &n.op {
                    // Where a constant was made is no part of the structure: arrays
                    // made on other lines are read alike, and a constant has no
                    // run-time error to name a line in.
                    Op::Constant(l) => (None, first_of[&Arc::as_ptr(&l.0)] as u32, "", ("", 0, 0)),
                    op => (Some(op.clone()), 0, n.func, at),
                };
                KeyNode {
                    op,
                    alias,
                    inputs: n.inputs.clone(),
                    meta: n.meta.clone(),
                    func,
                    at,
                }
            })
            .collect();
        Key {
            nodes,
            outputs: graph.outputs.clone(),
            eager,
        }
    }
}

/// The first constant node of `graph` holding each constant's data.
fn first_constants(graph: &Graph) -> FxHashMap<*const Data, usize> {
    let mut first_of = FxHashMap::default();
    for (i, n) in graph.nodes.iter().enumerate() {
        if let Op::Constant(c) = &n.op {
            first_of.entry(Arc::as_ptr(&c.0)).or_insert(i);
        }
    }
    first_of
}

/// A plan with its constant buffers unbound, and where their data come from.
#[derive(Debug)]
pub struct Cached {
    /// The plan; every buffer's `constant` is `None` (see `bindings`).
    pub plan: FusionPlan,
    /// (buffer, node): the buffer holds the data of that constant node of the graph.
    bindings: Vec<(usize, usize)>,
    /// The function that builds each buffer's value, and where (for the allocator's
    /// errors).
    pub funcs: Vec<(&'static str, kiln_ir::Loc)>,
}

impl Cached {
    /// `plan`, made for `graph`, with its constants unbound; `funcs` as above. The
    /// plan back, untouched, where a constant buffer's data is no constant node of
    /// `graph` (not expected: the passes keep every constant's `Literal`).
    pub fn new(
        mut plan: FusionPlan,
        graph: &Graph,
        funcs: Vec<(&'static str, kiln_ir::Loc)>,
    ) -> Result<Cached, FusionPlan> {
        let first_of = first_constants(graph);
        let mut bindings = Vec::new();
        for (b, buffer) in plan.buffers.iter().enumerate() {
            if let Some(l) = &buffer.constant {
                match first_of.get(&Arc::as_ptr(&l.0)) {
                    Some(&node) => bindings.push((b, node)),
                    None => return Err(plan),
                }
            }
        }
        for buffer in &mut plan.buffers {
            buffer.constant = None;
        }
        Ok(Cached {
            plan,
            bindings,
            funcs,
        })
    }

    /// Each buffer's constant data in `graph` (a graph with this plan's key).
    pub fn bind(&self, graph: &Graph) -> Vec<Option<Literal>> {
        let mut constants = vec![None; self.plan.buffers.len()];
        for &(b, node) in &self.bindings {
            let Op::Constant(l) = &graph.nodes[node].op else {
                unreachable!("equal keys put constants at the same nodes")
            };
            constants[b] = Some(l.clone());
        }
        constants
    }
}

/// The plans kept, and the nodes of their keys.
#[derive(Default)]
struct Plans {
    map: FxHashMap<Key, Arc<Cached>>,
    nodes: usize,
}

fn plans() -> &'static Mutex<Plans> {
    static PLANS: OnceLock<Mutex<Plans>> = OnceLock::new();
    PLANS.get_or_init(Default::default)
}

/// The plan cached for `key`, if any.
pub fn get(key: &Key) -> Option<Arc<Cached>> {
    let plans = plans().lock().unwrap_or_else(|e| e.into_inner());
    plans.map.get(key).cloned()
}

/// Keep `cached` for `key` (emptying the cache first when it is full); a graph larger
/// than the whole cache is not kept.
pub fn insert(key: Key, cached: Arc<Cached>) {
    let size = key.nodes.len();
    if size > NODE_CAPACITY {
        return;
    }
    let mut plans = plans().lock().unwrap_or_else(|e| e.into_inner());
    if plans.map.len() >= CAPACITY || plans.nodes + size > NODE_CAPACITY {
        plans.map.clear();
        plans.nodes = 0;
    }
    if plans.map.insert(key, cached).is_none() {
        plans.nodes += size;
    }
}

#[cfg(test)]
mod tests {
    use crate::{execute, Mode};
    use kiln_ir::{BinaryOp, DType, Data, Device, Graph, Literal, Meta, Node, Op, Shape};
    use std::sync::Arc;

    /// x + y of two [n] f64 constants.
    fn sum_of(x: &Literal, y: &Literal, n: usize) -> Graph {
        let meta = Meta {
            shape: Shape::new(&[n]),
            dtype: DType::F64,
            device: Device::Cpu,
        };
        let node = |op: Op, inputs: &[u32]| Node {
            op,
            inputs: inputs.iter().map(|&i| kiln_ir::NodeId(i)).collect(),
            meta: meta.clone(),
            func: "add",
            loc: std::panic::Location::caller(),
        };
        let at = node(Op::Constant(x.clone()), &[]).loc;
        let mut g = Graph::default();
        g.push(node(Op::Constant(x.clone()), &[]));
        g.push(node(Op::Constant(y.clone()), &[]));
        let mut add = node(Op::Binary(BinaryOp::Add), &[0, 1]);
        add.loc = at;
        let out = g.push(add);
        g.outputs.push(out);
        g
    }

    /// A reused plan computes with the new graph's data, and the cache keeps no data
    /// alive: after a call, only the caller holds its constants.
    #[test]
    fn cached_plans_bind_new_data_and_keep_none() {
        let n = 300;
        for mode in [Mode::Fused, Mode::Eager] {
            for round in 0..3 {
                let xs: Vec<f64> = (0..n).map(|i| (i * (round + 1)) as f64).collect();
                let ys: Vec<f64> = (0..n).map(|i| 0.5 - i as f64).collect();
                let x = Literal::new(Data::F64(xs.clone()));
                let y = Literal::new(Data::F64(ys.clone()));
                let (out, stats) = execute(&sum_of(&x, &y, n), mode).unwrap();
                assert_eq!(stats.plan_reused, round > 0, "{mode:?} round {round}");
                let Data::F64(v) = out[0].as_ref() else {
                    panic!("an f64 result")
                };
                let want: Vec<f64> = xs.iter().zip(&ys).map(|(a, b)| a + b).collect();
                assert_eq!(v, &want, "{mode:?} round {round}");
                assert_eq!(Arc::strong_count(&x.0), 1, "{mode:?} round {round}");
                assert_eq!(Arc::strong_count(&y.0), 1, "{mode:?} round {round}");
            }
        }
    }
}
