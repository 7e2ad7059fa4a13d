//! The kiln side of `tools/conform.py`, a conformance check against `array_api_strict`
//! (the standard's reference implementation on NumPy): reads one call per line on
//! stdin, computes it in the default (fused) mode, and prints the result or the error.
//!
//! A line is tab-separated: `id`, the function's name, its arguments, then options as
//! `key=value`. An argument is an array `a|dtype|d0,d1,..|v0,v1,..` (row-major; an
//! empty shape is 0-d; a complex value is `re;im`) or a Python scalar `s|int|5`,
//! `s|float|1.5`, `s|bool|1`. The answer is `id ok dtype shape values` or
//! `id err message`, tab-separated, floats printed so that they read back exactly.
//!
//! ```text
//! cargo run --release --example conform < cases.txt
//! ```

use kiln::{Array, CumulativeOpts, DType, Operand, ReduceOpts, Result, Scalar};
use kiln::{Complex32, Complex64};
use std::io::{BufRead, Write};

fn dtype(name: &str) -> DType {
    DType::ALL
        .into_iter()
        .find(|d| d.name() == name)
        .unwrap_or_else(|| panic!("unknown dtype {name}"))
}

fn parse_complex(v: &str) -> (f64, f64) {
    let (re, im) = v.split_once(';').expect("a complex value is re;im");
    (re.parse().expect("re"), im.parse().expect("im"))
}

fn array(dtype_name: &str, shape: &str, values: &str) -> Array {
    let shape: Vec<usize> = match shape {
        "" => vec![],
        s => s.split(',').map(|d| d.parse().expect("a length")).collect(),
    };
    let vals: Vec<&str> = match values {
        "" => vec![],
        v => v.split(',').collect(),
    };
    fn ints<T: TryFrom<i128>>(v: &[&str]) -> Vec<T> {
        v.iter()
            .map(|s| {
                let i: i128 = s.parse().expect("an integer");
                T::try_from(i).ok().expect("in range")
            })
            .collect()
    }
    let floats =
        |v: &[&str]| -> Vec<f64> { v.iter().map(|s| s.parse().expect("a float")).collect() };
    let built = match dtype(dtype_name) {
        DType::Bool => kiln::from_vec(vals.iter().map(|s| *s == "1").collect(), &shape),
        DType::I8 => kiln::from_vec(ints::<i8>(&vals), &shape),
        DType::I16 => kiln::from_vec(ints::<i16>(&vals), &shape),
        DType::I32 => kiln::from_vec(ints::<i32>(&vals), &shape),
        DType::I64 => kiln::from_vec(ints::<i64>(&vals), &shape),
        DType::U8 => kiln::from_vec(ints::<u8>(&vals), &shape),
        DType::U16 => kiln::from_vec(ints::<u16>(&vals), &shape),
        DType::U32 => kiln::from_vec(ints::<u32>(&vals), &shape),
        DType::U64 => kiln::from_vec(ints::<u64>(&vals), &shape),
        DType::F32 => kiln::from_vec(floats(&vals).iter().map(|&x| x as f32).collect(), &shape),
        DType::F64 => kiln::from_vec(floats(&vals), &shape),
        DType::C64 => kiln::from_vec(
            vals.iter()
                .map(|s| {
                    let (re, im) = parse_complex(s);
                    Complex32::new(re as f32, im as f32)
                })
                .collect(),
            &shape,
        ),
        DType::C128 => kiln::from_vec(
            vals.iter()
                .map(|s| {
                    let (re, im) = parse_complex(s);
                    Complex64::new(re, im)
                })
                .collect(),
            &shape,
        ),
    };
    built.expect("the case's array")
}

/// An argument: `n` is an absent optional one (clip's bounds).
fn operand(arg: &str) -> Option<Operand> {
    let parts: Vec<&str> = arg.splitn(4, '|').collect();
    Some(match parts[0] {
        "n" => return None,
        "a" => array(parts[1], parts[2], parts[3]).into(),
        "s" => match parts[1] {
            "int" => Scalar::Int(parts[2].parse().expect("an int scalar")),
            "float" => Scalar::Float(parts[2].parse().expect("a float scalar")),
            "bool" => Scalar::Bool(parts[2] == "1"),
            "complex" => {
                let (re, im) = parse_complex(parts[2]);
                Scalar::Complex(re, im)
            }
            k => panic!("unknown scalar kind {k}"),
        }
        .into(),
        k => panic!("unknown argument kind {k}"),
    })
}

