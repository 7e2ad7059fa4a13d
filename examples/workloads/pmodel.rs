//! The **P-model** workload: gross primary productivity (GPP) and light use efficiency
//! (LUE) of the standard P-model for C3 plants, elementwise over cells of environmental
//! data. It is a long elementwise chain of `exp`, `pow`, `sqrt`, polynomials and
//! divisions (about 440 graph nodes, scalar fills included), the kind of graph kiln
//! fuses.
//!
//! The model is pyrealm's `PModel(env)` with its default options (pyrealm 2.0,
//! `pyrealm/pmodel/pmodel.py`, `PModel.__init__`): `method_optchi="prentice14"` (C3),
//! `method_jmaxlim="wang17"`, `method_kphio="temperature"`, `reference_kphio=None`
//! (so φ₀ = `maximum_phi0` = 1/8), and the default `CoreConst` (water density by
//! Fisher, full Huber viscosity, not the simple one). Arrhenius scaling (`simple`) only
//! enters Vcmax25/Jmax25, which this workload does not compute.
//!
//! # Formulas (units: tc °C, vpd Pa, co2 ppm, patm Pa, ppfd µmol m⁻² s⁻¹)
//!
//! ```text
//! tk        = tc + 273.15                                       pmodel_environment.py
//! ca        = 1e-6 · co2 · patm                                 functions.calc_co2_to_ca
//! f(ha)     = exp(ha (tk - 298.15) / (298.15 R tk))             functions.calculate_simple_arrhenius_factor
//! Γ*        = 4.332 · patm / 101325 · f(37830)                  functions.calc_gammastar
//! K         = 39.97 f(79430) · (1 + 209476e-6 patm / (27480 f(36380)))
//!                                                               functions.calc_kmm
//! ρ(tc, p)  = 1e3 / (V∞(tc) + λ(tc) / (P₀(tc) + 1e-5 p))        core/water.calc_density_h2o_fisher
//!             (λ, P₀, V∞ polynomials in tc, evaluated by Horner)
//! μ(tc, p)  = 1e-6 · μ₀ · μ₁, with T̄ = (tc + 273.15)/647.096, ρ̄ = ρ/322,
//!             μ₀ = 100 √T̄ / Σᵢ Hᵢ / T̄ⁱ,
//!             μ₁ = exp(ρ̄ Σᵢ (1/T̄ - 1)ⁱ Σⱼ Hᵢⱼ (ρ̄ - 1)ʲ)   core/water.calc_viscosity_h2o
//! η*        = μ(tc, patm) / μ(25, 101325)                       functions.calc_ns_star
//! ξ         = √(β (K + Γ*) / (1.6 η*))                          optimal_chi.OptimalChiPrentice14
//! χ         = Γ*/ca + (1 - Γ*/ca) ξ / (ξ + √vpd)                   "
//! ci        = χ ca;   mⱼ = (ci - Γ*) / (ci + 2 Γ*)                  "
//! f_v       = √(1 - (c*/mⱼ)^(2/3)) where mⱼ > c*, else NaN      jmax_limitation.JmaxLimitationWang17
//! φ₀        = max(0.352 + 0.022 tc - 0.00034 tc², 0) · 1/8      quantum_yield.QuantumYieldTemperature
//! LUE       = φ₀ mⱼ f_v M_C          (g C mol⁻¹)                pmodel.PModel._fit_model
//! GPP       = LUE · fapar · ppfd     (µg C m⁻² s⁻¹)                "
//! ```
//!
//! # Constants (pyrealm `constants/core_const.py` `CoreConst`, `constants/pmodel_const.py` `PModelConst`)
//!
//! R = 8.3145 J mol⁻¹ K⁻¹ (`k_R`); O₂ 209476 ppm (`k_co`); M_C = 12.0107 g (`k_c_molmass`);
//! P₀ = 101325 Pa (`k_Po`); T₀ = 298.15 K (`k_To`, `tk_ref`); 273.15 (`k_CtoK`);
//! Γ*₂₅ = 4.332 Pa, ΔH = 37830 J mol⁻¹ (`bernacchi_gs`, Bernacchi et al. 2001);
//! K_c25 = 39.97 Pa, K_o25 = 27480 Pa, ΔH_kc = 79430, ΔH_ko = 36380 J mol⁻¹
//! (`bernacchi_kmm`); β = 146 (`beta_cost_ratio_c3`, Stocker et al. 2020);
//! c* = 0.41 (`wang17_c`, Wang et al. 2017); φ₀(T) coefficients (0.352, 0.022, -0.00034)
//! (`kphio_C3`, Bernacchi et al. 2003) and `maximum_phi0` = 1/8; Fisher & Dial (1975)
//! Tumlirz coefficients (`fisher_dial_lambda`, `fisher_dial_Po`, `fisher_dial_Vinf`);
//! Huber et al. (2009) viscosity constants (`huber_tk_ast` 647.096 K, `huber_rho_ast`
//! 322 kg m⁻³, `huber_mu_ast` 1e-6 Pa s, `huber_H_i`, `huber_H_ij`).
//!
//! [`pmodel`] builds the lazy kiln graph; [`pmodel_scalar`] is the same model in plain
//! `f64` for one cell, an independent oracle for tests. Both evaluate every formula in
//! the same order, so they agree to a few ulps.

