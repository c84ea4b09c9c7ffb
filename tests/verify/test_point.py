"""``python -m verify point`` and :func:`verify.compare.compare`."""
from __future__ import annotations

import json

import numpy as np
import pytest

import numeric
import theory
from verify import compare as cmp
from verify.cli import main

FORMS_KEYS = {"weak", "strong", "ceiling", "w2s", "pgr", "opr"}
SIM_KEYS = {"weak", "strong", "ceiling", "w2s", "misfit"}


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("point") / "scenario.toml"
    # Non-trivial geometry: every target block carries energy, so all geometric scalars differ.
    sc = numeric.Scenario.from_block_energies(30, 50, 120, 90, 0.3, d_sw=12, both=0.5,
                                              strong_only=0.2, weak_only=0.3, neither=0.1)
    sc.save(path)
    return path


def _run_json(capsys, *argv):
    code = main(["point", *map(str, argv)])
    out = capsys.readouterr()
    return code, json.loads(out.out) if out.out.strip() else None, out.err


def test_json_has_the_documented_keys(capsys, scenario_file):
    code, rec, _ = _run_json(capsys, scenario_file, "--json", "--trials", 128, "--seed", 7)
    assert code == 0
    assert {"d_sw", "rho_s", "rho_w", "b_w2s", "m_sw", "n", "N", "d_s", "d_w", "sigma2"} <= set(
        rec["scenario"])
    for form in ("exact", "paper"):
        assert set(rec["theory"][form]) == FORMS_KEYS
        assert all(isinstance(v, float) for v in rec["theory"][form].values())
    sim = rec["simulation"]
    assert sim["engine"] == "wishart" and sim["trials"] == 128 and sim["seed"] == 7
    assert set(sim["mean"]) == set(sim["stderr"]) == SIM_KEYS
    for key in ("pgr_of_means", "opr_of_means", "mean_of_pgr", "mean_of_opr"):
        assert isinstance(sim[key], float)
    assert set(rec["deviation"]) == FORMS_KEYS


def test_theory_matches_high_precision_evaluation(capsys, scenario_file):
    _, rec, _ = _run_json(capsys, scenario_file, "--json", "--trials", 8, "--seed", 1)
    geo = numeric.Scenario.load(scenario_file).geometry()
    for form in ("exact", "paper"):
        for q in FORMS_KEYS:
            name = f"risk.{q}.{form}" if q not in ("pgr", "opr") else f"{q}.{form}"
            want = float(theory.evaluate(name, **geo))
            assert rec["theory"][form][q] == pytest.approx(want, rel=1e-12)
    assert rec["theory"]["bound"]["pgr"] == pytest.approx(
        float(theory.evaluate("pgr.lower_bound", **geo)), rel=1e-12)


def test_same_seed_same_simulation(capsys, scenario_file):
    _, a, _ = _run_json(capsys, scenario_file, "--json", "--trials", 20, "--seed", 11)
    _, b, _ = _run_json(capsys, scenario_file, "--json", "--trials", 20, "--seed", 11)
    _, c, _ = _run_json(capsys, scenario_file, "--json", "--trials", 20, "--seed", 12)
    assert a["simulation"] == b["simulation"]
    assert a["simulation"]["mean"] != c["simulation"]["mean"]


def test_simulation_agrees_with_exact_theory(capsys, scenario_file):
    # A statistical test (Holm at alpha = 0.001 over the six quantities), at a fixed seed. Its
    # power: with 400 trials it detects a relative deviation of a few percent (printed below).
    code, rec, _ = _run_json(capsys, scenario_file, "--json", "--trials", 400, "--seed", 2024)
    assert code == 0, rec["checks"]
    assert rec["checks"]["tests"] == 6 and rec["checks"]["rejected"] == []
    # ... and the same test flags the paper forms, whose d/n approximations are off by > 10 %
    # at n = 120, d_w = 50: the check has the power to see a wrong formula.
    dev = rec["deviation"]["weak"]
    assert abs(dev["rel_paper_vs_exact"]) > 0.1
    assert dev["p_vs_paper"] < 1e-6


@pytest.fixture(scope="module")
def interpolating_file(tmp_path_factory):
    # The scenario: the weak teacher interpolates (n = 14 < d_w - 1 = 23), the student
    # is OLS (N = 30 > d_s + 1 = 9). The OLS-only forms are undefined here for weak and w2s.
    path = tmp_path_factory.mktemp("interp") / "interp.toml"
    numeric.Scenario.from_block_energies(8, 24, 14, 30, 1.5, d_sw=4, both=0.5, strong_only=0.2,
                                         weak_only=0.3, neither=0.1).save(path)
    return path