fn the_scalar(o: &Operand) -> Scalar {
    match o {
        Operand::Scalar(s) => *s,
        Operand::Array(_) => panic!("this argument must be a scalar"),
    }
}

fn the_array(o: &Operand) -> &Array {
    match o {
        Operand::Array(a) => a,
        Operand::Scalar(_) => panic!("this argument must be an array"),
    }
}

/// Options of a call: `axis=1`, `axis=0,2`, `keepdims=1`, `correction=1`, ...
struct Opts(Vec<(String, String)>);

impl Opts {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    fn reduce(&self) -> ReduceOpts {
        let mut o = ReduceOpts::new();
        if let Some(a) = self.get("axis") {
            o = o.axes(a.split(',').map(|s| s.parse::<i64>().expect("an axis")));
        }
        if let Some(k) = self.get("keepdims") {
            o = o.keepdims(k == "1");
        }
        if let Some(c) = self.get("correction") {
            o = o.correction(c.parse().expect("a correction"));
        }
        if let Some(d) = self.get("dtype") {
            o = o.dtype(dtype(d));
        }
        o
    }
    fn cumulative(&self) -> CumulativeOpts {
        let mut o = CumulativeOpts::new();
        if let Some(a) = self.get("axis") {
            o = o.axis(a.parse().expect("an axis"));
        }
        if let Some(k) = self.get("include_initial") {
            o = o.include_initial(k == "1");
        }
        if let Some(d) = self.get("dtype") {
            o = o.dtype(dtype(d));
        }
        o
    }
    fn ints(&self, key: &str) -> Vec<i64> {
        match self.get(key) {
            None | Some("") => vec![],
            Some(v) => v
                .split(',')
                .map(|s| s.parse().expect("an integer"))
                .collect(),
        }
    }
    fn int(&self, key: &str) -> i64 {
        self.get(key)
            .expect("an integer option")
            .parse()
            .expect("an integer")
    }
    fn axis(&self) -> kiln::AxisArg {
        match self.get("axis") {
            None => kiln::AxisArg(None),
            Some(a) => kiln::AxisArg(Some(
                a.split(',').map(|s| s.parse().expect("an axis")).collect(),
            )),
        }
    }
}

type Unary = fn(&Array) -> Result<Array>;

fn unary(name: &str) -> Option<Unary> {
    macro_rules! table {
        ($($f:ident)*) => {
            match name {
                $(stringify!($f) => Some(kiln::$f as Unary),)*
                _ => None,
            }
        };
    }
    table!(abs acos acosh asin asinh atan atanh bitwise_invert ceil conj cos cosh exp expm1
        floor imag isfinite isinf isnan log log1p log2 log10 logical_not negative positive
        real reciprocal round sign signbit sin sinh square sqrt tan tanh trunc)
}

fn binary(name: &str, a: Operand, b: Operand) -> Option<Result<Array>> {
    macro_rules! table {
        ($($f:ident)*) => {
            match name {
                $(stringify!($f) => Some(kiln::$f(a, b)),)*
                _ => None,
            }
        };
    }
    table!(add atan2 bitwise_and bitwise_left_shift bitwise_or bitwise_right_shift bitwise_xor
        copysign divide equal floor_divide greater greater_equal hypot less less_equal logaddexp
        logical_and logical_or logical_xor maximum minimum multiply nextafter not_equal pow
        remainder subtract)
}