use kiln::Array;

// ---- constants (pyrealm CoreConst / PModelConst defaults) -------------------------

/// Universal gas constant, J mol⁻¹ K⁻¹ (`CoreConst.k_R`).
const K_R: f64 = 8.3145;
/// O₂ partial pressure of the standard atmosphere, ppm (`CoreConst.k_co`).
const K_CO: f64 = 209_476.0;
/// Molar mass of carbon, g mol⁻¹ (`CoreConst.k_c_molmass`).
const K_C_MOLMASS: f64 = 12.0107;
/// Standard atmospheric pressure, Pa (`CoreConst.k_Po`).
const K_PO: f64 = 101_325.0;
/// Standard temperature, K (`CoreConst.k_To`).
const K_TO: f64 = 298.15;
/// °C to K (`CoreConst.k_CtoK`).
const K_CTOK: f64 = 273.15;
/// Reference temperature of the enzyme kinetics, K (`PModelConst.tk_ref`).
const TK_REF: f64 = 298.15;

/// Γ* at 25 °C and standard pressure, Pa, and its activation energy, J mol⁻¹
/// (`PModelConst.bernacchi_gs`: `gs25_0`, `dha`).
const GS25_0: f64 = 4.332;
const DHA_GS: f64 = 37_830.0;
/// Michaelis–Menten constants for CO₂ and O₂ at 25 °C, Pa, and their activation
/// energies, J mol⁻¹ (`PModelConst.bernacchi_kmm`: `kc25`, `ko25`, `dhac`, `dhao`).
const KC25: f64 = 39.97;
const KO25: f64 = 27_480.0;
const DHAC: f64 = 79_430.0;
const DHAO: f64 = 36_380.0;

/// Unit cost ratio β for C3 plants (`PModelConst.beta_cost_ratio_c3`).
const BETA_C3: f64 = 146.0;
/// Cost of maintaining Jmax, c* (`PModelConst.wang17_c`).
const WANG17_C: f64 = 0.41;
/// φ₀(T) = a + b T + c T² for C3 plants, lowest degree first (`PModelConst.kphio_C3`).
const KPHIO_C3: [f64; 3] = [0.352, 0.022, -0.00034];
/// Reference (maximum) quantum yield φ₀ (`PModelConst.maximum_phi0`).
const MAXIMUM_PHI0: f64 = 1.0 / 8.0;

