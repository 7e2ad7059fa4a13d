//! Algebraic simplification that is exact under IEEE 754: every rule gives the same
//! bits as the original for every input, NaN and signed zeros included. So x*1 → x and
//! x + (-0.0) → x, but never x*0 → 0 (NaN*0 is NaN, -1*0 is -0) nor x - x → 0 for floats
//! (inf - inf is NaN), nor x + 0.0 → x (-0 + 0 is +0).
//!
//! View chains collapse too: reshape∘reshape, broadcast∘broadcast, permute∘permute and
//! slice∘slice compose into one node, and identity views disappear.

use super::{derived, fill_value, rewrite, FnRule, Rule};
use crate::graph::{Graph, Node, NodeId};
use crate::op::{BinaryOp, Op, SliceDim, UnaryOp};
use crate::scalar::Scalar;
use crate::DType;
use smallvec::SmallVec;

pub fn run(graph: &Graph) -> Graph {
    let rules: Vec<&dyn Rule> = RULES.iter().map(|r| r as &dyn Rule).collect();
    rewrite(graph, &rules)
}

pub const RULES: &[FnRule] = &[
    FnRule {
        name: "identity-arithmetic",
        apply: identity_arithmetic,
    },
    FnRule {
        name: "involution",
        apply: involution,
    },
    FnRule {
        name: "identity-unary",
        apply: identity_unary,
    },
    FnRule {
        name: "small-integer-pow",
        apply: small_integer_pow,
    },
    FnRule {
        name: "same-branches",
        apply: same_branches,
    },
    FnRule {
        name: "identity-view",
        apply: identity_view,
    },
    FnRule {
        name: "compose-views",
        apply: compose_views,
    },
];

fn is_one(s: Scalar) -> bool {
    matches!(s, Scalar::Int(1) | Scalar::Bool(true))
        || matches!(s, Scalar::Float(x) if x == 1.0)
        || matches!(s, Scalar::Complex(re, im) if re == 1.0 && im == 0.0)
}

/// The additive identity of the dtype: -0.0 for floats (x + -0.0 is x for every x,
/// while x + +0.0 turns -0.0 into +0.0), 0 for integers.
fn is_additive_identity(s: Scalar) -> bool {
    match s {
        Scalar::Int(0) => true,
        Scalar::Float(x) => x == 0.0 && x.is_sign_negative(),
        Scalar::Complex(re, im) => {
            re == 0.0 && re.is_sign_negative() && im == 0.0 && im.is_sign_negative()
        }
        _ => false,
    }
}

/// x - 0 is x for floats only with +0.0 (x - +0 = x + -0).
fn is_subtractive_identity(s: Scalar) -> bool {
    match s {
        Scalar::Int(0) => true,
        Scalar::Float(x) => x == 0.0 && !x.is_sign_negative(),
        Scalar::Complex(re, im) => {
            re == 0.0 && !re.is_sign_negative() && im == 0.0 && !im.is_sign_negative()
        }
        _ => false,
    }
}

/// x*1, 1*x, x/1, x+(-0), (-0)+x, x-(+0) → x; for bools b != false, b == true, b and
/// true, b or false, b xor false (either way round) → b.
fn identity_arithmetic(out: &mut Graph, node: &Node) -> Option<NodeId> {
    let Op::Binary(op) = node.op else { return None };
    let (a, b) = (node.inputs[0], node.inputs[1]);
    let (va, vb) = (fill_value(out.node(a)), fill_value(out.node(b)));
    let bools = out.node(a).meta.dtype == DType::Bool && out.node(b).meta.dtype == DType::Bool;
    let bool_identity = match op {
        _ if !bools => None,
        BinaryOp::NotEqual
        | BinaryOp::LogicalOr
        | BinaryOp::LogicalXor
        | BinaryOp::BitwiseOr
        | BinaryOp::BitwiseXor => Some(Scalar::Bool(false)),
        BinaryOp::Equal | BinaryOp::LogicalAnd | BinaryOp::BitwiseAnd => Some(Scalar::Bool(true)),
        _ => None,
    };
    if let Some(identity) = bool_identity {
        return if vb == Some(identity) {
            Some(a)
        } else if va == Some(identity) {
            Some(b)
        } else {
            None
        };
    }
    match op {
        BinaryOp::Multiply if vb.is_some_and(is_one) => Some(a),
        BinaryOp::Multiply if va.is_some_and(is_one) => Some(b),
        BinaryOp::Divide if vb.is_some_and(is_one) => Some(a),
        BinaryOp::Add if vb.is_some_and(is_additive_identity) => Some(a),
        BinaryOp::Add if va.is_some_and(is_additive_identity) => Some(b),
        BinaryOp::Subtract if vb.is_some_and(is_subtractive_identity) => Some(a),
        _ => None,
    }
}

