//! The P-model workload (examples/workloads/pmodel.rs): the kiln graph against the
//! plain-f64 oracle cell by cell, both against reference values from pyrealm itself,
//! and the input generator against values produced outside Rust.

#[path = "../examples/workloads/data.rs"]
mod data;
#[path = "../examples/workloads/pmodel.rs"]
mod pmodel;

use kiln::{Array, DType};
use pmodel::{pmodel_scalar, PModelInputs};

/// Whether `a` and `b` agree to relative tolerance `rel`.
fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs())
}

/// Columns of `cells` (rows of tc, vpd, co2, patm, fapar, ppfd) as kiln inputs.
fn inputs_from_cells(cells: &[[f64; 6]]) -> kiln::Result<PModelInputs> {
    let col = |k: usize| kiln::from_vec(cells.iter().map(|c| c[k]).collect(), [cells.len()]);
    Ok(PModelInputs {
        tc: col(0)?,
        vpd: col(1)?,
        co2: col(2)?,
        patm: col(3)?,
        fapar: col(4)?,
        ppfd: col(5)?,
    })
}

fn columns(inp: &PModelInputs) -> kiln::Result<[Vec<f64>; 6]> {
    Ok([
        inp.tc.to_vec()?,
        inp.vpd.to_vec()?,
        inp.co2.to_vec()?,
        inp.patm.to_vec()?,
        inp.fapar.to_vec()?,
        inp.ppfd.to_vec()?,
    ])
}

#[test]
fn kiln_graph_matches_scalar_oracle_cell_by_cell() -> kiln::Result<()> {
    let n = 1000;
    let inp = pmodel::inputs(n, 2024)?;
    let (gpp, lue) = pmodel::pmodel(&inp)?;
    assert_eq!(gpp.shape(), &[n]);
    assert_eq!(lue.shape(), &[n]);
    assert_eq!(gpp.dtype(), DType::F64);
    kiln::eval(&[&gpp, &lue])?;
    let (gpp, lue) = (gpp.to_vec::<f64>()?, lue.to_vec::<f64>()?);
    let [tc, vpd, co2, patm, fapar, ppfd] = columns(&inp)?;
    for i in 0..n {
        let (g, l) = pmodel_scalar(tc[i], vpd[i], co2[i], patm[i], fapar[i], ppfd[i]);
        // Inside the input ranges the model is defined everywhere (mⱼ > c*).
        assert!(
            g.is_finite() && g > 0.0 && l.is_finite() && l > 0.0,
            "cell {i}"
        );
        assert!(
            close(gpp[i], g, 1e-12),
            "gpp cell {i}: kiln {} oracle {g}",
            gpp[i]
        );
        assert!(
            close(lue[i], l, 1e-12),
            "lue cell {i}: kiln {} oracle {l}",
            lue[i]
        );
    }
    Ok(())
}

/// Cells (tc °C, vpd Pa, co2 ppm, patm Pa, fapar, ppfd µmol m-2 s-1) and their
/// (gpp, lue) from pyrealm 2.0.0 (pip, identical in the model code to the pyrealm
/// checkout), NumPy 2.4, with the defaults of `PModel(env)`:
///
/// ```python
/// env = PModelEnvironment(tc=tc, vpd=vpd, co2=co2, patm=patm, fapar=fapar, ppfd=ppfd)
/// m = PModel(env)   # prentice14, wang17, kphio "temperature", reference_kphio 1/8
/// print(repr(m.gpp), repr(m.lue))
/// ```
///
/// An independent NumPy re-implementation of the formulas agreed with pyrealm to
/// 1.3e-15 (relative) on these and on 100 000 random cells. The first row is the
/// example of pyrealm's docstrings; the last three are `pmodel::inputs(3, 6)` (see
/// `inputs_reproduce_the_python_generator`). The NaN row has mⱼ ≤ c* = 0.41 (CO2 far
/// below today's), where pyrealm's Wang 2017 limitation is undefined.
const PYREALM_CELLS: [([f64; 6], f64, f64); 7] = [
    (
        [20.0, 1000.0, 400.0, 101325.0, 1.0, 800.0],
        311.4892685299709,
        0.38936158566246365,
    ),
    (
        [2.5, 300.0, 360.0, 87000.0, 0.3, 250.0],
        23.708080129872503,
        0.3161077350649667,
    ),
    (
        [33.0, 2400.0, 440.0, 99000.0, 0.9, 1800.0],
        464.9200960790029,
        0.28698771362901415,
    ),
    (
        [30.0, 100.0, 120.0, 101325.0, 0.5, 1000.0],
        f64::NAN,
        f64::NAN,
    ),
    (GENERATED_CELLS[0], 455.84750100342455, 0.29371857704914583),
    (GENERATED_CELLS[1], 11.881643940925048, 0.3785190897089958),
    (GENERATED_CELLS[2], 88.13713569203412, 0.3752142198950751),
];