fn call(name: &str, args: Vec<Option<Operand>>, opts: &Opts) -> Result<Array> {
    if name == "clip" {
        let mut args = args.into_iter();
        let x = args.next().flatten().expect("clip's x");
        return kiln::clip(the_array(&x), args.next().flatten(), args.next().flatten());
    }
    if name == "diff" {
        let n = opts.get("n").map_or(1, |n| n.parse().expect("n"));
        let arg = |i: usize| args.get(i).and_then(|a| a.as_ref()).map(the_array);
        let x = arg(0).expect("diff's x");
        return kiln::diff(x, opts.int("axis"), n, arg(1), arg(2));
    }
    let mut args: Vec<Operand> = args.into_iter().map(|a| a.expect("an argument")).collect();
    let create = || {
        let mut o = kiln::CreateOpts::new();
        if let Some(d) = opts.get("dtype") {
            o = o.dtype(dtype(d));
        }
        o
    };
    match name {
        "arange" => {
            let s: Vec<Scalar> = args.iter().map(the_scalar).collect();
            return kiln::arange(s[0], s[1], s[2], create());
        }
        "linspace" => {
            let s: Vec<Scalar> = args.iter().map(the_scalar).collect();
            let num = opts.int("num") as usize;
            return kiln::linspace(s[0], s[1], num, opts.get("endpoint") != Some("0"), create());
        }
        "eye" => {
            let n_cols = opts.get("n_cols").map(|n| n.parse().expect("n_cols"));
            return kiln::eye(opts.int("n_rows") as usize, n_cols, opts.int("k"), create());
        }
        "full" => {
            let shape: Vec<usize> = opts.ints("shape").iter().map(|&d| d as usize).collect();
            return kiln::full(shape, the_scalar(&args[0]), create());
        }
        _ => {}
    }
    if args.len() == 1 {
        if let Some(f) = unary(name) {
            return f(the_array(&args[0]));
        }
    }
    if args.len() == 2 {
        let b = args.pop().expect("two");
        let a = args.pop().expect("two");
        if let Some(r) = binary(name, a.clone(), b.clone()) {
            return r;
        }
        args = vec![a, b];
    }
    let x = || the_array(&args[0]);
    match name {
        "sum" => kiln::sum(x(), opts.reduce()),
        "prod" => kiln::prod(x(), opts.reduce()),
        "max" => kiln::max(x(), opts.reduce()),
        "min" => kiln::min(x(), opts.reduce()),
        "mean" => kiln::mean(x(), opts.reduce()),
        "var" => kiln::var(x(), opts.reduce()),
        "std" => kiln::std(x(), opts.reduce()),
        "all" => kiln::all(x(), opts.reduce()),
        "any" => kiln::any(x(), opts.reduce()),
        "argmax" => kiln::argmax(x(), opts.reduce()),
        "argmin" => kiln::argmin(x(), opts.reduce()),
        "count_nonzero" => kiln::count_nonzero(x(), opts.reduce()),
        "cumulative_sum" => kiln::cumulative_sum(x(), opts.cumulative()),
        "cumulative_prod" => kiln::cumulative_prod(x(), opts.cumulative()),
        "flip" => kiln::flip(x(), opts.axis()),
        "astype" => kiln::astype(x(), dtype(opts.get("dtype").expect("astype's dtype"))),
        "where" => kiln::r#where(x(), args[1].clone(), args[2].clone()),
        "matmul" => kiln::matmul(x(), the_array(&args[1])),
        "vecdot" => kiln::vecdot(x(), the_array(&args[1]), opts.int("axis")),
        "concat" | "stack" => {
            let arrays: Vec<&Array> = args.iter().map(the_array).collect();
            match name {
                "concat" => kiln::concat(&arrays, opts.axis()),
                _ => kiln::stack(&arrays, opts.int("axis")),
            }
        }
        "roll" => kiln::roll(x(), opts.ints("shift"), opts.axis()),
        "tile" => {
            let reps: Vec<usize> = opts.ints("reps").iter().map(|&r| r as usize).collect();
            kiln::tile(x(), reps)
        }
        "repeat" => {
            let axis = opts.get("axis").map(|a| a.parse().expect("an axis"));
            match args.get(1) {
                Some(r) => kiln::repeat(x(), kiln::Repeats::Each(the_array(r).clone()), axis),
                None => kiln::repeat(x(), opts.int("repeats") as i32, axis),
            }
        }
        "squeeze" => kiln::squeeze(x(), opts.axis()),
        "expand_dims" => kiln::expand_dims(x(), opts.axis()),
        "moveaxis" => kiln::moveaxis(x(), opts.ints("source"), opts.ints("destination")),
        "reshape" => kiln::reshape(x(), opts.ints("shape")),
        "permute_dims" => kiln::permute_dims(x(), opts.ints("axes")),
        "matrix_transpose" => kiln::matrix_transpose(x()),
        "take" => kiln::take(x(), the_array(&args[1]), opts.axis()),
        "searchsorted" => {
            let side = match opts.get("side") {
                Some("right") => kiln::Side::Right,
                _ => kiln::Side::Left,
            };
            kiln::searchsorted(x(), the_array(&args[1]), side)
        }
        "tril" => kiln::tril(x(), opts.int("k")),
        "triu" => kiln::triu(x(), opts.int("k")),
        "unique_values" => kiln::unique_values(x()),
        "unique_counts" => kiln::unique_counts(x()).map(|r| r.counts),
        "sort" | "argsort" => {
            let mut o = kiln::SortOpts::new();
            if let Some(a) = opts.get("axis") {
                o = o.axis(a.parse().expect("an axis"));
            }
            if let Some(d) = opts.get("descending") {
                o = o.descending(d == "1");
            }
            match name {
                "sort" => kiln::sort(x(), o),
                _ => kiln::argsort(x(), o),
            }
        }
        _ => more(name, &args, opts),
    }
}

