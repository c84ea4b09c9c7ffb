"""python -m verify features: report files, resume, exit codes, bad input, the demo."""
import json
import math

import numpy as np
import pytest

from verify.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Exact-rank Gaussian maps (d_w = 6 of width 10, d_s = 8 of width 12), Gaussian noise."""
    d = tmp_path_factory.mktemp("feat")
    rng = np.random.default_rng(4)
    x = rng.standard_normal((1200, 14))
    F_w = (x[:, :6] @ rng.standard_normal((6, 10))).astype(np.float32)
    F_s = x[:, 3:11] @ rng.standard_normal((8, 12))
    y = x @ (0.2 * rng.standard_normal(14)) + rng.standard_normal(1200)
    paths = []
    for name, a in (("w.npy", F_w), ("s.npy", F_s), ("y.npy", y)):
        np.save(d / name, a)
        paths.append(str(d / name))
    return paths


ARGS = ["--n", "40", "--N-grid", "40:600:4", "--N", "400", "--n-grid", "20:300:4",
        "--trials", "4", "--test-size", "200", "--d-w", "6", "--d-s", "8"]


def test_report_written_and_resumed(files, tmp_path, capsys):
    out = tmp_path / "rep"
    out.mkdir()
    mine = out / "notes.txt"                 # a user file in the output folder
    mine.write_text("keep me")
    rc = main(["features", *files, *ARGS, "--out", str(out)])
    # Gaussian exact-rank maps: the exact theory with the data-estimated geometry holds (fixed
    # seed; Bonferroni at 0.01), while the paper form is rejected (reported, not the verdict).
    assert rc == 0
    rep = (out / "features.md").read_text()
    assert "all 12 curves consistent" in rep and "paper form" in rep
    for f in ("features.md", "features.json", "features_N.png", "features_n.png"):
        assert (out / f).stat().st_size > 0
    assert mine.read_text() == "keep me"
    first = json.loads((out / "features.json").read_text())
    assert first["dims"][:2] == [6, 8] and first["settings"]["widths"] == [10, 12]
    assert len(first["sweeps"]["N"]["mean"]["w2s"]) == 4
    from numeric.store import RunStore

    store = RunStore(out / "run")           # the SQLite run store (main's speed merge)
    assert len(store) == 8
    store.close()
    rc2 = main(["features", *files, *ARGS, "--out", str(out)])
    assert rc2 == rc
    again = json.loads((out / "features.json").read_text())
    assert again["sweeps"] == first["sweeps"]           # read back from the run folder


@pytest.mark.parametrize("extra,needle", [
    (["--N-grid", "40:2000:3"], "exceeds the rows available"),
    (["--test-size", "5000"], "--test-size must be below"),
    (["--alpha", "2"], "--alpha"),
])
def test_usage_errors(files, tmp_path, capsys, extra, needle):
    rc = main(["features", *files, *ARGS, *extra, "--out", str(tmp_path / "o")])
    assert rc == 2
    assert needle in capsys.readouterr().err


def test_bad_files(files, tmp_path, capsys):
    bad = tmp_path / "bad_y.npy"
    y = np.load(files[2])
    y[3] = np.nan
    np.save(bad, y)
    assert main(["features", files[0], files[1], str(bad), *ARGS, "--out", str(tmp_path / "o")]) == 2
    assert "LABELS must be finite" in capsys.readouterr().err
    short = tmp_path / "short.npy"
    np.save(short, np.zeros((10, 3)))
    assert main(["features", files[0], str(short), files[2], *ARGS, "--out", str(tmp_path / "o")]) == 2
    assert "same rows" in capsys.readouterr().err
    assert main(["features", files[0], files[1], str(tmp_path / "missing.npy"),
                 "--out", str(tmp_path / "o")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["features", "--out", str(tmp_path)]) == 2


def test_demo_digits_small(tmp_path):
    pytest.importorskip("sklearn")
    out = tmp_path / "demo"
    rc = main(["features", "--demo", "digits", "--trials", "2", "--N-grid", "300:1300:3",
               "--n-grid", "60:500:3", "--out", str(out)])
    assert rc in (0, 1)
    rep = json.loads((out / "features.json").read_text())
    assert rep["settings"]["widths"] == [64, 256]
    assert all(v is None or math.isfinite(v) for v in rep["sweeps"]["N"]["mean"]["w2s"])


def test_demo_without_sklearn(monkeypatch, tmp_path, capsys):
    import builtins

    real = builtins.__import__

    def fake(name, *a, **k):
        if name.startswith("sklearn"):
            raise ImportError("no sklearn")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    assert main(["features", "--demo", "digits", "--out", str(tmp_path)]) == 2
    assert "pip install" in capsys.readouterr().err


@pytest.mark.slow
def test_utkface_report(tmp_path):
    out = tmp_path / "u"
    assert main(["features", "--utkface", "--out", str(out)]) == 0
    assert (out / "utkface.md").stat().st_size > 0
    assert len(list((out / "utkface").glob("*.png"))) == 46


def test_user_file_of_the_same_name_is_never_overwritten(files, tmp_path, capsys):
    out = tmp_path / "rep"
    out.mkdir()
    mine = out / "features.md"               # the user's own file, with one of our names
    mine.write_text("my notes")
    assert main(["features", *files, *ARGS, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "features.md" in err and "not written by" in err and "Traceback" not in err
    assert mine.read_text() == "my notes"
    assert not (out / "run").exists()        # refused before any computation
