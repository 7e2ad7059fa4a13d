//! NumPy-style printing of computed arrays.

use kiln_ir::{DType, Data, Scalar};
use std::fmt;

/// Arrays with more elements than this print only the first and last `EDGE` items of
/// each axis, as NumPy's default print options do.
const SUMMARY_THRESHOLD: usize = 1000;
const EDGE: usize = 3;

pub(crate) fn write_array(f: &mut fmt::Formatter<'_>, data: &Data, shape: &[usize]) -> fmt::Result {
    let summarize = data.len() > SUMMARY_THRESHOLD;
    let strides = kiln_ir::Shape::new(shape).strides();
    // Format the elements that will be shown, to align them to one width.
    let mut shown = Vec::new();
    collect(shape, &strides, 0, 0, summarize, &mut shown);
    let single = matches!(data.dtype(), DType::F32 | DType::C64);
    let texts: Vec<String> = shown
        .iter()
        .map(|&i| format_scalar(data.get(i), single))
        .collect();
    let width = texts.iter().map(|t| t.len()).max().unwrap_or(0);
    let mut texts = texts.into_iter();
    let mut out = String::from("array(");
    render(shape, 0, summarize, width, &mut texts, &mut out);
    write!(f, "{out}, dtype={})", data.dtype())
}

fn kept(n: usize, summarize: bool) -> Vec<Option<usize>> {
    if summarize && n > 2 * EDGE {
        (0..EDGE)
            .map(Some)
            .chain(std::iter::once(None))
            .chain((n - EDGE..n).map(Some))
            .collect()
    } else {
        (0..n).map(Some).collect()
    }
}

fn collect(
    shape: &[usize],
    strides: &[usize],
    axis: usize,
    offset: usize,
    summarize: bool,
    out: &mut Vec<usize>,
) {
    if axis == shape.len() {
        out.push(offset);
        return;
    }
    for i in kept(shape[axis], summarize).into_iter().flatten() {
        collect(
            shape,
            strides,
            axis + 1,
            offset + i * strides[axis],
            summarize,
            out,
        );
    }
}

fn render(
    shape: &[usize],
    axis: usize,
    summarize: bool,
    width: usize,
    texts: &mut impl Iterator<Item = String>,
    out: &mut String,
) {
    if axis == shape.len() {
        let t = texts.next().unwrap_or_default();
        out.push_str(&format!("{t:>width$}"));
        return;
    }
    out.push('[');
    let indent = " ".repeat("array(".len() + axis + 1);
    let items = kept(shape[axis], summarize);
    let last_axis = axis + 1 == shape.len();
    for (k, item) in items.iter().enumerate() {
        if k > 0 {
            out.push(',');
            if last_axis {
                out.push(' ');
            } else {
                out.push('\n');
                // A blank line between blocks of rank ≥ 2, as NumPy prints them.
                for _ in 0..(shape.len() - axis - 2) {
                    out.push('\n');
                }
                out.push_str(&indent);
            }
        }
        match item {
            Some(_) => render(shape, axis + 1, summarize, width, texts, out),
            None => out.push_str("..."),
        }
    }
    out.push(']');
}

fn format_float(x: f64, single: bool) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    let a = x.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        return if single {
            format!("{:e}", x as f32)
        } else {
            format!("{x:e}")
        };
    }
    let s = if single {
        format!("{}", x as f32)
    } else {
        format!("{x}")
    };
    if s.contains('.') {
        s
    } else {
        s + "."
    }
}

fn format_scalar(s: Scalar, single: bool) -> String {
    match s {
        Scalar::Bool(b) => if b { "True" } else { "False" }.into(),
        Scalar::Int(i) => i.to_string(),
        Scalar::Float(x) => format_float(x, single),
        Scalar::Complex(re, im) => {
            let sign = if im.is_sign_negative() { "-" } else { "+" };
            format!(
                "{}{sign}{}j",
                format_float(re, single),
                format_float(im.abs(), single)
            )
        }
    }
}