/// Python's `k`, `start:stop:step` (parts may be empty), `N` (None) or `E` (`...`).
fn index_entry(token: &str) -> kiln::SliceArg {
    let int = |s: &str| (!s.is_empty()).then(|| s.parse().expect("an index"));
    match token {
        "N" => kiln::SliceArg::NewAxis,
        "E" => kiln::SliceArg::Ellipsis,
        t if t.contains(':') => {
            let p: Vec<&str> = t.split(':').collect();
            let step = p.get(2).and_then(|s| int(s)).unwrap_or(1);
            kiln::SliceArg::python(int(p[0]), int(p[1]), step)
        }
        t => kiln::SliceArg::Index(t.parse().expect("an index")),
    }
}

fn matrix_norm(ord: &str) -> kiln::linalg::MatrixNorm {
    use kiln::linalg::MatrixNorm as M;
    match ord {
        "fro" => M::Fro,
        "nuc" => M::Nuc,
        "1" => M::One,
        "-1" => M::NegOne,
        "2" => M::Two,
        "-2" => M::NegTwo,
        "inf" => M::Inf,
        "-inf" => M::NegInf,
        o => panic!("unknown matrix norm {o}"),
    }
}

fn fft_norm(opts: &Opts) -> kiln::fft::FftNorm {
    use kiln::fft::FftNorm as N;
    match opts.get("norm") {
        None | Some("backward") => N::Backward,
        Some("ortho") => N::Ortho,
        Some("forward") => N::Forward,
        Some(n) => panic!("unknown fft norm {n}"),
    }
}