/// `pmodel::inputs(3, 6)` cell by cell, as a Python SplitMix64 (the script in
/// examples/workloads/data.rs, seeds 6 * 8 + k) produced them.
const GENERATED_CELLS: [[f64; 6]; 3] = [
    [
        0.552283302796322,
        454.1803359836639,
        423.05909851737175,
        91232.54942526453,
        0.9778667760377482,
        1587.1152766778691,
    ],
    [
        23.217630075617855,
        1008.8633554007807,
        407.7810229611623,
        90345.93468389234,
        0.2963292914153972,
        105.92882723742908,
    ],
    [
        18.52392789638222,
        2127.236222052027,
        424.0341980683394,
        97588.26255711915,
        0.3114543252749198,
        754.1978276847838,
    ],
];

fn check_reference(what: &str, i: usize, got: f64, want: f64) {
    if want.is_nan() {
        assert!(got.is_nan(), "{what} cell {i}: {got}, pyrealm gives NaN");
    } else {
        assert!(
            close(got, want, 1e-12),
            "{what} cell {i}: {got}, pyrealm {want}"
        );
    }
}

#[test]
fn kiln_and_oracle_match_pyrealm_reference_cells() -> kiln::Result<()> {
    let cells: Vec<[f64; 6]> = PYREALM_CELLS.iter().map(|c| c.0).collect();
    let (gpp, lue) = pmodel::pmodel(&inputs_from_cells(&cells)?)?;
    let (gpp, lue) = (gpp.to_vec::<f64>()?, lue.to_vec::<f64>()?);
    for (i, &([tc, vpd, co2, patm, fapar, ppfd], want_gpp, want_lue)) in
        PYREALM_CELLS.iter().enumerate()
    {
        check_reference("kiln gpp", i, gpp[i], want_gpp);
        check_reference("kiln lue", i, lue[i], want_lue);
        let (g, l) = pmodel_scalar(tc, vpd, co2, patm, fapar, ppfd);
        check_reference("scalar gpp", i, g, want_gpp);
        check_reference("scalar lue", i, l, want_lue);
    }
    Ok(())
}

#[test]
fn pmodel_is_elementwise_over_any_shape() -> kiln::Result<()> {
    // The same six cells as a [2, 3] grid, with co2 and patm given once per row
    // ([2, 1]) and broadcast: each output cell equals the oracle on its own inputs.
    let grid = |v: [f64; 6]| kiln::from_vec(v.to_vec(), [2, 3]);
    let tc = [0.5, 12.0, 34.0, 8.0, 21.0, 27.5];
    let vpd = [250.0, 800.0, 2400.0, 1500.0, 600.0, 1900.0];
    let co2 = [360.0, 440.0];
    let patm = [101000.0, 86000.0];
    let fapar = [0.15, 0.5, 0.95, 0.7, 0.3, 0.85];
    let ppfd = [150.0, 900.0, 1950.0, 400.0, 1200.0, 700.0];
    let inp = PModelInputs {
        tc: grid(tc)?,
        vpd: grid(vpd)?,
        co2: kiln::from_vec(co2.to_vec(), [2, 1])?,
        patm: kiln::from_vec(patm.to_vec(), [2, 1])?,
        fapar: grid(fapar)?,
        ppfd: grid(ppfd)?,
    };
    let (gpp, lue) = pmodel::pmodel(&inp)?;
    assert_eq!(gpp.shape(), &[2, 3]);
    assert_eq!(lue.shape(), &[2, 3]);
    let (gpp, lue) = (gpp.to_vec::<f64>()?, lue.to_vec::<f64>()?);
    for i in 0..6 {
        let r = i / 3;
        let (g, l) = pmodel_scalar(tc[i], vpd[i], co2[r], patm[r], fapar[i], ppfd[i]);
        assert!(close(gpp[i], g, 1e-12), "gpp cell {i}: {} vs {g}", gpp[i]);
        assert!(close(lue[i], l, 1e-12), "lue cell {i}: {} vs {l}", lue[i]);
    }
    Ok(())
}

