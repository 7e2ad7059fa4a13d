//! Property test: random elementwise, broadcasting and view expressions on random shapes
//! (rank 0 to 4, axis sizes 0 to 5), built with kiln and computed by its interpreter,
//! agree with the same expression computed independently with `ndarray`.
//!
//! Expressions are trees generated top-down from the shape each node must have, so every
//! generated expression is valid: a binary node asks its children for shapes that
//! broadcast to its own (heads such as [N, 1] and dropped leading axes), a slice asks for
//! a larger child and the (start, step, length) that cut it back, and so on. The
//! reference never calls kiln: ndarray broadcasts, permutes, flips, slices and reshapes,
//! and elementwise values are plain `f64` arithmetic.

use kiln::{Array, SliceArg};
use ndarray::{ArrayD, Axis, IxDyn, Slice, Zip};
use proptest::prelude::*;
use proptest::strategy::Union;

#[derive(Clone, Copy, Debug)]
enum Bin {
    Add,
    Sub,
    Mul,
    Max,
}

impl Bin {
    fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            Bin::Add => a + b,
            Bin::Sub => a - b,
            Bin::Mul => a * b,
            // The standard's maximum: NaN if either is NaN.
            Bin::Max => {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else if a >= b {
                    a
                } else {
                    b
                }
            }
        }
    }

    fn kiln(self, a: impl Into<kiln::Operand>, b: impl Into<kiln::Operand>) -> kiln::Result<Array> {
        match self {
            Bin::Add => kiln::add(a, b),
            Bin::Sub => kiln::subtract(a, b),
            Bin::Mul => kiln::multiply(a, b),
            Bin::Max => kiln::maximum(a, b),
        }
    }
}

/// One entry of a slice index, with the elements it picks as the generator meant them.
#[derive(Clone, Debug)]
enum Entry {
    /// Input elements `first + i * step` for `i < len`.
    Axis {
        arg: SliceArg,
        first: usize,
        step: isize,
        len: usize,
    },
    /// One position of the input axis; the axis is dropped.
    Index { arg: i64, pos: usize },
}

#[derive(Clone, Debug)]
enum Node {
    Leaf {
        shape: Vec<usize>,
        data: Vec<f64>,
    },
    Bin(Bin, Box<Node>, Box<Node>),
    /// `op(x, scalar)`, or `op(scalar, x)` when `left`.
    Scalar {
        op: Bin,
        x: Box<Node>,
        value: f64,
        left: bool,
    },
    /// `exp(clip(x, -5, 5))`.
    ExpClip(Box<Node>),
    /// `where(a > b, x, y)`.
    Where(Box<Node>, Box<Node>, Box<Node>, Box<Node>),
    BroadcastTo(Box<Node>, Vec<usize>),
    /// `permute_dims(x, axes)`; `axes` as passed (maybe negative).
    Permute(Box<Node>, Vec<i64>),
    /// `flip(x, axes)`; `None` flips every axis.
    Flip(Box<Node>, Option<Vec<i64>>),
    Slice(Box<Node>, Vec<Entry>),
    /// `reshape(x, shape)`, where `shape` may hold one -1; `to` is the resolved shape.
    Reshape {
        x: Box<Node>,
        shape: Vec<i64>,
        to: Vec<usize>,
    },
    ExpandDims(Box<Node>, i64),
}

// ---------------------------------------------------------------- generation

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        20 => -10.0..10.0f64,
        4 => (-3i32..=3).prop_map(f64::from),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(-0.0),
    ]
}

fn dim() -> impl Strategy<Value = usize> {
    prop_oneof![1 => Just(0usize), 3 => Just(1usize), 8 => 2..=5usize]
}

fn shape() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(dim(), 0..=4)
}

fn bin() -> impl Strategy<Value = Bin> {
    prop_oneof![
        Just(Bin::Add),
        Just(Bin::Sub),
        Just(Bin::Mul),
        Just(Bin::Max)
    ]
}

