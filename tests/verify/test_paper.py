"""The paper study (issue 5): configuration, seeding, statistics, exact paper values, end to end."""
from __future__ import annotations

import json
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from verify.cli import main
from verify.compare import QUANTITIES, RISKS, build_record, theory_values
from verify.paper import curves
from verify.paper.analysis import analyse
from verify.paper.config import CONFIG_DIR, DEFAULTS, axis_values, load_config
from verify.paper.grid import build_grid
from verify.paper.report import render
from verify.paper.runner import point_scenario, simulate_grid
from verify.stats import holm as _holm


def holm(p, alpha):
    return _holm(p, alpha)[0]

ROOT = Path(__file__).resolve().parents[2]


# --- configuration ---------------------------------------------------------------------------
def test_saved_configuration_is_the_default():
    saved = load_config(ROOT / "configs" / "paper.toml")
    assert saved == load_config()
    assert saved.raw == load_config().raw == {k: v for k, v in DEFAULTS.items()}
    assert load_config("paper") == saved   # by name, from configs/
    assert CONFIG_DIR == ROOT / "configs"


def test_paper_parameters():
    c = load_config()
    assert (c.d_s, c.d_w, c.latent, c.decay, c.trials) == (100, 200, 300, 1.0, 40)
    assert c.d_sw == (90, 50, 10) and c.sigma2 == (1e-2, 4e-4, 0.1)
    N = axis_values(c.N_sweep)
    assert len(N) == 20 and N[0] == 400 and N[-1] == 4000 and np.all(np.diff(N) > 0)
    assert c.n_fixed == 2000 and c.N_fixed == 4000
    grid = build_grid(c)
    assert len(grid) == 2 * 3 * 3 * 20
    assert [p.index for p in grid] == list(range(len(grid)))


def test_overrides_from_command_line_and_file(tmp_path):
    c = load_config(overrides=["grid.d_sw=[90, 10]", "study.trials=7", "engine=samples",
                               ("grid.sigma2", [0.5]), "figures.risk_panels=[[10, 0.5]]",
                               "ratio_sigma2=[0.5]"], quick=False)
    assert c.d_sw == (90, 10) and c.trials == 7 and c.engine == "samples" and c.sigma2 == (0.5,)
    f = tmp_path / "mine.toml"
    f.write_text('name = "mine"\n[study]\ntrials = 9\n[quick.study]\ntrials = 3\n')
    assert load_config(f).trials == 9 and load_config(f).name == "mine"
    assert load_config(f, quick=True).trials == 3
    assert load_config(f, ["study.trials=5"], quick=True).trials == 5   # --set wins
    q = load_config(quick=True)
    assert q.trials == 12 and len(axis_values(q.N_sweep)) == 4


@pytest.mark.parametrize("override, needle", [
    ("grid.sigma2=[-1]", "grid.sigma2"),
    ("grid.d_sw=[150]", "grid.d_sw"),
    ("grid.d_sw=[0]", "grid.d_sw"),          # weak block [100, 300) fits; d_sw = 0 is valid ...
    ("study.trials=1", "study.trials"),
    ("study.engine=magic", "study.engine"),
    ("grid.N_sweep=[400, 300, 5]", "grid.N_sweep"),
    ("heatmap.n=[100, 200, 1]", "heatmap.n"),
    ("nonsense=3", "nonsense"),
    ("spectrum.latent=250", "d_sw"),          # d_sw = 10 puts the weak block past coordinate 250
    ("figures.risk_panels=[[20, 0.01]]", "figures.risk_panels"),
    ("study.alpha=1.5", "study.alpha"),
])
def test_bad_configuration_names_the_parameter(override, needle):
    if override == "grid.d_sw=[0]":
        with pytest.raises(ValueError, match="figures.risk_panels"):  # ... but no panel has it
            load_config(overrides=[override])
        return
    with pytest.raises(ValueError, match=needle.replace(".", r"\.")):
        load_config(overrides=[override])


