"""``python -m verify double-descent``: end to end (quick), curves, points, usage errors."""
import json

import numpy as np
import pytest

from theory import regimes as TR
from verify.cli import main
from verify.double_descent import compute as C

SYMBOLS = {"n", "N", "d_s", "d_w", "d_sw", "sigma2", "rho_s", "rho_w", "b_w2s", "m_sw", "t2",
           "c_sw", "p_sw"}


def _sym(g):
    return {k: v for k, v in g.items() if k in SYMBOLS}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("dd")
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["double-descent", "--quick", "--out", str(out), "--seed", "7"])
    quick_run_stderr.append(err.getvalue())
    return code, out


quick_run_stderr = []


def test_quick_end_to_end(quick_run):
    code, out = quick_run
    assert code == 0
    # Each long phase says so on stderr, also where no progress bar is shown.
    assert "verify double-descent: simulating" in quick_run_stderr[-1]
    assert "verify double-descent: drawing the figures" in quick_run_stderr[-1]
    names = sorted(p.name for p in out.iterdir())
    assert names == [".w2s-verify-double-descent.json",     # the folder is marked as ours
                     "double_descent.json", "double_descent.md", "double_descent_N.png",
                     "double_descent_n.png", "run"]          # no temporary files left behind
    assert (out / "run" / "tasks").is_dir()                  # the finished tasks
    for png in ("double_descent_n.png", "double_descent_N.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rec = json.loads((out / "double_descent.json").read_text())
    assert rec["settings"]["seed"] == 7 and rec["settings"]["quick"] is True
    assert rec["checks"]["tests"] == len(rec["points"]) > 50 and rec["checks"]["rejected"] == []
    md = (out / "double_descent.md").read_text()
    assert md.count("\n| n |") == 2 and md.count("\n| N |") == 4 and "Holm" in md


def test_points_avoid_infinite_variance_and_match_theory(quick_run):
    _, out = quick_run
    pts = json.loads((out / "double_descent.json").read_text())["points"]
    for p in pts:
        assert C.distance(p["model"], p) >= C.SIM_GAP
        assert np.isfinite(p["exact"]) and p["se"] > 0
    # The plotted exact value is the registered piecewise formula at that point.
    sample = pts[len(pts) // 2]
    panel = next(pl for pl in C.layout(True).n_panels + C.layout(True).N_panels
                 if pl.label == sample["panel"])
    g = C.geometry_of(panel)
    g[panel.sweep] = sample["x"]
    assert float(TR.evaluate(f"risk.{sample['model']}.piecewise", **_sym(g))) \
        == pytest.approx(sample["exact"], rel=1e-9)


def test_reproducible_from_seed(quick_run, tmp_path):
    _, out = quick_run
    lay = C.layout(True)
    a = C.simulate_points(lay, 6, 150, 7)
    first = json.loads((out / "double_descent.json").read_text())["points"]
    assert [r["mean"] for r in a] == [r["mean"] for r in first]


def test_exact_curve_has_gaps_exactly_in_the_bands():
    panel = C.layout(True).N_panels[0]                       # d_s = 10
    g = C.geometry_of(panel)
    xs = panel.xs
    y = C.exact_curve("w2s", g, "N", xs)
    band = np.abs(xs - panel.d_s) <= 1
    assert np.all(np.isnan(y[band])) and np.all(np.isfinite(y[~band]))
    # Double descent: the W2S risk rises towards the threshold from both sides.
    below, above = y[xs == panel.d_s - 2][0], y[xs == panel.d_s + 2][0]
    assert below > 5 * y[0] and above > 5 * y[-1]
    for x in (panel.d_s - 1, panel.d_s, panel.d_s + 1):
        g2 = dict(g, N=int(x))
        with pytest.raises(TR.InfiniteExpectation):
            TR.evaluate("risk.w2s.piecewise", **_sym(g2))


@pytest.mark.parametrize("argv", [["--trials", "3"], ["--seed", "-1"], ["--alpha", "2"]])
def test_usage_errors(argv, tmp_path, capsys):
    assert main(["double-descent", "--out", str(tmp_path / "x"), *argv]) == 2
    assert "error" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_committed_figure_table_is_reproduced(tmp_path):
    """notes/figures/double_descent.md (quoted in notes/beyond-the-paper.md) is what the command
    writes with its default settings."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2]
    assert main(["double-descent", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "double_descent.md").read_text() == \
        (root / "notes" / "figures" / "double_descent.md").read_text()


def test_committed_numbers_are_current():
    """A cheap guard for notes/figures/double_descent.{md,json} (the slow test regenerates the
    whole run): the table is what the current code writes from the committed per-point values,
    its theory columns and every point's exact value are the current theory, and three
    simulated points (the one with the largest |z| among them) are redrawn from their seeds
    bit for bit. Regenerate with ``python -m verify double-descent --out DIR`` and copy
    double_descent.{md,json,_n.png,_N.png} into notes/figures/."""
    import math
    import pathlib

    import numeric
    from verify.double_descent import report as Rp
    from verify.strategies import scenario_from_config

    fig = pathlib.Path(__file__).resolve().parents[2] / "notes" / "figures"
    data = json.loads((fig / "double_descent.json").read_text())
    st = data["settings"]
    lay = C.layout(st["quick"])
    panels = lay.n_panels + lay.N_panels
    summaries = [Rp.panel_summary(p, C.geometry_of(p)) for p in panels]
    checks = dict(data["checks"])
    checks["max_abs_z"] = math.nan if checks["max_abs_z"] is None else checks["max_abs_z"]
    assert Rp.markdown(summaries, data["points"], checks, st) == \
        (fig / "double_descent.md").read_text()
    zs = [abs(r["z"]) for r in data["points"] if r["z"] is not None]
    assert checks["max_abs_z"] == pytest.approx(max(zs), rel=1e-12)
    by_label = {p.label: p for p in panels}
    for r in data["points"]:
        p = by_label[r["panel"]]
        assert r["exact"] == pytest.approx(
            float(C.exact_curve(r["model"], C.geometry_of(p), p.sweep, np.array([r["x"]]))[0]),
            rel=1e-12)
    # Redraw three points from their seeds: the largest |z| and two others.
    pts = C.points(lay, C.point_count(st["quick"]))
    seeds = np.random.SeedSequence(st["seed"]).spawn(len(pts))
    index = {(p.label, x): i for i, (p, x) in enumerate(pts)}
    worst = max(data["points"], key=lambda r: abs(r["z"] or 0))
    for r in (worst, data["points"][0], data["points"][len(data["points"]) // 2]):
        i = index[(r["panel"], r["x"])]
        res = numeric.simulate(scenario_from_config(pts[i][0].config(r["x"])), st["trials"],
                               seed=seeds[i], engine="auto")
        assert float(res.mean[r["model"]]) == pytest.approx(r["mean"], rel=1e-12), r
