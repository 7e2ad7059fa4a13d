//! Accuracy harness for the math library (tests only).
//!
//! The reference is `astro-float` evaluated at `PREC` bits (far beyond both widths), so
//! the measured error of a result y is |y - f(x)| / ulp(f(x)) with f(x) essentially
//! exact: a correctly rounded result scores <= 0.5. ulp(v) = 2^(max(e, emin) - p + 1)
//! with 2^e <= |v| < 2^(e+1) (subnormals have the fixed ulp of the smallest normal
//! binade). A reference beyond the largest finite value that rounds to infinity
//! expects the infinity; an infinite result for a finite reference counts as
//! 2^(emax+1) (so a "late" or "early" overflow is measured, not excused).
//!
//! Sample counts: `KILN_ULP_SAMPLES` (default small, for debug-profile test runs);
//! `KILN_ULP_SEED` varies the otherwise fixed per-test seed.

use astro_float::{BigFloat, Consts, RoundingMode};
use std::cell::RefCell;

pub(crate) const PREC: usize = 192;
pub(crate) const RM: RoundingMode = RoundingMode::ToEven;

thread_local! {
    static CC: RefCell<Consts> = RefCell::new(Consts::new().expect("astro-float constants"));
}

/// Runs `f` with this thread's astro-float constant cache.
pub(crate) fn with_cc<R>(f: impl FnOnce(&mut Consts) -> R) -> R {
    CC.with(|c| f(&mut c.borrow_mut()))
}

