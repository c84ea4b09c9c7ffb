"""``python -m verify dims``: output on synthetic features, and every bad input exits 2 with a
message naming the problem."""
import json

import numpy as np
import pytest

from numeric.features import synthetic_pair
from verify.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("dims")
    Fw, Fs = synthetic_pair(1500, 12, 16, 8, 30, 20, seed=3, noise=0.02)
    np.save(d / "w.npy", Fw.astype(np.float32))
    np.savez(d / "s.npz", feats=Fs.astype(np.float32))
    np.savez(d / "two.npz", a=Fs, b=Fs)
    np.save(d / "short.npy", Fs[:100])
    np.save(d / "flat.npy", Fs[:, 0])
    bad = Fs.copy()
    bad[5, 5] = np.nan
    np.save(d / "nan.npy", bad)
    (d / "junk.npy").write_bytes(b"not an array")
    (d / "x.csv").write_text("1,2\n")
    return d


def test_text_and_json(files, capsys):
    assert main(["dims", str(files / "w.npy"), str(files / "s.npz"), "--groups", "0"]) == 0
    out = capsys.readouterr().out
    assert "intrinsic dim d_w" in out and "chance band" in out and out.strip().splitlines()[-1].startswith("verdict:")
    assert main(["dims", str(files / "w.npy"), str(files / "s.npz"), "--json", "--groups", "4",
                 "--cutoff", "0.999"]) == 0
    rec = json.loads(capsys.readouterr().out)
    f, a = rec["function"], rec["authors"]
    assert rec["weak"]["d"] == 12 and rec["strong"]["d"] <= 16 and rec["weak"]["dtype"] == "float32"
    assert f["details"]["ci_method"] == "jackknife" and f["ci"][0] < f["estimate"] < f["ci"][1]
    assert abs(f["estimate"] - 8) < 0.5 and not f["within_chance"]
    assert a["sketched"] == "weak" and a["D"] == 20 and "chance by construction" in a["verdict"]
    assert "above chance" in rec["verdict"]


@pytest.mark.parametrize("args, message", [
    (["missing.npy", "s.npz"], "WEAK file .* not found"),
    (["w.npy", "x.csv"], "must end in .npy or .npz"),
    (["w.npy", "junk.npy"], "STRONG file .* is not a readable .npy array"),
    (["w.npy", "two.npz"], "holds 2 arrays .* --key"),
    (["w.npy", "s.npz", "--key", "zz"], "has no array 'zz'"),
    (["w.npy", "short.npy"], "same number of rows"),
    (["w.npy", "flat.npy"], "STRONG must hold a 2-D array"),
    (["nan.npy", "s.npz"], "WEAK must be finite"),
    (["w.npy", "nan.npy"], "STRONG must be finite"),
    (["w.npy", "s.npz", "--cutoff", "1.5"], r"--cutoff must be in \(0, 1\]"),
    (["w.npy", "s.npz", "--level", "1"], "--level must be"),
    (["w.npy", "s.npz", "--groups", "1"], "--groups must be 0 or"),
    (["w.npy", "s.npz", "--seed", "-1"], "--seed must be"),
])
def test_bad_input_exits_2_with_a_message(files, args, message, capsys):
    import re

    paths = [str(files / a) if a.endswith((".npy", ".npz", ".csv")) else a for a in args]
    assert main(["dims", *paths]) == 2
    err = capsys.readouterr().err
    assert re.search(message, err), err
    assert "Traceback" not in err


def test_usage_error_exits_2(capsys):
    assert main(["dims"]) == 2
    assert "usage" in capsys.readouterr().err