def test_interpolating_scenario_has_exact_values_for_every_model(capsys, interpolating_file):
    import theory.regimes as R

    code, rec, _ = _run_json(capsys, interpolating_file, "--json", "--trials", 400)
    geo = numeric.Scenario.load(interpolating_file).geometry()
    exact = rec["theory"]["exact"]
    for m in ("weak", "strong", "ceiling", "w2s"):
        want = float(R.evaluate(f"risk.{m}.piecewise", prec=30, **geo))
        assert exact[m] == pytest.approx(want, rel=1e-12), m
    assert exact["pgr"] == pytest.approx((exact["weak"] - exact["w2s"])
                                         / (exact["weak"] - exact["ceiling"]), rel=1e-12)
    assert exact["opr"] == pytest.approx(exact["strong"] / exact["w2s"], rel=1e-12)
    assert rec["regime"]["weak"].startswith("interpolating")
    assert rec["regime"]["w2s"].startswith("teacher interpolating") and "student OLS" in rec["regime"]["w2s"]
    assert rec["undefined"]["exact"] == {} and rec["infinite"] == []
    # All six quantities are tested against the exact theory (default seed), and agree.
    assert rec["simulation"]["seed"] == 20250205
    assert rec["checks"]["tests"] == 6 and rec["checks"]["rejected"] == [] and code == 0
    # The paper's OLS-only forms stay undefined, with the reason.
    assert "n > d_w + 1" in rec["undefined"]["paper"]["w2s"]


def test_a_wrong_interpolating_formula_would_be_rejected(capsys, interpolating_file):
    # Power: the classic off-by-one (n/(d_w - n) instead of n/(d_w - n - 1) in the teacher's
    # variance term) moves the weak risk by 0.29, 3 SE at the default 400 trials (not enough
    # for the Holm test at 0.001) and 9 SE at 4000 trials.
    _, rec, _ = _run_json(capsys, interpolating_file, "--json", "--trials", 4000)
    geo = numeric.Scenario.load(interpolating_file).geometry()
    n, d_w, q = geo["n"], geo["d_w"], geo["sigma2"] + geo["rho_w"]
    wrong = rec["theory"]["exact"]["weak"] - q * n / (d_w - n - 1) + q * n / (d_w - n)
    dev = rec["deviation"]["weak"]
    assert abs(dev["simulated"] - wrong) / dev["se"] > 4.5


def test_infinite_expectation_is_flagged_not_compared(capsys, tmp_path):
    path = tmp_path / "band.toml"
    # n = d_w: the teacher's inverse Gram has no finite mean; weak and w2s are infinite.
    numeric.Scenario.from_block_energies(8, 24, 24, 30, 1.5, d_sw=4, both=0.5, strong_only=0.2,
                                         weak_only=0.3, neither=0.1).save(path)
    code, rec, _ = _run_json(capsys, path, "--json", "--trials", 128)
    assert set(rec["infinite"]) == {"weak", "w2s", "pgr", "opr"}
    assert rec["regime"]["weak"].startswith("infinite expectation")
    for q in rec["infinite"]:
        assert rec["theory"]["exact"][q] is None and rec["deviation"][q]["infinite"] is True
        assert rec["deviation"][q]["z_vs_exact"] is None
        assert q not in rec["undefined"]["exact"]
    assert rec["checks"]["tests"] == 2 and code == 0      # strong and ceiling only
    main(["point", str(path), "--trials", "128"])
    out = capsys.readouterr().out
    assert "exact weak is INFINITE" in out and "not tested" in out
    assert out.splitlines()[[l.split()[0] if l.split() else "" for l in out.splitlines()]
                            .index("weak")].split()[1] == "infinite"


def test_non_gaussian_features_label_the_theory(capsys, tmp_path):
    path = tmp_path / "rad.toml"
    numeric.Scenario(5, 6, 40, 40, 0.1, d_sw=2, features="rademacher").save(path)
    _, rec, _ = _run_json(capsys, path, "--json", "--trials", 16)
    assert rec["caveats"] and "Gaussian" in rec["caveats"][0]
    main(["point", str(path), "--trials", "16"])
    out = capsys.readouterr().out
    assert "exact(Gauss)" in out and "caveat:" in out
    _, rec, _ = _run_json(capsys, interpolating_gaussian(tmp_path), "--json", "--trials", 16)
    assert rec["caveats"] == []


def interpolating_gaussian(tmp_path):
    path = tmp_path / "g.toml"
    numeric.Scenario(5, 6, 40, 40, 0.1, d_sw=2).save(path)
    return path


def test_paper_vs_exact_of_a_ratio_near_zero_is_absolute():
    from verify.commands.point import paper_vs_exact

    near = {"exact": 0.01, "paper": 0.0591, "paper_minus_exact": 0.0491, "rel_paper_vs_exact": 4.91}
    assert paper_vs_exact("pgr", near) == "+0.0491 abs"
    far = {"exact": 0.5, "paper": 0.55, "paper_minus_exact": 0.05, "rel_paper_vs_exact": 0.1}
    assert paper_vs_exact("pgr", far) == "+10.00%"
    assert paper_vs_exact("weak", {**near, "exact": 2.0, "rel_paper_vs_exact": 0.02}) == "+2.00%"