/// Fisher & Dial (1975) polynomials in tc, lowest degree first
/// (`CoreConst.fisher_dial_lambda`, `fisher_dial_Po`, `fisher_dial_Vinf`).
const FISHER_LAMBDA: [f64; 5] = [1788.316, 21.55053, -0.4695911, 0.003096363, -7.341182e-06];
const FISHER_PO: [f64; 5] = [5918.499, 58.05267, -1.1253317, 0.0066123869, -1.4661625e-05];
const FISHER_VINF: [f64; 10] = [
    0.6980547,
    -0.0007435626,
    3.704258e-05,
    -6.315724e-07,
    9.829576e-09,
    -1.197269e-10,
    1.005461e-12,
    -5.437898e-15,
    1.69946e-17,
    -2.295063e-20,
];

/// Huber et al. (2009) reference temperature (K), density (kg m⁻³) and viscosity (Pa s)
/// (`CoreConst.huber_tk_ast`, `huber_rho_ast`, `huber_mu_ast`).
const HUBER_TK_AST: f64 = 647.096;
const HUBER_RHO_AST: f64 = 322.0;
const HUBER_MU_AST: f64 = 1e-06;
/// μ₀ coefficients Hᵢ (`CoreConst.huber_H_i`).
const HUBER_H_I: [f64; 4] = [1.67752, 2.20462, 0.6366564, -0.241605];
/// μ₁ coefficients: row j multiplies (ρ̄ - 1)ʲ, column i multiplies (1/T̄ - 1)ⁱ
/// (`CoreConst.huber_H_ij`, same layout).
const HUBER_H_IJ: [[f64; 6]; 7] = [
    [0.520094, 0.0850895, -1.08374, -0.289555, 0.0, 0.0],
    [0.222531, 0.999115, 1.88797, 1.26613, 0.0, 0.120573],
    [-0.281378, -0.906851, -0.772479, -0.489837, -0.25704, 0.0],
    [0.161913, 0.257399, 0.0, 0.0, 0.0, 0.0],
    [-0.0325372, 0.0, 0.0, 0.0698452, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.00872102, 0.0],
    [0.0, 0.0, 0.0, -0.00435673, 0.0, -0.000593264],
];

// ---- inputs ----------------------------------------------------------------------

/// The environmental forcing of the P-model, one f64 value per cell (all the same
/// shape, or broadcastable).
pub struct PModelInputs {
    /// Air temperature, °C.
    pub tc: Array,
    /// Vapour pressure deficit, Pa.
    pub vpd: Array,
    /// Atmospheric CO₂, ppm.
    pub co2: Array,
    /// Atmospheric pressure, Pa.
    pub patm: Array,
    /// Fraction of absorbed photosynthetically active radiation, unitless.
    pub fapar: Array,
    /// Photosynthetic photon flux density, µmol m⁻² s⁻¹.
    pub ppfd: Array,
}

/// Ranges `[lo, hi)` of the random inputs, in the order tc, vpd, co2, patm, fapar, ppfd.
const INPUT_RANGES: [(f64, f64); 6] = [
    (0.0, 35.0),
    (200.0, 2500.0),
    (350.0, 450.0),
    (85_000.0, 102_000.0),
    (0.1, 1.0),
    (100.0, 2000.0),
];

/// `n` cells of plausible random forcing. Variable `k` (0 = tc, 1 = vpd, 2 = co2,
/// 3 = patm, 4 = fapar, 5 = ppfd) is `data::uniform(n, seed * 8 + k, lo, hi)` (wrapping
/// u64 arithmetic) over its range: tc [0, 35) °C, vpd [200, 2500) Pa, co2 [350, 450)
/// ppm, patm [85000, 102000) Pa, fapar [0.1, 1), ppfd [100, 2000) µmol m⁻² s⁻¹.
pub fn inputs(n: usize, seed: u64) -> kiln::Result<PModelInputs> {
    let column = |k: u64| {
        let (lo, hi) = INPUT_RANGES[k as usize];
        let values = crate::data::uniform(n, seed.wrapping_mul(8).wrapping_add(k), lo, hi);
        kiln::from_vec(values, [n])
    };
    Ok(PModelInputs {
        tc: column(0)?,
        vpd: column(1)?,
        co2: column(2)?,
        patm: column(3)?,
        fapar: column(4)?,
        ppfd: column(5)?,
    })
}