/// `t` without its first `drop` axes, with the axes marked in `ones` set to 1: a shape
/// that broadcasts to `t`.
fn head(t: &[usize], drop: usize, ones: &[bool]) -> Vec<usize> {
    (drop..t.len())
        .map(|i| if ones[i] { 1 } else { t[i] })
        .collect()
}

fn broadcast_head(t: Vec<usize>) -> impl Strategy<Value = Vec<usize>> {
    let r = t.len();
    (0..=r, prop::collection::vec(any::<bool>(), r)).prop_map(move |(d, ones)| head(&t, d, &ones))
}

/// A strategy for a node of exactly shape `t`, built only when sampled (so the
/// recursion does not build every branch up front).
fn lazy(t: Vec<usize>, depth: u32) -> BoxedStrategy<Node> {
    Just(t).prop_flat_map(move |t| node(t, depth)).boxed()
}

fn leaf(t: Vec<usize>) -> BoxedStrategy<Node> {
    let n: usize = t.iter().product();
    prop::collection::vec(value(), n)
        .prop_map(move |data| Node::Leaf {
            shape: t.clone(),
            data,
        })
        .boxed()
}

fn node(t: Vec<usize>, depth: u32) -> BoxedStrategy<Node> {
    if depth == 0 {
        return leaf(t);
    }
    let d = depth - 1;
    let r = t.len();
    let mut options: Vec<(u32, BoxedStrategy<Node>)> = vec![(2, leaf(t.clone()))];

    // Binary op: two children whose shapes broadcast to exactly `t`.
    {
        let t = t.clone();
        let s = (
            0..=r,
            prop::collection::vec(any::<bool>(), r),
            0..=r,
            prop::collection::vec(any::<bool>(), r),
            any::<bool>(),
            bin(),
        )
            .prop_flat_map(move |(d1, ones1, d2, ones2, swap, op)| {
                let s1 = head(&t, d1, &ones1);
                // Where s1 supplies t's size (or t's size is 1), s2 may be 1 or absent.
                let covered: Vec<bool> = (0..r)
                    .map(|i| i >= d1 && (!ones1[i] || t[i] == 1))
                    .collect();
                let max_drop = covered.iter().take_while(|&&c| c).count();
                let ones2: Vec<bool> = (0..r).map(|i| covered[i] && ones2[i]).collect();
                let s2 = head(&t, d2.min(max_drop), &ones2);
                (lazy(s1, d), lazy(s2, d)).prop_map(move |(a, b)| {
                    let (a, b) = if swap { (b, a) } else { (a, b) };
                    Node::Bin(op, Box::new(a), Box::new(b))
                })
            })
            .boxed();
        options.push((4, s));
    }

    // Binary op with a weak Rust scalar on either side.
    options.push((
        1,
        (lazy(t.clone(), d), bin(), -4.0..4.0f64, any::<bool>())
            .prop_map(|(x, op, value, left)| Node::Scalar {
                op,
                x: Box::new(x),
                value,
                left,
            })
            .boxed(),
    ));

    options.push((
        1,
        lazy(t.clone(), d)
            .prop_map(|x| Node::ExpClip(Box::new(x)))
            .boxed(),
    ));

    // where(a > b, x, y): a, b, x broadcast heads of t, y exactly t (or swapped).
    {
        let t2 = t.clone();
        let s = (
            broadcast_head(t.clone()),
            broadcast_head(t.clone()),
            broadcast_head(t.clone()),
            any::<bool>(),
        )
            .prop_flat_map(move |(sa, sb, sx, swap)| {
                (lazy(sa, d), lazy(sb, d), lazy(sx, d), lazy(t2.clone(), d)).prop_map(
                    move |(a, b, x, y)| {
                        let (x, y) = if swap { (y, x) } else { (x, y) };
                        Node::Where(Box::new(a), Box::new(b), Box::new(x), Box::new(y))
                    },
                )
            })
            .boxed();
        options.push((1, s));
    }

    // broadcast_to(x, t) from a broadcast head of t.
    {
        let t2 = t.clone();
        let s = broadcast_head(t.clone())
            .prop_flat_map(move |h| {
                let t = t2.clone();
                lazy(h, d).prop_map(move |x| Node::BroadcastTo(Box::new(x), t.clone()))
            })
            .boxed();
        options.push((1, s));
    }

    // permute_dims: the child has t's axes in another order.
    if r >= 2 {
        let t2 = t.clone();
        let s = (
            Just((0..r).collect::<Vec<usize>>()).prop_shuffle(),
            any::<bool>(),
        )
            .prop_flat_map(move |(perm, negative)| {
                let mut child = vec![0; r];
                for (i, &p) in perm.iter().enumerate() {
                    child[p] = t2[i];
                }
                let axes: Vec<i64> = perm
                    .iter()
                    .map(|&p| {
                        if negative {
                            p as i64 - r as i64
                        } else {
                            p as i64
                        }
                    })
                    .collect();
                lazy(child, d).prop_map(move |x| Node::Permute(Box::new(x), axes.clone()))
            })
            .boxed();
        options.push((1, s));
    }

    // flip over a subset of axes, or all of them.
    if r >= 1 {
        let s = (
            lazy(t.clone(), d),
            prop::collection::vec(any::<bool>(), r),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(move |(x, which, all, negative)| {
                let axes = (!all).then(|| {
                    (0..r)
                        .filter(|&i| which[i])
                        .map(|i| {
                            if negative {
                                i as i64 - r as i64
                            } else {
                                i as i64
                            }
                        })
                        .collect()
                });
                Node::Flip(Box::new(x), axes)
            })
            .boxed();
        options.push((1, s));
    }

    // Basic indexing: a strided range per axis of t, maybe one integer index more.
    {
        let t2 = t.clone();
        let entries: Vec<BoxedStrategy<(usize, Entry)>> =
            t.iter().map(|&len| axis_entry(len).boxed()).collect();
        let s = (
            entries,
            prop::option::of((
                0..=r,
                1..=4usize,
                any::<prop::sample::Index>(),
                any::<bool>(),
            )),
        )
            .prop_flat_map(move |(axes, index)| {
                let mut child: Vec<usize> = axes.iter().map(|(n, _)| *n).collect();
                let mut entries: Vec<Entry> = axes.into_iter().map(|(_, e)| e).collect();
                if let Some((pos, n, i, negative)) = index.filter(|_| t2.len() < 4) {
                    let i = i.index(n) as i64;
                    let arg = if negative { i - n as i64 } else { i };
                    child.insert(pos, n);
                    entries.insert(pos, Entry::Index { arg, pos });
                }
                lazy(child, d).prop_map(move |x| Node::Slice(Box::new(x), entries.clone()))
            })
            .boxed();
        options.push((2, s));
    }

    // reshape from a child of the same size and another shape.
    {
        let children = reshape_sources(&t);
        let t2 = t.clone();
        let s = (
            prop::sample::select(children),
            any::<prop::sample::Index>(),
            any::<bool>(),
        )
            .prop_flat_map(move |(child, which, infer)| {
                let mut shape: Vec<i64> = t2.iter().map(|&n| n as i64).collect();
                // One -1 is allowed where the other sizes are known and non-zero.
                if infer && !shape.is_empty() {
                    let k = which.index(shape.len());
                    let others: i64 = (0..shape.len())
                        .filter(|&i| i != k)
                        .map(|i| shape[i])
                        .product();
                    if others > 0 {
                        shape[k] = -1;
                    }
                }
                let to = t2.clone();
                lazy(child, d).prop_map(move |x| Node::Reshape {
                    x: Box::new(x),
                    shape: shape.clone(),
                    to: to.clone(),
                })
            })
            .boxed();
        options.push((1, s));
    }

    // expand_dims at a size-1 axis of t.
    let unit_axes: Vec<usize> = (0..r).filter(|&i| t[i] == 1).collect();
    if !unit_axes.is_empty() {
        let t2 = t.clone();
        let s = (prop::sample::select(unit_axes), any::<bool>())
            .prop_flat_map(move |(i, negative)| {
                let mut child = t2.clone();
                child.remove(i);
                let axis = if negative {
                    i as i64 - r as i64
                } else {
                    i as i64
                };
                lazy(child, d).prop_map(move |x| Node::ExpandDims(Box::new(x), axis))
            })
            .boxed();
        options.push((1, s));
    }

    Union::new_weighted(options).boxed()
}

/// Shapes of the same size as `t` (and rank ≤ 4) that reshape to `t`.
fn reshape_sources(t: &[usize]) -> Vec<Vec<usize>> {
    let size: usize = t.iter().product();
    let mut out = vec![vec![size], t.iter().rev().copied().collect()];
    if t.len() < 4 {
        let mut v = t.to_vec();
        v.insert(0, 1);
        out.push(v);
    }
    for i in 0..t.len().saturating_sub(1) {
        let mut v = t.to_vec();
        let merged = v[i] * v[i + 1];
        v.splice(i..i + 2, [merged]);
        out.push(v);
    }
    if t.len() < 4 {
        for (i, &n) in t.iter().enumerate() {
            for a in 2..n {
                if n % a == 0 {
                    let mut v = t.to_vec();
                    v.splice(i..=i, [a, n / a]);
                    out.push(v);
                }
            }
        }
    }
    if size == 0 {
        out.push(vec![3, 0]);
        out.push(vec![0, 2, 1]);
    }
    out.retain(|v| v.len() <= 4);
    out
}

/// A slice entry producing `len` elements, and the size of the input axis it reads:
/// Python ranges (`start:stop:step`, negative bounds too) and Rust ranges with a step
/// (ndarray's rule: take the range, then step from its first or, for a negative step,
/// its last element), forward and backward.
fn axis_entry(len: usize) -> impl Strategy<Value = (usize, Entry)> {
    (
        any::<bool>(),
        any::<bool>(),
        1..=3usize,
        0..=2usize,
        0..=2usize,
        0..=2usize,
        any::<bool>(),
    )
        .prop_map(move |(python, backward, k, lo, extra, slack, alt)| {
            // Keep inputs small: at most 8 elements per axis.
            let k = if lo + len.saturating_sub(1) * k + 1 + extra > 8 {
                1
            } else {
                k
            };
            let slack = slack % k;
            let step = if backward { -(k as i64) } else { k as i64 };
            if len == 0 {
                let n = lo + extra;
                let s = lo.min(n) as i64;
                let arg = if python {
                    SliceArg::python(Some(s), Some(s), step)
                } else {
                    SliceArg::Span {
                        start: Some(s),
                        end: Some(s),
                        step,
                    }
                };
                let entry = Entry::Axis {
                    arg,
                    first: 0,
                    step: step as isize,
                    len: 0,
                };
                return (n, entry);
            }
            let span = (len - 1) * k;
            if python && !backward {
                let first = lo;
                let last = first + span;
                let n = last + 1 + extra;
                let stop = last + 1 + slack;
                let start = if alt {
                    first as i64 - n as i64
                } else {
                    first as i64
                };
                let stop = if alt && stop >= n {
                    None
                } else {
                    Some(stop as i64)
                };
                let arg = SliceArg::python(Some(start), stop, step);
                (n, axis(arg, first, step, len))
            } else if python {
                let low = lo;
                let first = low + span;
                let n = first + 1 + extra;
                let cand = low as i64 - 1 - slack as i64;
                let stop = if cand >= 0 {
                    Some(cand)
                } else if low < k {
                    None
                } else {
                    Some(low as i64 - 1)
                };
                let start = match (alt, first + 1 == n) {
                    (true, true) => None,
                    (true, false) => Some(first as i64 - n as i64),
                    (false, _) => Some(first as i64),
                };
                let arg = SliceArg::python(start, stop, step);
                (n, axis(arg, first, step, len))
            } else {
                let a = lo;
                let b = a + span + 1 + slack;
                let n = b + extra;
                let start = if alt && a == 0 { None } else { Some(a as i64) };
                let end = match (alt, b == n) {
                    (true, true) => None,
                    (true, false) => Some(b as i64 - n as i64),
                    (false, _) => Some(b as i64),
                };
                let first = if backward { b - 1 } else { a };
                let arg = SliceArg::Span { start, end, step };
                (n, axis(arg, first, step, len))
            }
        })
}

fn axis(arg: SliceArg, first: usize, step: i64, len: usize) -> Entry {
    Entry::Axis {
        arg,
        first,
        step: step as isize,
        len,
    }
}

// ---------------------------------------------------------------- kiln

fn build(n: &Node) -> kiln::Result<Array> {
    Ok(match n {
        Node::Leaf { shape, data } => kiln::from_vec(data.clone(), shape)?,
        Node::Bin(op, a, b) => op.kiln(&build(a)?, &build(b)?)?,
        Node::Scalar { op, x, value, left } => {
            let x = build(x)?;
            if *left {
                op.kiln(*value, &x)?
            } else {
                op.kiln(&x, *value)?
            }
        }
        Node::ExpClip(x) => kiln::exp(&kiln::clip(&build(x)?, Some(-5.0), Some(5.0))?)?,
        Node::Where(a, b, x, y) => {
            let cond = kiln::greater(&build(a)?, &build(b)?)?;
            kiln::where_(&cond, &build(x)?, &build(y)?)?
        }
        Node::BroadcastTo(x, shape) => kiln::broadcast_to(&build(x)?, shape)?,
        Node::Permute(x, axes) => kiln::permute_dims(&build(x)?, axes)?,
        Node::Flip(x, None) => kiln::flip(&build(x)?, ())?,
        Node::Flip(x, Some(axes)) => kiln::flip(&build(x)?, axes.clone())?,
        Node::Slice(x, entries) => {
            let args: Vec<SliceArg> = entries
                .iter()
                .map(|e| match e {
                    Entry::Axis { arg, .. } => *arg,
                    Entry::Index { arg, .. } => SliceArg::Index(*arg),
                })
                .collect();
            build(x)?.slice(args)?
        }
        Node::Reshape { x, shape, .. } => kiln::reshape(&build(x)?, shape)?,
        Node::ExpandDims(x, axis) => kiln::expand_dims(&build(x)?, *axis)?,
    })
}

// ---------------------------------------------------------------- reference

fn broadcast_shape(shapes: &[&[usize]]) -> Vec<usize> {
    let rank = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    (0..rank)
        .map(|i| {
            let mut out = 1;
            for s in shapes {
                let k = i as isize - (rank - s.len()) as isize;
                if k >= 0 {
                    let n = s[k as usize];
                    if n != 1 {
                        assert!(out == 1 || out == n, "generator made {shapes:?}");
                        out = n;
                    }
                }
            }
            out
        })
        .collect()
}

fn stretch(a: &ArrayD<f64>, shape: &[usize]) -> ArrayD<f64> {
    a.broadcast(IxDyn(shape))
        .unwrap_or_else(|| panic!("{:?} broadcasts to {shape:?}", a.shape()))
        .to_owned()
}

fn reference(n: &Node) -> ArrayD<f64> {
    match n {
        Node::Leaf { shape, data } => {
            ArrayD::from_shape_vec(IxDyn(shape), data.clone()).expect("leaf shape")
        }
        Node::Bin(op, a, b) => {
            let (a, b) = (reference(a), reference(b));
            let s = broadcast_shape(&[a.shape(), b.shape()]);
            Zip::from(&stretch(&a, &s))
                .and(&stretch(&b, &s))
                .map_collect(|&x, &y| op.apply(x, y))
        }
        Node::Scalar { op, x, value, left } => reference(x).mapv(|v| {
            if *left {
                op.apply(*value, v)
            } else {
                op.apply(v, *value)
            }
        }),
        Node::ExpClip(x) => reference(x).mapv(|v| v.clamp(-5.0, 5.0).exp()),
        Node::Where(a, b, x, y) => {
            let (a, b, x, y) = (reference(a), reference(b), reference(x), reference(y));
            let s = broadcast_shape(&[a.shape(), b.shape(), x.shape(), y.shape()]);
            let (a, b, x, y) = (
                stretch(&a, &s),
                stretch(&b, &s),
                stretch(&x, &s),
                stretch(&y, &s),
            );
            let mut out = ArrayD::zeros(IxDyn(&s));
            Zip::from(&mut out)
                .and(&a)
                .and(&b)
                .and(&x)
                .and(&y)
                .for_each(|o, &a, &b, &x, &y| *o = if a > b { x } else { y });
            out
        }
        Node::BroadcastTo(x, shape) => stretch(&reference(x), shape),
        Node::Permute(x, axes) => {
            let x = reference(x);
            let r = x.ndim() as i64;
            let perm: Vec<usize> = axes.iter().map(|&a| a.rem_euclid(r) as usize).collect();
            x.permuted_axes(IxDyn(&perm))
        }
        Node::Flip(x, axes) => {
            let mut x = reference(x);
            let r = x.ndim() as i64;
            let axes: Vec<usize> = match axes {
                None => (0..x.ndim()).collect(),
                Some(list) => list.iter().map(|&a| a.rem_euclid(r) as usize).collect(),
            };
            for a in axes {
                x.invert_axis(Axis(a));
            }
            x
        }
        Node::Slice(x, entries) => {
            let mut x = reference(x);
            let mut dropped = Vec::new();
            for (ax, e) in entries.iter().enumerate() {
                let n = x.shape()[ax];
                let slice = match *e {
                    Entry::Axis { len: 0, .. } => Slice::new(0, Some(0), 1),
                    Entry::Axis {
                        first, step, len, ..
                    } => {
                        let last = first as isize + (len as isize - 1) * step;
                        assert!(last >= 0 && (last as usize) < n && first < n);
                        if step > 0 {
                            Slice::new(first as isize, Some(last + 1), step)
                        } else {
                            // ndarray walks a negative step from the range's end.
                            Slice::new(last, Some(first as isize + 1), step)
                        }
                    }
                    Entry::Index { arg, pos } => {
                        assert_eq!(pos, ax);
                        dropped.push(ax);
                        let i = arg.rem_euclid(n as i64) as isize;
                        Slice::new(i, Some(i + 1), 1)
                    }
                };
                x.slice_axis_inplace(Axis(ax), slice);
            }
            for &ax in dropped.iter().rev() {
                x = x.index_axis_move(Axis(ax), 0);
            }
            x
        }
        Node::Reshape { x, to, .. } => {
            let x = reference(x);
            ArrayD::from_shape_vec(IxDyn(to), x.iter().copied().collect()).expect("same size")
        }
        Node::ExpandDims(x, axis) => {
            let x = reference(x);
            let r = x.ndim() as i64 + 1;
            x.insert_axis(Axis(axis.rem_euclid(r) as usize))
        }
    }
}

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

fn size(n: &Node) -> usize {
    match n {
        Node::Leaf { .. } => 1,
        Node::Bin(_, a, b) => 1 + size(a) + size(b),
        Node::Where(a, b, x, y) => 1 + size(a) + size(b) + size(x) + size(y),
        Node::Scalar { x, .. }
        | Node::ExpClip(x)
        | Node::BroadcastTo(x, _)
        | Node::Permute(x, _)
        | Node::Flip(x, _)
        | Node::Slice(x, _)
        | Node::Reshape { x, .. }
        | Node::ExpandDims(x, _) => 1 + size(x),
    }
}

fn expression() -> impl Strategy<Value = Node> {
    shape().prop_flat_map(|t| node(t, 4))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_elementwise_broadcast_and_view_expressions_match_an_ndarray_reference(
        expr in expression()
    ) {
        let want = reference(&expr);
        let got = build(&expr).map_err(|e| TestCaseError::fail(format!("build: {e}")))?;
        // Shape is known before anything runs.
        prop_assert_eq!(got.shape(), want.shape());
        prop_assert_eq!(got.dtype(), kiln::DType::F64);
        let values = got.to_vec::<f64>().map_err(|e| TestCaseError::fail(format!("compute: {e}")))?;
        prop_assert_eq!(values.len(), want.len());
        for (i, (&g, &w)) in values.iter().zip(want.iter()).enumerate() {
            prop_assert!(close(g, w), "element {} (row-major) of shape {:?}: kiln {} vs reference {} ({} nodes)",
                i, want.shape(), g, w, size(&expr));
        }
    }
}