/// -(-x), ~~x, not(not(x)) → x.
fn involution(out: &mut Graph, node: &Node) -> Option<NodeId> {
    let Op::Unary(op) = node.op else { return None };
    if !matches!(
        op,
        UnaryOp::Negative | UnaryOp::BitwiseInvert | UnaryOp::LogicalNot | UnaryOp::Conj
    ) {
        return None;
    }
    let inner = out.node(node.inputs[0]);
    match inner.op {
        Op::Unary(i) if i == op => Some(inner.inputs[0]),
        _ => None,
    }
}

/// +x → x; conj, real, round, floor, ceil, trunc of a value that is already its own
/// result (real input / integer input) → x; astype to the same dtype → x.
fn identity_unary(out: &mut Graph, node: &Node) -> Option<NodeId> {
    let x = node.inputs.first().copied()?;
    let dtype = out.node(x).meta.dtype;
    match node.op {
        Op::Unary(UnaryOp::Positive) => Some(x),
        Op::Unary(UnaryOp::Conj | UnaryOp::Real) if !dtype.is_complex() => Some(x),
        Op::Unary(UnaryOp::Round | UnaryOp::Floor | UnaryOp::Ceil | UnaryOp::Trunc)
            if dtype.is_integer() =>
        {
            Some(x)
        }
        Op::Cast(to) if to == dtype => Some(x),
        _ => None,
    }
}

/// pow(x, 1) → x, pow(x, 2) → x*x (one correctly rounded multiply), pow(x, 0) → 1
/// (the standard: x**±0 is 1 even for NaN x); for real floats also pow(x, -1) → 1/x
/// (one correctly rounded division; ±0 gives ±inf and ±inf gives ±0, as pow does) and
/// pow(x, 0.5) → sqrt(x) + 0.0, or +inf where x is -inf (sqrt gives -0 for -0 and NaN
/// for -inf, where pow gives +0 and +inf; the sum with +0.0 turns -0 into +0 and
/// changes nothing else). NumPy rewrites both too (its `(-0.0) ** 0.5` is then -0.0,
/// where the standard asks +0); a general pow costs several times a square root or a
/// division.
fn small_integer_pow(out: &mut Graph, node: &Node) -> Option<NodeId> {
    if node.op != Op::Binary(BinaryOp::Pow) {
        return None;
    }
    let (x, e) = (node.inputs[0], node.inputs[1]);
    let exponent = fill_value(out.node(e))?.as_f64();
    if matches!(fill_value(out.node(e))?, Scalar::Complex(_, im) if im != 0.0) {
        return None;
    }
    let real = node.meta.dtype.is_real_floating();
    let fill = |out: &mut Graph, v: f64| out.push(derived(node, Op::Fill(Scalar::Float(v)), &[]));
    match exponent {
        1.0 => Some(x),
        2.0 => Some(out.push(derived(node, Op::Binary(BinaryOp::Multiply), &[x, x]))),
        0.0 => Some(out.push(derived(node, Op::Fill(Scalar::Int(1)), &[]))),
        -1.0 if real => {
            let one = fill(out, 1.0);
            Some(out.push(derived(node, Op::Binary(BinaryOp::Divide), &[one, x])))
        }
        0.5 if real => {
            let root = out.push(derived(node, Op::Unary(UnaryOp::Sqrt), &[x]));
            let zero = fill(out, 0.0);
            let root = out.push(derived(node, Op::Binary(BinaryOp::Add), &[root, zero]));
            let minus_inf = fill(out, f64::NEG_INFINITY);
            let mut at_minus_inf = derived(node, Op::Binary(BinaryOp::Equal), &[x, minus_inf]);
            at_minus_inf.meta.dtype = DType::Bool;
            let at_minus_inf = out.push(at_minus_inf);
            let inf = fill(out, f64::INFINITY);
            Some(out.push(derived(node, Op::Where, &[at_minus_inf, inf, root])))
        }
        _ => None,
    }
}