// ---- the model on kiln arrays ------------------------------------------------------

/// Σ cf[k] xᵏ by Horner's rule, as pyrealm's `evaluate_horner_polynomial`
/// (`core/utilities.py`); `cf` lowest degree first, at least two coefficients.
fn horner(x: &Array, cf: &[f64]) -> kiln::Result<Array> {
    let (&last, rest) = cf.split_last().expect("a polynomial has coefficients");
    let mut rev = rest.iter().rev();
    let first = rev.next().expect("horner needs degree >= 1");
    let mut y = ((x * last)? + *first)?;
    for &c in rev {
        y = ((x * &y)? + c)?;
    }
    Ok(y)
}

/// x¹, x², ..., xᵏ by repeated products.
fn powers(x: &Array, k: usize) -> kiln::Result<Vec<Array>> {
    let mut out = vec![x.clone()];
    for _ in 1..k {
        let next = (out.last().expect("non-empty") * x)?;
        out.push(next);
    }
    Ok(out)
}

/// Arrhenius factor exp(ha (tk - T_ref) / (T_ref R tk)) relative to 25 °C
/// (`functions.calculate_simple_arrhenius_factor`).
fn arrhenius(tk: &Array, ha: f64) -> kiln::Result<Array> {
    let num = ((tk - TK_REF)? * ha)?;
    let den = (tk * (TK_REF * K_R))?;
    kiln::exp(&(num / den)?)
}

/// Density of water, kg m⁻³, by the Tumlirz equation with Fisher & Dial's
/// coefficients (`core/water.calc_density_h2o_fisher`).
fn water_density(tc: &Array, patm: &Array) -> kiln::Result<Array> {
    let lambda = horner(tc, &FISHER_LAMBDA)?;
    let po = horner(tc, &FISHER_PO)?;
    let vinf = horner(tc, &FISHER_VINF)?;
    let pbar = (patm * 1e-5)?;
    let spec_vol = (vinf + (lambda / (po + pbar)?)?)?;
    1e3 / spec_vol
}

/// Viscosity of water, Pa s, after Huber et al. 2009 (`core/water.calc_viscosity_h2o`).
fn water_viscosity(tc: &Array, patm: &Array) -> kiln::Result<Array> {
    let rho = water_density(tc, patm)?;
    let tbar = ((tc + K_CTOK)? / HUBER_TK_AST)?;
    let rbar = (rho / HUBER_RHO_AST)?;

    // μ₀ = 100 √T̄ / (H₀ + H₁/T̄ + H₂/T̄² + H₃/T̄³)
    let tbar2 = (&tbar * &tbar)?;
    let tbar3 = (&tbar2 * &tbar)?;
    let mut mu0 = ((HUBER_H_I[1] / &tbar)? + HUBER_H_I[0])?;
    mu0 = (mu0 + (HUBER_H_I[2] / &tbar2)?)?;
    mu0 = (mu0 + (HUBER_H_I[3] / &tbar3)?)?;
    let mu0 = ((kiln::sqrt(&tbar)? * 1e2)? / mu0)?;

    // μ₁ = exp(ρ̄ Σᵢ ctbarⁱ Σⱼ Hᵢⱼ (ρ̄ - 1)ʲ), powers by repeated products.
    let ctbar = ((1.0 / &tbar)? - 1.0)?;
    let rm1 = (&rbar - 1.0)?;
    let rpow = powers(&rm1, HUBER_H_IJ.len() - 1)?; // (ρ̄ - 1)ʲ, j = 1..=6
    let cpow = powers(&ctbar, HUBER_H_IJ[0].len() - 1)?; // ctbarⁱ, i = 1..=5

    // Σⱼ Hᵢⱼ (ρ̄ - 1)ʲ for column i: the constant term first, zero coefficients skipped.
    let column = |i: usize| -> kiln::Result<Array> {
        let mut sum: Option<Array> = None;
        for (row, p) in HUBER_H_IJ[1..].iter().zip(&rpow) {
            if row[i] != 0.0 {
                let term = (p * row[i])?;
                sum = Some(match sum {
                    None => (term + HUBER_H_IJ[0][i])?,
                    Some(acc) => (acc + term)?,
                });
            }
        }
        Ok(sum.expect("every column of H_ij has a non-constant term"))
    };
    let mut mu1 = column(0)?;
    for (i, c) in cpow.iter().enumerate() {
        mu1 = (mu1 + (c * column(i + 1)?)?)?;
    }
    let mu1 = kiln::exp(&(rbar * mu1)?)?;
    (mu0 * mu1)? * HUBER_MU_AST
}