/// The functions of the second group of `tools/conform.py` (linear algebra, FFT,
/// indexing, sets, several outputs). A function with several outputs answers the one
/// `part` names; `abs=1` answers its magnitudes (the parts that are unique up to a
/// sign or phase: QR's factors, singular and eigen vectors).
fn more(name: &str, args: &[Operand], opts: &Opts) -> Result<Array> {
    use kiln::{fft, linalg};
    let x = || the_array(&args[0]);
    let y = || the_array(&args[1]);
    let part = opts.get("part").map_or(0, |p| p.parse().expect("a part"));
    let pick = |v: Vec<Array>| v.into_iter().nth(part).expect("the part");
    let rtol = opts.get("rtol").map(|r| r.parse().expect("rtol"));
    let create = || {
        let mut o = kiln::CreateOpts::new();
        if let Some(d) = opts.get("dtype") {
            o = o.dtype(dtype(d));
        }
        o
    };
    let shape = || -> Vec<usize> { opts.ints("shape").iter().map(|&d| d as usize).collect() };
    let fft1 = || {
        let mut o = fft::FftOpts::new().norm(fft_norm(opts));
        if let Some(n) = opts.get("n") {
            o = o.n(n.parse().expect("n"));
        }
        if let Some(a) = opts.get("axis") {
            o = o.axis(a.parse().expect("an axis"));
        }
        o
    };
    let fftn = || {
        let mut o = fft::FftnOpts::new().norm(fft_norm(opts));
        if opts.get("s").is_some() {
            o = o.s(opts.ints("s"));
        }
        if opts.get("axes").is_some() {
            o = o.axes(opts.ints("axes"));
        }
        o
    };
    let result = match name {
        "nonzero" => kiln::nonzero(x()).map(pick),
        "isin" => kiln::isin(
            x(),
            y(),
            kiln::IsinOpts::new().invert(opts.get("invert") == Some("1")),
        ),
        "take_along_axis" => kiln::take_along_axis(x(), y(), opts.int("axis")),
        "unique_inverse" => {
            kiln::unique_inverse(x()).map(|r| pick(vec![r.values, r.inverse_indices]))
        }
        "unique_all" => kiln::unique_all(x())
            .map(|r| pick(vec![r.values, r.indices, r.inverse_indices, r.counts])),
        "broadcast_to" => kiln::broadcast_to(x(), shape()),
        "broadcast_arrays" | "meshgrid" => {
            let arrays: Vec<&Array> = args.iter().map(the_array).collect();
            match name {
                "broadcast_arrays" => kiln::broadcast_arrays(&arrays),
                _ => {
                    let ij = opts.get("indexing") == Some("ij");
                    kiln::meshgrid(
                        &arrays,
                        if ij {
                            kiln::Indexing::Ij
                        } else {
                            kiln::Indexing::Xy
                        },
                    )
                }
            }
            .map(pick)
        }
        "unstack" => kiln::unstack(x(), opts.int("axis")).map(pick),
        "searchsorted_sorter" => {
            let side = match opts.get("side") {
                Some("right") => kiln::Side::Right,
                _ => kiln::Side::Left,
            };
            let o = kiln::SearchOpts::new()
                .side(side)
                .sorter(the_array(&args[2]));
            kiln::searchsorted(x(), y(), o)
        }
        "zeros" => kiln::zeros(shape(), create()),
        "ones" => kiln::ones(shape(), create()),
        "zeros_like" => kiln::zeros_like(x(), create()),
        "ones_like" => kiln::ones_like(x(), create()),
        "full_like" => kiln::full_like(x(), the_scalar(&args[1]), create()),
        "tensordot" => match opts.get("axes") {
            Some(a) if a.contains(';') => {
                let (p, q) = a.split_once(';').expect("two lists");
                let list = |s: &str| -> Vec<i64> {
                    s.split(',')
                        .filter(|t| !t.is_empty())
                        .map(|t| t.parse().expect("an axis"))
                        .collect()
                };
                kiln::tensordot(x(), y(), (list(p), list(q)))
            }
            Some(a) => kiln::tensordot(x(), y(), a.parse::<usize>().expect("a count")),
            None => kiln::tensordot(x(), y(), 2usize),
        },
        "getitem" => {
            let index: Vec<kiln::SliceArg> = match opts.get("index") {
                None | Some("") => vec![],
                Some(i) => i.split(',').map(index_entry).collect(),
            };
            x().slice(index)
        }
        "mask_select" => kiln::mask_select(x(), y()),
        "cholesky" => linalg::cholesky(x(), opts.get("upper") == Some("1")),
        "det" => linalg::det(x()),
        "eigvalsh" => linalg::eigvalsh(x()),
        "eigh" => linalg::eigh(x()).map(|r| pick(vec![r.eigenvalues, r.eigenvectors])),
        "inv" => linalg::inv(x()),
        "matrix_norm" => linalg::matrix_norm(
            x(),
            opts.get("keepdims") == Some("1"),
            matrix_norm(opts.get("ord").unwrap_or("fro")),
        ),
        "vector_norm" => linalg::vector_norm(
            x(),
            opts.axis(),
            opts.get("keepdims") == Some("1"),
            opts.get("ord").map_or(2.0, |o| o.parse().expect("an ord")),
        ),
        "matrix_power" => linalg::matrix_power(x(), opts.int("n")),
        "matrix_rank" => linalg::matrix_rank(x(), rtol),
        "outer" => linalg::outer(x(), y()),
        "pinv" => linalg::pinv(x(), rtol),
        "qr" => {
            let mode = match opts.get("mode") {
                Some("complete") => linalg::QrMode::Complete,
                _ => linalg::QrMode::Reduced,
            };
            linalg::qr(x(), mode).map(|r| pick(vec![r.q, r.r]))
        }
        "slogdet" => linalg::slogdet(x()).map(|r| pick(vec![r.sign, r.logabsdet])),
        "solve" => linalg::solve(x(), y()),
        "svd" => linalg::svd(x(), opts.get("full_matrices") == Some("1"))
            .map(|r| pick(vec![r.u, r.s, r.vh])),
        "svdvals" => linalg::svdvals(x()),
        // The factors multiplied back (thin SVD, reduced QR, eigh): A within eps·‖A‖.
        "svd_recon" => linalg::svd(x(), false).and_then(|f| {
            let s = kiln::expand_dims(&kiln::astype(&f.s, f.u.dtype())?, -2)?;
            kiln::matmul(&kiln::multiply(&f.u, &s)?, &f.vh)
        }),
        "qr_recon" => {
            linalg::qr(x(), linalg::QrMode::Reduced).and_then(|f| kiln::matmul(&f.q, &f.r))
        }
        "eigh_recon" => linalg::eigh(x()).and_then(|f| {
            let v = f.eigenvectors;
            let w = kiln::expand_dims(&kiln::astype(&f.eigenvalues, v.dtype())?, -2)?;
            let vh = kiln::conj(&kiln::matrix_transpose(&v)?)?;
            kiln::matmul(&kiln::multiply(&v, &w)?, &vh)
        }),
        "trace" => linalg::trace(
            x(),
            opts.get("offset").map_or(0, |o| o.parse().expect("offset")),
            opts.get("dtype").map(dtype),
        ),
        "diagonal" => linalg::diagonal(
            x(),
            opts.get("offset").map_or(0, |o| o.parse().expect("offset")),
        ),
        "cross" => linalg::cross(
            x(),
            y(),
            opts.get("axis").map_or(-1, |a| a.parse().expect("an axis")),
        ),
        "fft" => fft::fft(x(), fft1()),
        "ifft" => fft::ifft(x(), fft1()),
        "rfft" => fft::rfft(x(), fft1()),
        "irfft" => fft::irfft(x(), fft1()),
        "hfft" => fft::hfft(x(), fft1()),
        "ihfft" => fft::ihfft(x(), fft1()),
        "fftn" => fft::fftn(x(), fftn()),
        "ifftn" => fft::ifftn(x(), fftn()),
        "rfftn" => fft::rfftn(x(), fftn()),
        "irfftn" => fft::irfftn(x(), fftn()),
        "fftfreq" | "rfftfreq" => {
            let (n, d) = (
                opts.int("n") as usize,
                opts.get("d").map_or(1.0, |d| d.parse().expect("d")),
            );
            match name {
                "fftfreq" => fft::fftfreq(n, d, create()),
                _ => fft::rfftfreq(n, d, create()),
            }
        }
        "fftshift" => fft::fftshift(x(), opts.axis()),
        "ifftshift" => fft::ifftshift(x(), opts.axis()),
        _ => panic!("unknown function {name}"),
    }?;
    if opts.get("abs") == Some("1") {
        return kiln::abs(&result);
    }
    Ok(result)
}