#[test]
fn inputs_reproduce_the_python_generator() -> kiln::Result<()> {
    let inp = pmodel::inputs(3, 6)?;
    let cols = columns(&inp)?;
    for (i, cell) in GENERATED_CELLS.iter().enumerate() {
        for k in 0..6 {
            assert_eq!(
                cols[k][i].to_bits(),
                cell[k].to_bits(),
                "cell {i} variable {k}"
            );
        }
    }
    Ok(())
}

#[test]
fn inputs_lie_in_their_ranges_and_fill_them() -> kiln::Result<()> {
    let n = 20_000;
    let inp = pmodel::inputs(n, 77)?;
    let arrays: [&Array; 6] = [
        &inp.tc, &inp.vpd, &inp.co2, &inp.patm, &inp.fapar, &inp.ppfd,
    ];
    let ranges = [
        (0.0, 35.0),
        (200.0, 2500.0),
        (350.0, 450.0),
        (85000.0, 102000.0),
        (0.1, 1.0),
        (100.0, 2000.0),
    ];
    for (a, (lo, hi)) in arrays.iter().zip(ranges) {
        assert_eq!(a.shape(), &[n]);
        assert_eq!(a.dtype(), DType::F64);
        let v = a.to_vec::<f64>()?;
        assert!(
            v.iter().all(|&x| lo <= x && x < hi),
            "values outside [{lo}, {hi})"
        );
        let min = v.iter().cloned().fold(f64::INFINITY, f64::min);
        let max = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let mean = v.iter().sum::<f64>() / n as f64;
        let width = hi - lo;
        assert!(min < lo + 0.001 * width && max > hi - 0.001 * width);
        assert!((mean - (lo + hi) / 2.0).abs() < 0.01 * width, "mean {mean}");
    }
    // The six variables come from different streams.
    let tc = inp.tc.to_vec::<f64>()?;
    let fapar = inp.fapar.to_vec::<f64>()?;
    let u_tc: Vec<f64> = tc.iter().map(|x| x / 35.0).collect();
    let u_fapar: Vec<f64> = fapar.iter().map(|x| (x - 0.1) / 0.9).collect();
    assert!(u_tc.iter().zip(&u_fapar).all(|(a, b)| (a - b).abs() > 1e-9));
    Ok(())
}

#[test]
fn uniform_is_splitmix64() {
    // SplitMix64 from state 1234567: the reference test vector of Vigna's splitmix64.c
    // (also Java's SplittableRandom), checked with the Python script in data.rs.
    let raw: [u64; 5] = [
        6457827717110365317,
        3203168211198807973,
        9817491932198370423,
        4593380528125082431,
        16408922859458223821,
    ];
    let u = data::uniform(5, 1234567, 0.0, 1.0);
    for (got, z) in u.iter().zip(raw) {
        assert_eq!(*got, (z >> 11) as f64 / 9007199254740992.0);
    }
    let v = data::uniform(5, 1234567, -3.0, 5.0);
    for (got, u) in v.iter().zip(&u) {
        assert_eq!(*got, -3.0 + 8.0 * u);
    }
    // Same seed, same stream; another seed, another stream.
    assert_eq!(
        data::uniform(100, 5, 0.0, 1.0),
        data::uniform(100, 5, 0.0, 1.0)
    );
    let a = data::uniform(100, 5, 0.0, 1.0);
    let b = data::uniform(100, 6, 0.0, 1.0);
    assert!(a.iter().zip(&b).all(|(x, y)| x != y));
    assert!(data::uniform(0, 5, 0.0, 1.0).is_empty());
}
