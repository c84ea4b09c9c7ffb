import json

import numpy as np
import pytest

from numeric import Scenario


@pytest.mark.parametrize("ext", ["toml", "json"])
@pytest.mark.parametrize("make", [
    lambda: Scenario(3, 5, 40, 80, 0.3, cosines=[1.0, 1 / 3, 0.123456789012345],
                     theta=np.random.default_rng(0).normal(size=9), features="student-t:5",
                     noise="rademacher"),
    lambda: Scenario.from_block_energies(4, 3, 20, 30, 1.0, d_sw=2, both=0.1, weak_only=0.2),
    lambda: Scenario.paper_notebook(d_sw=10, n=500, N=600),
    lambda: Scenario.from_bases(np.random.default_rng(1).normal(size=(6, 2)),
                                np.random.default_rng(2).normal(size=(6, 3)),
                                np.random.default_rng(3).normal(size=6), n=10, N=11),
])
def test_round_trip_exact(tmp_path, ext, make):
    sc = make()
    path = tmp_path / f"s.{ext}"
    sc.save(path)
    back = Scenario.load(path)
    assert back == sc
    assert back.geometry() == sc.geometry()
    assert not list(tmp_path.glob(".*tmp"))      # no temporary left behind


def test_toml_schema_with_target_table(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('d_s = 10\nd_w = 8\nn = 100\nN = 200\nsigma2 = 0.5\nd_sw = 3\n'
                    'features = "rademacher"\n\n[target]\nboth = 0.4\nstrong_only = 0.3\n'
                    'weak_only = 0.2\nneither = 0.1\n')
    sc = Scenario.load(path)
    ref = Scenario.from_block_energies(10, 8, 100, 200, 0.5, d_sw=3, both=0.4, strong_only=0.3,
                                       weak_only=0.2, neither=0.1, features="rademacher")
    assert sc == ref
    assert sc.noise == "gaussian"


def test_json_schema_defaults(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"d_s": 2, "d_w": 3, "n": 10, "N": 20}))
    sc = Scenario.load(path)
    assert sc.sigma2 == 1.0 and sc.t2 == 0.0 and sc.d_sw == 0.0


@pytest.mark.parametrize("data,param", [
    ({"d_s": 2, "d_w": 3, "n": 10, "N": 20, "cosines": [0.5, 1.5]}, "cosines"),
    ({"d_s": 2, "d_w": 3, "n": 10, "N": 20, "d_sw": 3}, "d_sw"),
    ({"d_s": 2.5, "d_w": 3, "n": 10, "N": 20}, "d_s"),
    ({"d_s": 2, "d_w": 3, "n": 10, "N": 20, "sigma2": -1}, "sigma2"),
    ({"d_s": 2, "d_w": 3, "n": 10}, "N"),
    ({"d_s": 2, "d_w": 3, "n": 10, "N": 20, "bogus": 1}, "bogus"),
    ({"d_s": 2, "d_w": 3, "n": 10, "N": 20, "target": {"both": 1}, "theta": [0] * 6}, "target"),
    ({"d_s": 2, "d_w": 3, "n": 10, "N": 20, "target": {"bothh": 1}}, "target"),
    ({"d_s": 2, "d_w": 3, "n": 10, "N": 20, "cosines": [0.5, 0.2], "target": {"both": 1}},
     "0/1 cosines"),
    ({"d_s": 2, "d_w": 3, "n": 10, "N": 20, "theta": [1, 2]}, "theta"),
])
def test_invalid_files(tmp_path, data, param):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=param):
        Scenario.load(path)


def test_nan_in_json_rejected(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{"d_s": 2, "d_w": 3, "n": 10, "N": 20, "sigma2": NaN}')
    with pytest.raises(ValueError, match="sigma2"):
        Scenario.load(path)


def test_bad_extension_and_syntax(tmp_path):
    with pytest.raises(ValueError, match="toml or .json"):
        Scenario(2, 3, 10, 10).save(tmp_path / "s.yaml")
    bad = tmp_path / "s.toml"
    bad.write_text("d_s = = 2")
    with pytest.raises(ValueError, match="TOML"):
        Scenario.load(bad)