@pytest.mark.parametrize("argv, needle", [
    (["--trials", "1"], "study.trials"),
    (["--set", "grid.sigma2=[0]"], "grid.sigma2"),
    (["--config", "/nonexistent.toml"], "not found"),
    (["--set", "no_equals_sign"], "section.key=value"),
    (["--workers", "-1"], "--workers"),
])
def test_command_bad_input_exits_2(capsys, tmp_path, argv, needle):
    assert main(["paper", "--out", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err
    assert needle in err and "error" in err
    assert not any(tmp_path.iterdir())   # nothing written


def test_unknown_engine_is_a_usage_error(capsys, tmp_path):
    assert main(["paper", "--out", str(tmp_path), "--engine", "magic"]) == 2


# --- statistics ------------------------------------------------------------------------------
def test_holm_step_down():
    p = np.array([0.01, 0.04, 0.03, 0.005, np.nan])
    # m = 4 finite: sorted 0.005 <= .05/4, 0.01 <= .05/3, 0.03 > .05/2 -> stop.
    assert holm(p, 0.05).tolist() == [True, False, False, True, False]
    assert not holm([np.nan], 0.05).any()
    with pytest.raises(ValueError, match="alpha"):
        holm([0.1], 0)


# --- paper-form and exact values at documented points (notes/paper-study.md) -----------------
def _energies(d_sw, d_s=100, d_w=200, latent=300):
    """theta_i^2 lambda_i summed over coordinate sets, exactly: theta_i^2 = 1/(d_s d_w) whatever
    the Rademacher signs, lambda_i = 1/(i+1) for coordinate i."""
    doff = d_s - d_sw
    S, W, A = set(range(d_s)), set(range(doff, doff + d_w)), set(range(latent))

    def e(idx):
        return sum((F(1, i + 1) for i in idx), F(0)) / (d_s * d_w)

    return {"rho_s": e(A - S), "rho_w": e(A - W), "b_w2s": e(A - (S & W)), "m_sw": e(W - S)}


def _forms(d_sw, sigma2, n, N, d_s=100, d_w=200):
    g = _energies(d_sw, d_s, d_w)
    s2 = F(str(sigma2))
    rho = g["rho_s"] + g["rho_w"]
    paper = {"weak": s2 * d_w / n + g["rho_w"], "strong": s2 * d_s / n + g["rho_s"],
             "ceiling": s2 * F(d_s, n + N) + g["rho_s"],
             "w2s": s2 / (n - d_w - 1) * (d_sw + F((d_w - d_sw) * d_s, N)) + rho}
    qw, qs = s2 + g["rho_w"], s2 + g["rho_s"]
    exact = {"weak": g["rho_w"] + qw * F(d_w, n - d_w - 1),
             "strong": g["rho_s"] + qs * F(d_s, n - d_s - 1),
             "ceiling": g["rho_s"] + qs * F(d_s, n + N - d_s - 1),
             "w2s": g["b_w2s"] + qw / (n - d_w - 1) * (d_sw + F(d_s * (d_w - d_sw), N - d_s - 1))
             + F(d_s, N - d_s - 1) * g["m_sw"]}
    for f in (paper, exact):
        f["pgr"] = (f["weak"] - f["w2s"]) / (f["weak"] - f["ceiling"])
        f["opr"] = f["strong"] / f["w2s"]
    dswN = d_sw + F((d_w - d_sw) * d_s, N)
    bound = {"pgr": 1 - F(n, n - d_w - 1) * dswN / d_w - F(n, d_w) * rho / s2,
             "opr": 1 / (F(n, n - d_w - 1) * dswN / d_s + F(n, d_s) * rho / s2)}
    return {"paper": paper, "exact": exact, "bound": bound}


# The documented points: (sweep, d_sw, sigma2, n, N); those at sigma2 = 0.01 lie on the
# end-to-end test's grid as well.
DOCUMENTED = [("N", 90, 0.01, 2000, 400), ("N", 10, 0.0004, 2000, 4000),
              ("n", 90, 0.0004, 400, 4000), ("n", 10, 0.01, 4000, 4000)]


@pytest.mark.parametrize("sweep, d_sw, sigma2, n, N", DOCUMENTED)
def test_theory_reproduced_exactly_at_documented_points(sweep, d_sw, sigma2, n, N):
    c = load_config()
    base = curves.base_geometry(point_scenario((300, 1.0, 100, 200, 0, d_sw), 1, 1, 1.0).geometry())
    got = theory_values({**base, "n": n, "N": N, "sigma2": sigma2})
    want = _forms(d_sw, sigma2, n, N)
    for form in ("paper", "exact"):
        for q in QUANTITIES:
            assert float(got[form][q]) == pytest.approx(float(want[form][q]), rel=1e-12, abs=0)
    for q in ("pgr", "opr"):
        assert float(got["bound"][q]) == pytest.approx(float(want["bound"][q]), rel=1e-12)
    assert c.sigma2.count(sigma2) == 1


def test_documented_values_in_notes_match():
    """notes/paper-study.md lists the paper-form values at the documented points."""
    text = (ROOT / "notes" / "paper-study.md").read_text()
    for sweep, d_sw, sigma2, n, N in DOCUMENTED:
        f = _forms(d_sw, sigma2, n, N)
        row = (f"| {d_sw} | {sigma2:g} | {n} | {N} | " + " | ".join(
            f"{float(f['paper'][q]):.6e}" for q in RISKS) + f" | {float(f['paper']['pgr']):.6f} | "
            f"{float(f['paper']['opr']):.6f} | {float(f['bound']['pgr']):.6f} | "
            f"{float(f['bound']['opr']):.6f} |")
        assert row in text, row


# --- simulation against the exact theory ------------------------------------------------------
def test_simulated_means_agree_with_exact_theory_at_sample_points():
    """Statistical test at 8 grid points of the paper study, with its 40 trials and seeds.

    Two-sided t tests (risks) and delta-method z tests (PGR/OPR of mean risks), Holm at family-wise
    alpha = 0.001 over the 48 tests. Power: the same tests must reject the paper's d/n form of
    the weak risk at n = 400, which is 50 % below the exact value.
    """
    c = load_config()
    grid = build_grid(c)
    sample = grid[::45]
    assert any(p.n == 400 for p in sample)
    sims = simulate_grid(c, sample, workers=0)
    p_exact, p_paper_weak_400 = [], []
    for p, s in zip(sample, sims):
        base = curves.base_geometry(point_scenario((300, 1.0, 100, 200, 0, p.d_sw), 1, 1, 1.0)
                                    .geometry())
        th = theory_values({**base, "n": p.n, "N": p.N, "sigma2": p.sigma2})
        for q in RISKS:
            t = (s.mean[q] - float(th["exact"][q])) / s.stderr[q]
            p_exact.append(2 * stats.t.sf(abs(t), s.trials - 1))
        for q in ("pgr", "opr"):
            z = (getattr(s, f"{q}_of_means") - float(th["exact"][q])) / getattr(s, f"{q}_of_means_se")
            p_exact.append(2 * stats.norm.sf(abs(z)))
        if p.n == 400:
            t = (s.mean["weak"] - float(th["paper"]["weak"])) / s.stderr["weak"]
            p_paper_weak_400.append(2 * stats.t.sf(abs(t), s.trials - 1))
    assert len(p_exact) == 48
    assert not holm(p_exact, 1e-3).any(), sorted(p_exact)[:5]
    assert holm(p_paper_weak_400, 1e-3).all()


def test_results_do_not_depend_on_worker_count():
    c = load_config(overrides=["study.trials=5"])
    pts = build_grid(c)[::97][:3]
    one = simulate_grid(c, pts, workers=0)
    two = simulate_grid(c, pts, workers=2)
    assert [vars(a) for a in one] == [vars(b) for b in two]
    assert [a.seed["spawn_key"] for a in one] == [[p.index] for p in pts]


# --- analysis: the words come from the numbers ----------------------------------------------
def _fake_records(shift_se: float):
    """Records at two points whose simulated weak-risk mean sits ``shift_se`` SEs off exact."""
    base = curves.base_geometry(point_scenario((300, 1.0, 100, 200, 0, 90), 1, 1, 1.0).geometry())
    recs = []
    for i, n in enumerate((1000, 3000)):
        values = {**base, "n": n, "N": 4000, "sigma2": 0.01}
        th = theory_values(values)
        mean = {q: float(th["exact"][q]) for q in RISKS}
        se = {q: 0.01 * mean[q] for q in RISKS}
        mean["weak"] += shift_se * se["weak"]
        mean["misfit"], se["misfit"] = 1e-4, 1e-6
        sim = {"engine": "wishart", "trials": 40, "seed": 0, "mean": mean, "stderr": se,
               "pgr_of_means": float(th["exact"]["pgr"]), "pgr_of_means_se": 0.01,
               "opr_of_means": float(th["exact"]["opr"]), "opr_of_means_se": 0.01,
               "mean_of_pgr": float(th["exact"]["pgr"]), "mean_of_pgr_se": 0.01,
               "mean_of_opr": float(th["exact"]["opr"]), "mean_of_opr_se": 0.01}
        rec = build_record({"n": n}, values, sim)
        recs.append({"point": {"index": i, "sweep": "n", "d_sw": 90, "sigma2": 0.01, "n": n,
                               "N": 4000}, **rec})
    return recs


@pytest.mark.parametrize("shift, rejected", [(0.5, 0), (12.0, 2)])
def test_findings_and_report_follow_the_numbers(shift, rejected):
    c = load_config(overrides=["grid.d_sw=[90]", "grid.sigma2=[0.01]",
                               "figures.risk_panels=[[90, 0.01]]", "figures.ratio_sigma2=[0.01]"])
    recs = _fake_records(shift)
    f = analyse(recs, {}, 1e-3)
    f["trials"] = 40
    assert f["sim_vs_exact"]["rejected"] == rejected
    assert f["sim_vs_exact"]["by_quantity"]["weak"]["rejected"] == rejected
    text = render(c, f, wall_s=1.0, workers=1, files=["report.md"])
    assert f"**{rejected} rejected**" in text
    assert ("contradicts the exact theory" in text) == bool(rejected)
    # The paper's weak form sigma2 d_w/n + rho_w is below the exact one: d_w/n < d_w/(n-d_w-1).
    assert "is below the exact expectation at every one of the 2 grid points" in text


# --- end to end ---------------------------------------------------------------------------------
SMALL = ["--quick", "--trials", "8", "--set", "grid.d_sw=[90, 10]",
         "--set", "grid.sigma2=[0.01]", "--set", "figures.risk_panels=[[10, 0.01], [90, 0.01]]",
         "--set", "figures.ratio_sigma2=[0.01]",
         "--set", "grid.N_sweep=[400, 4000, 2]", "--set", "grid.n_sweep=[400, 4000, 2]",
         "--set", "heatmap.n=[150, 4000, 12]", "--set", "heatmap.N=[50, 4000, 12]",
         "--set", "figures.curve_points=20"]


def test_quick_end_to_end(tmp_path, capsys):
    out = tmp_path / "study"
    code = main(["paper", "--out", str(out), "--workers", "2", "--seed", "11", *SMALL])
    captured = capsys.readouterr()
    printed = captured.out
    assert code == 0, printed
    # Each long phase says so on stderr, also where no progress bar is shown.
    for phase in ("verify paper: simulating 8 grid points x 8 trials", "verify paper: drawing"):
        assert phase in captured.err
    names = {p.name for p in out.iterdir()}
    expected = {"risk.png", "pgr_sigma2_1e-02.png", "opr_sigma2_1e-02.png", "deviations.md",
                "deviations.json", "report.md", "config.toml", "heatmap_pgr_sigma2_1e-02.png",
                "heatmap_opr_sigma2_1e-02.png"}
    assert expected <= names
    # no temporary files left; the one hidden file is the marker naming the folder ours
    assert [n for n in names if n.startswith(".")] == [".w2s-verify-paper.json"]
    for png in (p for p in out.iterdir() if p.suffix == ".png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads((out / "deviations.json").read_text())
    assert len(data["records"]) == len(data["grid"]) == 8
    assert data["config"]["study"]["seed"] == 11 and data["config"]["study"]["trials"] == 8
    # Paper-form and exact values at the documented points, as written by the command.
    by_point = {(r["point"]["d_sw"], r["point"]["sigma2"], r["point"]["n"], r["point"]["N"]): r
                for r in data["records"]}
    on_grid = [pt for pt in DOCUMENTED if pt[2] == 0.01]
    assert len(on_grid) == 2
    for sweep, d_sw, sigma2, n, N in on_grid:
        rec = by_point[(d_sw, sigma2, n, N)]
        want = _forms(d_sw, sigma2, n, N)
        for form in ("paper", "exact"):
            for q in QUANTITIES:
                assert rec["theory"][form][q] == pytest.approx(float(want[form][q]), rel=1e-12)
        assert rec["simulation"]["trials"] == 8
        assert rec["simulation"]["seed"]["spawn_key"] == [rec["point"]["index"]]
    report = (out / "report.md").read_text()
    f = data["findings"]
    assert f"**{f['sim_vs_exact']['rejected']} rejected**" in report
    assert f"{f['sim_vs_exact']['tests']} two-sided tests" in report
    md = (out / "deviations.md").read_text()
    assert md.count("| weak |") == 8
    # The saved configuration reruns the same study.
    assert load_config(out / "config.toml").raw["grid"] == data["config"]["grid"]


@pytest.mark.slow
def test_quick_as_shipped(tmp_path):
    assert main(["paper", "--out", str(tmp_path), "--quick"]) == 0
    assert (tmp_path / "report.md").exists()
