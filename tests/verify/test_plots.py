"""Error plots: the sweeps are simulated and every figure is written as a labelled PNG."""
import json

import matplotlib.image as mpimg
import numpy as np

from verify.context import Context
from verify.plots import plot_suite, render
from verify.report import _jsonable


def test_plot_suite_writes_every_figure(tmp_path):
    ctx = Context.preset("quick", seed=3)
    data = plot_suite(ctx)
    assert len(data["n_sweep"]) >= 6 and len(data["N_sweep"]) >= 6
    row = data["N_sweep"][0]
    assert row["theory"]["exact"]["w2s"] > 0 and row["se"]["w2s"] > 0
    # the sweep's data goes into report.json: it must be plain JSON
    json.dumps(_jsonable(data), allow_nan=False)
    names = render(data, str(tmp_path))
    assert set(names) == {f"{k}_vs_{v}.png" for k in ("relative_error", "risks", "pgr_opr") for v in ("n", "N")}
    for name in names:
        img = mpimg.imread(tmp_path / name)
        assert img.ndim == 3 and img.shape[0] > 300 and np.std(img) > 0.01
