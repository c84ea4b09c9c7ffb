"""Error plots: the sweeps are simulated and every figure is written as a labelled PNG."""
import json

import matplotlib.image as mpimg
import numpy as np
import pytest

from verify.context import Context
from verify.plots import plot_suite, render
from verify.jsonsafe import jsonable


def test_plot_suite_writes_every_figure(tmp_path, capsys):
    ctx = Context.preset("quick", seed=3)
    data = plot_suite(ctx, progress=True)
    assert "plots: simulating 16 sweep points x 256 trials" in capsys.readouterr().err
    assert len(data["n_sweep"]) >= 6 and len(data["N_sweep"]) >= 6
    row = data["N_sweep"][0]
    assert row["theory"]["exact"]["w2s"] > 0 and row["se"]["w2s"] > 0
    # the sweep's data goes into report.json: it must be plain JSON
    json.dumps(jsonable(data), allow_nan=False)
    names = render(data, str(tmp_path))
    assert set(names) == {f"{k}_vs_{v}.png" for k in ("relative_error", "risks", "pgr_opr") for v in ("n", "N")}
    for name in names:
        img = mpimg.imread(tmp_path / name)
        assert img.ndim == 3 and img.shape[0] > 300 and np.std(img) > 0.01


def _synthetic(extreme_row=3, extreme=71.0):
    """Sweep data whose simulated values are the exact theory, except one mean of per-trial
    PGRs (a single trial with a tiny denominator does this near a threshold)."""
    import theory
    from verify import plots

    import numeric
    from verify.strategies import scenario_from_config

    geo = scenario_from_config({**plots.BASE, "n": plots.LABELLED_FIXED, "N": plots.PSEUDO_FIXED}).geometry()
    base = {k: v for k, v in geo.items() if k not in ("n", "N")}

    def row(n, N):
        g = {**base, "n": n, "N": N}
        th = {form: {q: float(theory.evaluate(f"risk.{q}.{form}" if q in plots.MODELS
                                              else f"{q}.{form}", **g))
                     for q in plots.MODELS + ("pgr", "opr")} for form in ("exact", "paper")}
        mean = dict(th["exact"])
        return {"n": n, "N": N, "trials": 100, "mean": mean, "se": {q: 0.01 for q in mean},
                "mean_of_pgr": mean["pgr"], "mean_of_opr": mean["opr"], "theory": th}

    n_sweep = [row(n, plots.PSEUDO_FIXED) for n in plots.LABELLED_SWEEP]
    N_sweep = [row(plots.LABELLED_FIXED, N) for N in plots.PSEUDO_SWEEP]
    N_sweep[extreme_row]["mean_of_pgr"] = extreme
    assert numeric  # the scenario builder needs numeric importable
    return {"base": plots.BASE, "geometry": base, "trials": 100, "n_sweep": n_sweep,
            "N_sweep": N_sweep, "n_fixed": plots.LABELLED_FIXED, "N_fixed": plots.PSEUDO_FIXED}


def test_an_extreme_point_does_not_flatten_the_curves(tmp_path, monkeypatch):
    from verify import plots

    figs = {}
    real_save = plots._save
    monkeypatch.setattr(plots, "_save", lambda plt, fig, title, folder, name: (
        figs.__setitem__(name, [ax.get_ylim() for ax in fig.axes]
                         + [[t.get_text() for t in ax.texts] for ax in fig.axes])
        or real_save(plt, fig, title, folder, name)))
    data = _synthetic()
    plots.render(data, str(tmp_path))
    (lo, hi), _, pgr_texts, _ = figs["pgr_opr_vs_N.png"]
    pgr = [r["theory"]["exact"]["pgr"] for r in data["N_sweep"]]
    # The axis spans the PGR curves (exact, paper, bound: all below 1), not the point at 71 ...
    assert lo <= min(pgr) and max(pgr) <= hi < 1.5
    # ... which is drawn at the edge with its value written next to it.
    assert "71" in pgr_texts
    # Only the point off the axis is marked: the PGR panel of the n sweep has no mark.
    assert figs["pgr_opr_vs_n.png"][2] == []


def test_readable_limits():
    from verify.figlimits import readable_limits

    assert readable_limits([0.2, 0.6], [71.0], pad=0) == (0.2, 0.6)
    assert readable_limits([0.2, 0.6], [0.9], pad=0) == (0.2, 0.9)    # within reach: shown
    assert readable_limits([np.nan], [np.nan]) is None
    lo, hi = readable_limits([1.0, 1.0], pad=0)                       # a flat curve
    assert hi - lo == pytest.approx(0.05)


def test_figures_drawn_in_the_pool_reach_the_report(tmp_path, capsys):
    """With workers the figures are drawn in a worker while the claims run; they land in
    ``plots/`` with the rest of the report, the same data as a serial run's, no temporary
    folder left behind."""
    import glob
    import tempfile

    from verify.cli import main

    before = set(glob.glob(f"{tempfile.gettempdir()}/w2s-verify-figures-*"))
    data = {}
    for workers in ("2", "0"):
        out = tmp_path / f"w{workers}"
        code = main(["--quick", "--claims", "core.special.*", "--no-progress", "--seed", "3",
                     "--workers", workers, "--out", str(out)])
        assert code == 0
        report = json.loads((out / "report.json").read_text())
        assert sorted(report["plots"]["files"]) == sorted(p.name for p in (out / "plots").iterdir())
        assert len(report["plots"]["files"]) == 6
        data[workers] = report["plots"]["data"]
    assert data["2"] == data["0"]
    assert set(glob.glob(f"{tempfile.gettempdir()}/w2s-verify-figures-*")) == before