@pytest.mark.parametrize("argv, needle", [
    (["/nonexistent/scenario.toml"], "not found"),
    (["{file}", "--trials", "1"], "--trials"),
    (["{file}", "--seed", "-3"], "--seed"),
    (["{file}", "--alpha", "2"], "--alpha"),
    (["{bad}"], "bad.toml"),
    (["{rademacher}", "--engine", "wishart"], "wishart"),
])
def test_bad_input_exits_2_with_message(capsys, scenario_file, tmp_path, argv, needle):
    bad = tmp_path / "bad.toml"
    bad.write_text("d_s = [oops\n")
    rad = tmp_path / "rad.toml"
    numeric.Scenario(5, 6, 40, 40, 0.1, d_sw=2, features="rademacher").save(rad)
    argv = [a.format(file=scenario_file, bad=bad, rademacher=rad) for a in argv]
    code = main(["point", *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert needle in err and "error" in err


def test_unknown_engine_is_a_usage_error(capsys, scenario_file):
    assert main(["point", str(scenario_file), "--engine", "magic"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_text_output(capsys, scenario_file):
    code = main(["point", str(scenario_file), "--trials", "128", "--seed", "5"])
    out = capsys.readouterr().out
    assert code == 0
    for word in ("weak", "w2s", "pgr", "opr", "checks:", "mean of per-trial".split()[0]):
        assert word in out


def test_theory_values_vectorised_and_masked():
    g = numeric.Scenario.from_block_energies(30, 50, 120, 90, 0.3, d_sw=12, both=0.5).geometry()
    n = np.array([40, 51, 52, 120])   # interpolating teacher, its threshold band, OLS, OLS
    out = cmp.theory_values({**g, "n": n})
    assert np.isnan(out["exact"]["weak"][1]) and np.isfinite(out["exact"]["weak"][[0, 2, 3]]).all()
    assert list(cmp.infinite_mask("weak", {**g, "n": n})) == [False, True, False, False]
    assert np.isfinite(out["paper"]["weak"]).all()   # the paper's d/n form has no condition
    for i in (2, 3):
        want = float(theory.evaluate("risk.w2s.exact", **{**g, "n": int(n[i])}))
        assert out["exact"]["w2s"][i] == pytest.approx(want, rel=1e-12)
    import theory.regimes as R
    want = float(R.evaluate("risk.w2s.regime.interp_ols", prec=30, **{**g, "n": 40}))
    assert out["exact"]["w2s"][0] == pytest.approx(want, rel=1e-12)
    assert out["exact"]["w2s"].shape == n.shape == out["paper"]["strong"].shape


def test_exact_zero_pgr_is_not_rejected_on_rounding(capsys, tmp_path):
    # V_w inside V_s, student at its threshold N = d_s (finite here: d_sw = d_w) and theta with
    # no energy the teacher misses in V_s: the student reproduces its teacher, PGR = 0 exactly,
    # which float geometry gives as ~1e-15 and the simulation as 0 +- 1e-18.
    path = tmp_path / "degenerate.toml"
    numeric.Scenario.from_block_energies(8, 4, 30, 8, 1.0, d_sw=4, both=0.5, strong_only=0.2,
                                         neither=0.1).save(path)
    code, rec, _ = _run_json(capsys, path, "--json", "--trials", 400)
    assert "finite since d_sw = d_w" in rec["regime"]["w2s"] and rec["infinite"] == []
    assert abs(rec["theory"]["exact"]["pgr"]) < 1e-12
    assert abs(rec["deviation"]["pgr"]["z_vs_exact"]) < 1 and code == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_trials_on_a_true_scenario_is_inconclusive_not_a_failure(capsys, tmp_path, seed):
    # issue 14: a test on two trials rejected true scenarios; below verify.stats.MIN_TRIALS
    # nothing is tested (exit 3, never 1), and --help says so
    path = tmp_path / "small.toml"
    numeric.Scenario.from_block_energies(4, 6, 12, 10, 0.5, d_sw=2, both=0.5, strong_only=0.2,
                                         weak_only=0.3, neither=0.1).save(path)
    code, rec, _ = _run_json(capsys, path, "--json", "--trials", 2, "--seed", seed)
    assert code == 3 and rec["checks"]["rejected"] == [] and rec["checks"]["tests"] == 0
    assert set(rec["checks"]["inconclusive"]) == {"weak", "strong", "ceiling", "w2s", "pgr", "opr"}
    assert main(["point", str(path), "--trials", "99", "--seed", str(seed)]) == 3
    assert "inconclusive, not tested" in capsys.readouterr().out
    try:
        main(["point", "--help"])
    except SystemExit:
        pass
    assert "at least 100 trials" in " ".join(capsys.readouterr().out.split())
