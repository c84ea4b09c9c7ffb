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
    code, rec, _ = _run_json(capsys, scenario_file, "--json", "--trials", 64, "--seed", 7)
    assert code == 0
    assert {"d_sw", "rho_s", "rho_w", "b_w2s", "m_sw", "n", "N", "d_s", "d_w", "sigma2"} <= set(
        rec["scenario"])
    for form in ("exact", "paper"):
        assert set(rec["theory"][form]) == FORMS_KEYS
        assert all(isinstance(v, float) for v in rec["theory"][form].values())
    sim = rec["simulation"]
    assert sim["engine"] == "wishart" and sim["trials"] == 64 and sim["seed"] == 7
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


def test_undefined_exact_expectation_is_null_with_reason(capsys, tmp_path):
    path = tmp_path / "interp.json"
    numeric.Scenario(30, 50, 120, 25, 0.3, d_sw=10).save(path)   # N < d_s + 1: student interpolates
    code, rec, _ = _run_json(capsys, path, "--json", "--trials", 16, "--seed", 3)
    assert rec["theory"]["exact"]["w2s"] is None
    assert rec["theory"]["exact"]["pgr"] is None and rec["theory"]["exact"]["opr"] is None
    assert rec["theory"]["exact"]["weak"] is not None
    assert "N > d_s + 1" in rec["undefined"]["exact"]["w2s"]
    assert rec["deviation"]["w2s"]["z_vs_exact"] is None
    assert code == 0   # nothing testable failed


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
    code = main(["point", str(scenario_file), "--trials", "16", "--seed", "5"])
    out = capsys.readouterr().out
    assert code == 0
    for word in ("weak", "w2s", "pgr", "opr", "checks:", "mean of per-trial".split()[0]):
        assert word in out


def test_theory_values_vectorised_and_masked():
    g = numeric.Scenario.from_block_energies(30, 50, 120, 90, 0.3, d_sw=12, both=0.5).geometry()
    n = np.array([40, 51, 52, 120])   # the teacher needs n > d_w + 1 = 51
    out = cmp.theory_values({**g, "n": n})
    assert np.isnan(out["exact"]["weak"][:2]).all() and np.isfinite(out["exact"]["weak"][2:]).all()
    assert np.isfinite(out["paper"]["weak"]).all()   # the paper's d/n form has no condition
    for i in (2, 3):
        want = float(theory.evaluate("risk.w2s.exact", **{**g, "n": int(n[i])}))
        assert out["exact"]["w2s"][i] == pytest.approx(want, rel=1e-12)
    assert out["exact"]["w2s"].shape == n.shape == out["paper"]["strong"].shape
