"""Claim set utkface.*: the authors' runs load as package data; every claim has its expected
outcome (the findings in notes/real-features.md)."""
from verify.claimsets import utkface as C
from verify.features import utkface as U


def test_data_file_rows():
    rows = U.rows()
    assert len(rows) == 33
    kept = [r for r in rows if r["consistent"]]
    assert len(kept) == 23 and all(r["strong"] == "clipb32" for r in kept)
    r = kept[0]
    assert r["sweeps"]["N"]["n"].shape == (20,) and r["sweeps"]["N"]["trials"] == 10


def test_claims_have_their_expected_outcome():
    for claim in C.CLAIMS:
        obs = claim.run(None)
        assert obs and all(o.status in ("pass", "fail") for o in obs)
        failed = any(o.status == "fail" for o in obs)
        assert failed == (claim.expect == "fail"), claim.name