/// Number of random samples per function and width.
pub(crate) fn samples(default: usize) -> usize {
    std::env::var("KILN_ULP_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The big float of an f64 (exact). (astro-float 0.9's `from_f64` gets the exponent of
/// subnormals wrong by one, so they are scaled into the normal range first.)
pub(crate) fn bf(x: f64) -> BigFloat {
    if x != 0.0 && x.abs() < f64::MIN_POSITIVE {
        let mut b = BigFloat::from_f64(x * 2f64.powi(100), PREC);
        let e = b.exponent().expect("finite");
        b.set_exponent(e - 100);
        return b;
    }
    BigFloat::from_f64(x, PREC)
}

/// An approximation of a big float as f64 (for moderate magnitudes).
pub(crate) fn to_f64(x: &BigFloat) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x.is_inf() {
        return if x.is_negative() {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    if x.is_zero() {
        return 0.0;
    }
    let (m, _n, _s, e, _) = x.as_raw_parts().expect("finite");
    let top = m[m.len() - 1] as f64; // in [2^63, 2^64)
    let v = ldexp(top, e - 64);
    if x.is_negative() {
        -v
    } else {
        v
    }
}

fn ldexp(mut v: f64, mut e: i32) -> f64 {
    while e > 1000 {
        v *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        v *= 2f64.powi(-1000);
        e += 1000;
    }
    v * 2f64.powi(e)
}

/// The floating-point formats under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum W {
    F32,
    F64,
}

impl W {
    pub fn p(self) -> i32 {
        match self {
            W::F32 => 24,
            W::F64 => 53,
        }
    }
    pub fn emin(self) -> i32 {
        match self {
            W::F32 => -126,
            W::F64 => -1022,
        }
    }
    pub fn emax(self) -> i32 {
        match self {
            W::F32 => 127,
            W::F64 => 1023,
        }
    }
    /// Round an f64 to this width.
    pub fn round(self, x: f64) -> f64 {
        match self {
            W::F32 => x as f32 as f64,
            W::F64 => x,
        }
    }
    pub fn max(self) -> f64 {
        match self {
            W::F32 => f32::MAX as f64,
            W::F64 => f64::MAX,
        }
    }
    pub fn min_sub(self) -> f64 {
        match self {
            W::F32 => f32::from_bits(1) as f64,
            W::F64 => f64::from_bits(1),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            W::F32 => "f32",
            W::F64 => "f64",
        }
    }
}

/// A reference value: NaN expected, or a (possibly infinite or zero) real.
pub(crate) enum Ref {
    Nan,
    Val(BigFloat),
}

/// Error of result `y` against reference `r` in ulps of the width (see module docs).
pub(crate) fn ulp_err(y: f64, r: &Ref, w: W) -> f64 {
    let v = match r {
        Ref::Nan => return if y.is_nan() { 0.0 } else { f64::INFINITY },
        Ref::Val(v) => v,
    };
    if y.is_nan() || v.is_nan() {
        return f64::INFINITY;
    }
    if v.is_inf() {
        return if y.is_infinite() && (y < 0.0) == v.is_negative() {
            0.0
        } else {
            f64::INFINITY
        };
    }
    // Does v round to infinity? |v| >= MAX + ulp(MAX)/2 (the tie rounds to even, up).
    let top = bf(2f64.powi(w.emax())).mul(&bf(2.0), PREC, RM); // 2^(emax+1)
    let lim = bf(w.max()).add(&bf(2f64.powi(w.emax() - w.p())), PREC, RM);
    if v.abs().cmp(&lim).unwrap_or(0) >= 0 && y.is_infinite() && (y < 0.0) == v.is_negative() {
        return 0.0;
    }
    let yb = if y.is_infinite() {
        if y < 0.0 {
            top.neg()
        } else {
            top
        }
    } else {
        bf(y)
    };
    let e = if v.is_zero() {
        w.emin()
    } else {
        (v.exponent().unwrap() - 1).clamp(w.emin(), w.emax())
    };
    let ue = e - (w.p() - 1);
    let mut d = yb.sub(v, PREC, RM);
    if d.is_zero() {
        return 0.0;
    }
    let de = d.exponent().unwrap();
    d.set_exponent(de - ue);
    to_f64(&d).abs()
}

/// splitmix64.
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(name: &str) -> Rng {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for c in name.bytes() {
            h = (h ^ c as u64).wrapping_mul(0x100_0000_01b3);
        }
        if let Some(s) = std::env::var("KILN_ULP_SEED")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
        {
            h ^= s.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
        Rng(h)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * 2f64.powi(-53)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn sign(&mut self) -> f64 {
        if self.next() & 1 == 0 {
            1.0
        } else {
            -1.0
        }
    }
}

/// A sample generator.
#[derive(Clone, Copy, Debug)]
pub(crate) enum G {
    /// |x| log-uniform in [lo, hi] (lo > 0); sign: +1, -1, or 0 for either.
    Log(f64, f64, i8),
    /// Uniform in [a, b].
    Uni(f64, f64),
    /// c·(1 + u), |u| log-uniform in [2^-60, rel] with random sign, or c plus a few
    /// ulps: points close to a special point c != 0.
    Near(f64, f64),
    /// A random finite bit pattern of the width.
    Bits,
    /// A random finite bit pattern with the sign forced (+1 / -1).
    BitsSigned(i8),
}

pub(crate) fn gen(rng: &mut Rng, g: G, w: W) -> f64 {
    let x = match g {
        G::Log(lo, hi, s) => {
            let lo = lo.max(w.min_sub());
            let mut hi = hi.min(w.max());
            if hi <= lo {
                // range below the width's subnormals: use its lowest binades instead
                hi = lo * 2f64.powi(20);
            }
            let (a, b) = (lo.ln(), hi.ln());
            let m = (a + (b - a) * rng.unit()).exp();
            // exp() of the log range can leave [lo, hi] by an ulp: clamp.
            let m = m.clamp(lo, hi);
            let sg = match s {
                0 => rng.sign(),
                s => s as f64,
            };
            sg * m
        }
        G::Uni(a, b) => a + (b - a) * rng.unit(),
        G::Near(c, rel) => {
            if rng.next() & 3 == 0 {
                // a few ulps around c
                let cw = w.round(c);
                let k = rng.below(17) as i64 - 8;
                return step_ulps(cw, k, w);
            }
            let (a, b) = ((2f64.powi(-60)).ln(), rel.ln());
            let u = (a + (b - a) * rng.unit()).exp();
            c * (1.0 + rng.sign() * u)
        }
        G::Bits => loop {
            let v = match w {
                W::F32 => f32::from_bits(rng.next() as u32) as f64,
                W::F64 => f64::from_bits(rng.next()),
            };
            if v.is_finite() {
                break v;
            }
        },
        G::BitsSigned(s) => loop {
            let v = match w {
                W::F32 => (f32::from_bits(rng.next() as u32) as f64).abs(),
                W::F64 => f64::from_bits(rng.next()).abs(),
            };
            if v.is_finite() {
                break v * s as f64;
            }
        },
    };
    w.round(x)
}

/// The float k ulps away from x in the width (k may be negative).
pub(crate) fn step_ulps(x: f64, k: i64, w: W) -> f64 {
    match w {
        W::F32 => {
            let f = x as f32;
            let b = f.to_bits() as i32;
            let nb = if f >= 0.0 { b as i64 + k } else { b as i64 - k };
            f32::from_bits(nb.clamp(i32::MIN as i64, i32::MAX as i64) as i32 as u32) as f64
        }
        W::F64 => {
            let b = x.to_bits() as i64;
            let nb = if x >= 0.0 {
                b.saturating_add(k)
            } else {
                b.saturating_sub(k)
            };
            f64::from_bits(nb as u64)
        }
    }
}

/// Pick a generator by weight.
pub(crate) fn pick(rng: &mut Rng, gens: &[(u32, G)]) -> G {
    let total: u32 = gens.iter().map(|g| g.0).sum();
    let mut t = rng.below(total as u64) as u32;
    for &(wt, g) in gens {
        if t < wt {
            return g;
        }
        t -= wt;
    }
    gens[0].1
}

/// The result of an accuracy run.
pub(crate) struct Report {
    pub max: f64,
    pub at: (f64, f64),
    pub n: usize,
}

/// Measure max ulp error of a unary function over random samples, print a report line
/// (`cargo test -- --nocapture` shows it) and assert it is within `bound`.
pub(crate) fn check_unary(
    name: &str,
    w: W,
    n: usize,
    gens: &[(u32, G)],
    f: &dyn Fn(f64) -> f64,
    reference: &dyn Fn(f64, &mut Consts) -> Ref,
    bound: f64,
) -> Report {
    let mut rng = Rng::new(&format!("{name}-{}", w.name()));
    let mut rep = Report {
        max: 0.0,
        at: (0.0, 0.0),
        n,
    };
    for _ in 0..n {
        let g = pick(&mut rng, gens);
        let x = gen(&mut rng, g, w);
        let y = f(x);
        let r = with_cc(|cc| reference(x, cc));
        let e = ulp_err(y, &r, w);
        if e.is_nan() || e > rep.max {
            rep.max = e;
            rep.at = (x, 0.0);
        }
    }
    finish(name, w, &rep, bound, false);
    rep
}

/// As `check_unary` for a function of two arguments; `gens` yields pairs.
pub(crate) fn check_binary(
    name: &str,
    w: W,
    n: usize,
    gen2: &dyn Fn(&mut Rng, W) -> (f64, f64),
    f: &dyn Fn(f64, f64) -> f64,
    reference: &dyn Fn(f64, f64, &mut Consts) -> Ref,
    bound: f64,
) -> Report {
    let mut rng = Rng::new(&format!("{name}-{}", w.name()));
    let mut rep = Report {
        max: 0.0,
        at: (0.0, 0.0),
        n,
    };
    for _ in 0..n {
        let (x, y) = gen2(&mut rng, w);
        let v = f(x, y);
        let r = with_cc(|cc| reference(x, y, cc));
        let e = ulp_err(v, &r, w);
        if e.is_nan() || e > rep.max {
            rep.max = e;
            rep.at = (x, y);
        }
    }
    finish(name, w, &rep, bound, true);
    rep
}

fn finish(name: &str, w: W, rep: &Report, bound: f64, binary: bool) {
    let at = if binary {
        format!("({:e}, {:e})", rep.at.0, rep.at.1)
    } else {
        format!("{:e}", rep.at.0)
    };
    println!(
        "ULP {name:<10} {:<4} max {:>8.3} ulp  (bound {bound})  n = {}  worst at {at}",
        w.name(),
        rep.max,
        rep.n
    );
    assert!(
        rep.max <= bound,
        "{name} {}: max error {} ulp > bound {bound} at {at}",
        w.name(),
        rep.max
    );
}

/// Compare special values exactly: NaN must give NaN, zeros must carry the right sign,
/// everything else must be equal.
pub(crate) fn same(got: f64, want: f64) -> bool {
    if want.is_nan() {
        return got.is_nan();
    }
    got == want && got.is_sign_negative() == want.is_sign_negative()
}

/// Assert a unary special-case table for both widths. Expected values are given in
/// f64 and rounded to the width.
pub(crate) fn check_specials1(
    name: &str,
    f32fn: &dyn Fn(f32) -> f32,
    f64fn: &dyn Fn(f64) -> f64,
    table: &[(f64, f64)],
) {
    for &(x, want) in table {
        let g32 = f32fn(x as f32) as f64;
        let w32 = want as f32 as f64;
        assert!(same(g32, w32), "{name}_f32({x:e}) = {g32:e}, want {w32:e}");
        let g64 = f64fn(x);
        assert!(
            same(g64, want),
            "{name}_f64({x:e}) = {g64:e}, want {want:e}"
        );
    }
}

/// Assert a binary special-case table for both widths.
pub(crate) fn check_specials2(
    name: &str,
    f32fn: &dyn Fn(f32, f32) -> f32,
    f64fn: &dyn Fn(f64, f64) -> f64,
    table: &[(f64, f64, f64)],
) {
    for &(x, y, want) in table {
        let g32 = f32fn(x as f32, y as f32) as f64;
        let w32 = want as f32 as f64;
        assert!(
            same(g32, w32),
            "{name}_f32({x:e}, {y:e}) = {g32:e}, want {w32:e}"
        );
        let g64 = f64fn(x, y);
        assert!(
            same(g64, want),
            "{name}_f64({x:e}, {y:e}) = {g64:e}, want {want:e}"
        );
    }
}

/// Reference helpers: a value (NaN if astro-float says so).
pub(crate) fn val(v: BigFloat) -> Ref {
    if v.is_nan() {
        Ref::Nan
    } else {
        Ref::Val(v)
    }
}