fn values(a: &Array) -> Result<String> {
    fn join<T>(v: Vec<T>, f: impl Fn(&T) -> String) -> String {
        v.iter().map(f).collect::<Vec<_>>().join(",")
    }
    Ok(match a.dtype() {
        DType::Bool => join(a.to_vec::<bool>()?, |b| (*b as u8).to_string()),
        DType::I8 => join(a.to_vec::<i8>()?, |v| v.to_string()),
        DType::I16 => join(a.to_vec::<i16>()?, |v| v.to_string()),
        DType::I32 => join(a.to_vec::<i32>()?, |v| v.to_string()),
        DType::I64 => join(a.to_vec::<i64>()?, |v| v.to_string()),
        DType::U8 => join(a.to_vec::<u8>()?, |v| v.to_string()),
        DType::U16 => join(a.to_vec::<u16>()?, |v| v.to_string()),
        DType::U32 => join(a.to_vec::<u32>()?, |v| v.to_string()),
        DType::U64 => join(a.to_vec::<u64>()?, |v| v.to_string()),
        DType::F32 => join(a.to_vec::<f32>()?, |v| format!("{v:?}")),
        DType::F64 => join(a.to_vec::<f64>()?, |v| format!("{v:?}")),
        DType::C64 => join(a.to_vec::<Complex32>()?, |v| {
            format!("{:?};{:?}", v.re, v.im)
        }),
        DType::C128 => join(a.to_vec::<Complex64>()?, |v| {
            format!("{:?};{:?}", v.re, v.im)
        }),
    })
}