/// where(c, x, x) → x; where(true, x, y) → x; where(false, x, y) → y.
fn same_branches(out: &mut Graph, node: &Node) -> Option<NodeId> {
    if node.op != Op::Where {
        return None;
    }
    let (c, x, y) = (node.inputs[0], node.inputs[1], node.inputs[2]);
    match fill_value(out.node(c)) {
        _ if x == y => Some(x),
        Some(Scalar::Bool(true)) => Some(x),
        Some(Scalar::Bool(false)) => Some(y),
        _ => None,
    }
}

/// A view that changes nothing → its input.
fn identity_view(out: &mut Graph, node: &Node) -> Option<NodeId> {
    let x = *node.inputs.first()?;
    let input = out.node(x);
    let same_shape = input.meta.shape == node.meta.shape;
    match &node.op {
        Op::Reshape(_) | Op::Broadcast(_) if same_shape => Some(x),
        Op::Permute(p) if p.iter().enumerate().all(|(i, &a)| i == a) => Some(x),
        Op::Slice(dims)
            if same_shape
                && dims
                    .iter()
                    .all(|d| d.step == 1 && (d.start == 0 || d.len == 0)) =>
        {
            Some(x)
        }
        _ => None,
    }
}

/// view(view(x)) of the same kind → one view of x.
fn compose_views(out: &mut Graph, node: &Node) -> Option<NodeId> {
    let inner = out.node(*node.inputs.first()?).clone();
    let op = match (&node.op, &inner.op) {
        (Op::Reshape(s), Op::Reshape(_)) => Op::Reshape(s.clone()),
        (Op::Broadcast(s), Op::Broadcast(_)) => Op::Broadcast(s.clone()),
        (Op::Permute(outer), Op::Permute(first)) => {
            Op::Permute(outer.iter().map(|&i| first[i]).collect())
        }
        (Op::Slice(outer), Op::Slice(first)) => Op::Slice(
            outer
                .iter()
                .zip(first.iter())
                .map(|(o, f)| SliceDim {
                    start: if o.len == 0 {
                        0
                    } else {
                        (f.start as isize + o.start as isize * f.step) as usize
                    },
                    step: o.step * f.step,
                    len: o.len,
                })
                .collect::<SmallVec<[SliceDim; 4]>>(),
        ),
        _ => return None,
    };
    Some(out.push(derived(node, op, &inner.inputs)))
}

#[cfg(test)]
mod tests {
    use super::run;
    use crate::op::{BinaryOp::*, Op, UnaryOp::*};
    use crate::testing::{bin, fill, graph, input, op, un};
    use crate::DType::*;

    #[test]
    fn exact_identities_disappear() {
        let x = input(&[4], F32);
        let one = fill(1.0, &[4], F32);
        let neg_zero = fill(-0.0, &[4], F32);
        let y = bin(Add, &bin(Multiply, &x, &one), &neg_zero);
        let z = un(Negative, &un(Negative, &bin(Divide, &y, &one)));
        insta::assert_snapshot!(run(&graph(&[&z])).dump());
    }