/// GPP (µg C m⁻² s⁻¹) and LUE (g C mol⁻¹) of the P-model for each cell, as lazy kiln
/// arrays: pyrealm `PModel(PModelEnvironment(tc, vpd, co2, patm, fapar, ppfd))` with
/// its default options (C3, Prentice 2014 optimal χ, Wang 2017 Jmax limitation,
/// temperature-dependent φ₀). Cells where mⱼ ≤ c* give NaN, as pyrealm does.
pub fn pmodel(inp: &PModelInputs) -> kiln::Result<(Array, Array)> {
    let PModelInputs {
        tc,
        vpd,
        co2,
        patm,
        fapar,
        ppfd,
    } = inp;

    // Photosynthetic environment (pmodel_environment.PModelEnvironment).
    let tk = (tc + K_CTOK)?;
    let ca = ((co2 * 1.0e-6)? * patm)?;
    let gammastar = (((patm * GS25_0)? / K_PO)? * arrhenius(&tk, DHA_GS)?)?;
    let kc = (arrhenius(&tk, DHAC)? * KC25)?;
    let ko = (arrhenius(&tk, DHAO)? * KO25)?;
    let po = (patm * (K_CO * 1e-6))?;
    let kmm = (kc * ((po / ko)? + 1.0)?)?;
    // η*: viscosity relative to standard temperature and pressure, the standard as a
    // 0-d array that broadcasts.
    let at = kiln::CreateOpts::new().device(tc.device());
    let tc_std = kiln::asarray(K_TO - K_CTOK, at)?;
    let p_std = kiln::asarray(K_PO, at)?;
    let ns_star = (water_viscosity(tc, patm)? / water_viscosity(&tc_std, &p_std)?)?;

    // Optimal χ, Prentice 2014 (optimal_chi.OptimalChiPrentice14).
    let xi = kiln::sqrt(&(((&kmm + &gammastar)? * BETA_C3)? / (&ns_star * 1.6)?)?)?;
    let gs_ca = (&gammastar / &ca)?;
    let chi = (&gs_ca + (((1.0 - &gs_ca)? * &xi)? / (&xi + kiln::sqrt(vpd)?)?)?)?;
    let ci = (chi * &ca)?;
    let mj = ((&ci - &gammastar)? / (&ci + (&gammastar * 2.0)?)?)?;

    // Jmax limitation, Wang 2017 (jmax_limitation.JmaxLimitationWang17): f_v is NaN
    // where mⱼ ≤ c*.
    let ratio = kiln::pow(&(WANG17_C / &mj)?, 2.0 / 3.0)?;
    let f_v = kiln::where_(
        &kiln::greater(&mj, WANG17_C)?,
        kiln::sqrt(&(1.0 - ratio)?)?,
        f64::NAN,
    )?;

    // Quantum yield, temperature method for C3 (quantum_yield.QuantumYieldTemperature).
    let kphio = (kiln::maximum(horner(tc, &KPHIO_C3)?, 0.0)? * MAXIMUM_PHI0)?;

    // LUE and GPP (pmodel.PModel._fit_model).
    let lue = (((kphio * mj)? * f_v)? * K_C_MOLMASS)?;
    let gpp = (&lue * (fapar * ppfd)?)?;
    Ok((gpp, lue))
}

