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
    let texts: Vec<String> = if data.dtype().is_real_floating() {
        let values: Vec<f64> = shown.iter().map(|&i| data.get(i).as_f64()).collect();
        format_real_floats(&values, single)
    } else {
        shown
            .iter()
            .map(|&i| format_scalar(data.get(i), single))
            .collect()
    };
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

/// NumPy's default float format (floatmode "maxprec", precision 8), chosen once for all
/// the shown values: scientific for all of them when a nonzero magnitude is ≥ 1e8 or
/// < 1e-4 or they span more than 1e3, else positional; each value's shortest digits
/// (at most 8 after the point), integer parts right-aligned, fractions left-aligned
/// (positional) or zero-filled to a common length (scientific), nan/inf right-aligned.
fn format_real_floats(values: &[f64], single: bool) -> Vec<String> {
    let finite: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    let magnitudes: Vec<f64> = finite
        .iter()
        .filter(|&&x| x != 0.0)
        .map(|x| x.abs())
        .collect();
    let scientific = match (
        magnitudes.iter().copied().reduce(f64::max),
        magnitudes.iter().copied().reduce(f64::min),
    ) {
        (Some(max), Some(min)) => max >= 1e8 || min < 1e-4 || max / min > 1e3,
        _ => false,
    };
    // Shortest round-trip digits, rounded to at most 8 fractional digits.
    let digits = |x: f64| -> (String, String, Option<i32>) {
        let text = match (scientific, single) {
            (false, true) => format!("{}", x as f32),
            (false, false) => format!("{x}"),
            (true, true) => format!("{:e}", x as f32),
            (true, false) => format!("{x:e}"),
        };
        let (mut mantissa, exp) = match text.split_once('e') {
            Some((m, e)) => (m.to_string(), Some(e.parse::<i32>().unwrap_or(0))),
            None => (text.clone(), None),
        };
        let mut exp = exp;
        if mantissa.split_once('.').is_some_and(|(_, f)| f.len() > 8) {
            let rounded = match (scientific, single) {
                (false, true) => format!("{:.8}", x as f32),
                (false, false) => format!("{x:.8}"),
                (true, true) => format!("{:.8e}", x as f32),
                (true, false) => format!("{x:.8e}"),
            };
            let (m, e) = match rounded.split_once('e') {
                Some((m, e)) => (m.to_string(), Some(e.parse::<i32>().unwrap_or(0))),
                None => (rounded.clone(), None),
            };
            mantissa = m.trim_end_matches('0').to_string();
            exp = e;
        }
        let (int, frac) = mantissa
            .split_once('.')
            .map(|(i, f)| (i.to_string(), f.to_string()))
            .unwrap_or((mantissa.clone(), String::new()));
        (int, frac, exp)
    };
    let parts: Vec<(String, String, Option<i32>)> = finite.iter().map(|&x| digits(x)).collect();
    let pad_left = parts.iter().map(|p| p.0.len()).max().unwrap_or(0);
    let frac_len = parts.iter().map(|p| p.1.len()).max().unwrap_or(0);
    let exp_len = parts
        .iter()
        .filter_map(|p| p.2)
        .map(|e| e.unsigned_abs().to_string().len().max(2))
        .max()
        .unwrap_or(2);
    let pad_right = if scientific {
        exp_len + 2 + frac_len
    } else {
        frac_len
    };
    // Room for nan/inf, as NumPy makes it: they align to the full field width.
    let neg_inf = values.contains(&f64::NEG_INFINITY);
    let pad_left = if finite.len() < values.len() {
        let offset = pad_right + 1;
        pad_left
            .max(3usize.saturating_sub(offset))
            .max((3 + neg_inf as usize).saturating_sub(offset))
    } else {
        pad_left
    };
    let width = pad_left + pad_right + 1;
    let mut parts = parts.into_iter();
    values
        .iter()
        .map(|&x| {
            if !x.is_finite() {
                return format!("{:>width$}", format_float(x, single));
            }
            let (int, frac, exp) = parts.next().expect("one part per finite value");
            match exp {
                Some(e) => {
                    let sign = if e < 0 { '-' } else { '+' };
                    let e = e.unsigned_abs();
                    format!("{int:>pad_left$}.{frac:0<frac_len$}e{sign}{e:0>exp_len$}")
                }
                None => format!("{int:>pad_left$}.{frac:<frac_len$}"),
            }
        })
        .collect()
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