/// The data type functions (`tools/conform.py --tables`): `id info text` or `id err`.
fn data_type_function(name: &str, fields: &[&str]) -> Option<Result<String>> {
    let dtypes = || fields.iter().map(|d| dtype(d)).collect::<Vec<_>>();
    Some(match name {
        "result_type" => kiln::result_type(&dtypes()).map(|d| d.name().to_string()),
        "can_cast" => Ok((kiln::can_cast(dtype(fields[0]), dtype(fields[1])) as u8).to_string()),
        "isdtype" => kiln::isdtype(dtype(fields[0]), fields[1]).map(|b| (b as u8).to_string()),
        "finfo" => kiln::finfo(dtype(fields[0])).map(|f| {
            format!(
                "{} {:?} {:?} {:?} {:?} {}",
                f.bits,
                f.eps,
                f.max,
                f.min,
                f.smallest_normal,
                f.dtype.name()
            )
        }),
        "iinfo" => kiln::iinfo(dtype(fields[0]))
            .map(|i| format!("{} {} {} {}", i.bits, i.max, i.min, i.dtype.name())),
        _ => return None,
    })
}

fn answer(line: &str) -> String {
    let fields: Vec<&str> = line.split('\t').collect();
    let (id, name) = (fields[0], fields[1]);
    if let Some(r) = data_type_function(name, &fields[2..]) {
        return match r {
            Ok(text) => format!("{id}\tinfo\t{text}"),
            Err(e) => format!("{id}\terr\t{}", e.to_string().replace(['\n', '\t'], " ")),
        };
    }
    let mut args = Vec::new();
    let mut opts = Opts(Vec::new());
    for f in &fields[2..] {
        match f.split_once('=') {
            Some((k, v)) if !f.contains('|') => opts.0.push((k.to_string(), v.to_string())),
            _ => args.push(operand(f)),
        }
    }
    let result = call(name, args, &opts).and_then(|r| {
        let shape: Vec<String> = r.shape().iter().map(|d| d.to_string()).collect();
        Ok(format!(
            "ok\t{}\t{}\t{}",
            r.dtype().name(),
            shape.join(","),
            values(&r)?
        ))
    });
    match result {
        Ok(s) => format!("{id}\t{s}"),
        Err(e) => format!("{id}\terr\t{}", e.to_string().replace(['\n', '\t'], " ")),
    }
}

fn main() {
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout());
    for line in stdin.lock().lines() {
        let line = line.expect("a line of input");
        if line.trim().is_empty() {
            continue;
        }
        let id = line.split('\t').next().unwrap_or("?").to_string();
        let reply = std::panic::catch_unwind(|| answer(&line))
            .unwrap_or_else(|_| format!("{id}\tpanic\tthe call panicked"));
        writeln!(out, "{reply}").expect("stdout");
    }
}