// ---- the same model in plain f64 (the test oracle) ---------------------------------

fn horner_f64(x: f64, cf: &[f64]) -> f64 {
    let (&last, rest) = cf.split_last().expect("a polynomial has coefficients");
    rest.iter().rev().fold(last, |y, &c| x * y + c)
}

fn arrhenius_f64(tk: f64, ha: f64) -> f64 {
    ((tk - TK_REF) * ha / (tk * (TK_REF * K_R))).exp()
}

fn water_density_f64(tc: f64, patm: f64) -> f64 {
    let lambda = horner_f64(tc, &FISHER_LAMBDA);
    let po = horner_f64(tc, &FISHER_PO);
    let vinf = horner_f64(tc, &FISHER_VINF);
    1e3 / (vinf + lambda / (po + patm * 1e-5))
}

fn water_viscosity_f64(tc: f64, patm: f64) -> f64 {
    let rho = water_density_f64(tc, patm);
    let tbar = (tc + K_CTOK) / HUBER_TK_AST;
    let rbar = rho / HUBER_RHO_AST;
    let tbar2 = tbar * tbar;
    let mu0_den =
        HUBER_H_I[1] / tbar + HUBER_H_I[0] + HUBER_H_I[2] / tbar2 + HUBER_H_I[3] / (tbar2 * tbar);
    let mu0 = tbar.sqrt() * 1e2 / mu0_den;
    let ctbar = 1.0 / tbar - 1.0;
    let mut mu1 = 0.0;
    let mut cpow = 1.0;
    for i in 0..6 {
        let mut cf2 = 0.0;
        let mut rpow = 1.0;
        let mut first = true;
        for row in &HUBER_H_IJ[1..] {
            rpow *= rbar - 1.0;
            if row[i] != 0.0 {
                let term = rpow * row[i];
                cf2 = if first {
                    term + HUBER_H_IJ[0][i]
                } else {
                    cf2 + term
                };
                first = false;
            }
        }
        mu1 = if i == 0 { cf2 } else { mu1 + cpow * cf2 };
        cpow *= ctbar;
    }
    mu0 * (rbar * mu1).exp() * HUBER_MU_AST
}

/// GPP and LUE of one cell in plain f64: the formulas of [`pmodel`], written
/// independently of kiln, for checking it.
#[allow(dead_code)] // used by tests/pmodel.rs, not by the workloads example
pub fn pmodel_scalar(tc: f64, vpd: f64, co2: f64, patm: f64, fapar: f64, ppfd: f64) -> (f64, f64) {
    let tk = tc + K_CTOK;
    let ca = co2 * 1.0e-6 * patm;
    let gammastar = patm * GS25_0 / K_PO * arrhenius_f64(tk, DHA_GS);
    let kc = arrhenius_f64(tk, DHAC) * KC25;
    let ko = arrhenius_f64(tk, DHAO) * KO25;
    let kmm = kc * (patm * (K_CO * 1e-6) / ko + 1.0);
    let ns_star = water_viscosity_f64(tc, patm) / water_viscosity_f64(K_TO - K_CTOK, K_PO);

    let xi = ((kmm + gammastar) * BETA_C3 / (ns_star * 1.6)).sqrt();
    let gs_ca = gammastar / ca;
    let chi = gs_ca + (1.0 - gs_ca) * xi / (xi + vpd.sqrt());
    let ci = chi * ca;
    let mj = (ci - gammastar) / (ci + gammastar * 2.0);

    let f_v = if mj > WANG17_C {
        (1.0 - (WANG17_C / mj).powf(2.0 / 3.0)).sqrt()
    } else {
        f64::NAN
    };
    let phi = horner_f64(tc, &KPHIO_C3);
    let kphio = if phi < 0.0 { 0.0 } else { phi } * MAXIMUM_PHI0; // NaN stays NaN
    let lue = kphio * mj * f_v * K_C_MOLMASS;
    (lue * (fapar * ppfd), lue)
}