    #[test]
    fn bool_identities_disappear() {
        let b = bin(Greater, &input(&[4], F32), &fill(0.5, &[4], F32));
        let rules = [
            (NotEqual, false),
            (Equal, true),
            (LogicalAnd, true),
            (LogicalOr, false),
            (LogicalXor, false),
            (BitwiseAnd, true),
            (BitwiseOr, false),
            (BitwiseXor, false),
        ];
        for (op, identity) in rules {
            let c = fill(identity, &[4], Bool);
            let g = run(&graph(&[&bin(op, &b, &c), &bin(op, &c, &b)]));
            for o in &g.outputs {
                assert_eq!(g.node(*o).op, Op::Binary(Greater), "{op:?}: {}", g.dump());
            }
            // With the other constant the value changes: the node stays.
            let g = run(&graph(&[&bin(op, &b, &fill(!identity, &[4], Bool))]));
            assert_eq!(g.node(g.outputs[0]).op, Op::Binary(op), "{op:?}");
        }
        // Only bools: an integer 0 is not an identity of not_equal.
        let i = input(&[4], I32);
        let g = run(&graph(&[&bin(NotEqual, &i, &fill(0, &[4], I32))]));
        assert_eq!(g.node(g.outputs[0]).op, Op::Binary(NotEqual));
    }

    #[test]
    fn inexact_identities_stay() {
        // x + 0.0 turns -0.0 into +0.0; x * 0 and x - x are not 0 for NaN or inf.
        let x = input(&[4], F64);
        let zero = fill(0.0, &[4], F64);
        let a = bin(Add, &x, &zero);
        let b = bin(Multiply, &x, &zero);
        let c = bin(Subtract, &x, &x);
        let g = graph(&[&a, &b, &c]);
        assert_eq!(run(&g).dump(), g.dump());
    }

    #[test]
    fn small_integer_powers_become_multiplies() {
        let x = input(&[3], F64);
        let two = bin(Pow, &x, &fill(2, &[3], F64));
        let one = bin(Pow, &x, &fill(1.0, &[3], F64));
        let zero = bin(Pow, &x, &fill(0.0, &[3], F64));
        let half = bin(Pow, &x, &fill(0.5, &[3], F64));
        let minus_one = bin(Pow, &x, &fill(-1.0, &[3], F64));
        let third = bin(Pow, &x, &fill(1.0 / 3.0, &[3], F64));
        let graph = graph(&[&two, &one, &zero, &half, &minus_one, &third]);
        insta::assert_snapshot!(run(&graph).dump());
    }

    #[test]
    fn view_chains_compose_into_one_view() {
        let x = input(&[2, 3, 4], F32);
        let p = op(Op::Permute([2, 0, 1].into_iter().collect()), &[&x]);
        let q = op(Op::Permute([1, 2, 0].into_iter().collect()), &[&p]);
        let r = op(Op::Reshape(crate::Shape::new(&[6, 4])), &[&q]);
        let s = op(Op::Reshape(crate::Shape::new(&[24])), &[&r]);
        insta::assert_snapshot!(run(&graph(&[&s])).dump());
    }

    #[test]
    fn composed_slices_read_the_same_elements() {
        use crate::op::SliceDim;
        let x = input(&[10], F32);
        // x[1:9:2] = 1,3,5,7 ; then [::-1] = 7,5,3,1 → start 7, step -2, len 4.
        let a = op(
            Op::Slice(
                [SliceDim {
                    start: 1,
                    step: 2,
                    len: 4,
                }]
                .into_iter()
                .collect(),
            ),
            &[&x],
        );
        let b = op(
            Op::Slice(
                [SliceDim {
                    start: 3,
                    step: -1,
                    len: 4,
                }]
                .into_iter()
                .collect(),
            ),
            &[&a],
        );
        let g = run(&graph(&[&b]));
        assert_eq!(g.nodes.len(), 2, "{}", g.dump());
        assert_eq!(
            g.nodes[1].op,
            Op::Slice(
                [SliceDim {
                    start: 7,
                    step: -2,
                    len: 4
                }]
                .into_iter()
                .collect()
            )
        );
    }
}
