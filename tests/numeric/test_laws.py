import numpy as np
import pytest

from numeric.laws import parse_law

from ._stats import FAMILY_ALPHA, holm, z_pvalue


@pytest.mark.parametrize("spec,kind,df", [("gaussian", "gaussian", None),
                                          ("rademacher", "rademacher", None),
                                          ("student-t:5", "student-t", 5.0),
                                          ("Student-T:2.5", "student-t", 2.5)])
def test_parse(spec, kind, df):
    law = parse_law(spec)
    assert law.kind == kind and law.df == df
    assert parse_law(law.name) == law


@pytest.mark.parametrize("spec", ["cauchy", "student-t:2", "student-t:1.5", "student-t:nan",
                                  "student-t:inf", "student-t:x", 3, None])
def test_bad_law(spec):
    with pytest.raises(ValueError, match="noise"):
        parse_law(spec, "noise")


def test_unit_variance_and_zero_mean():
    # Variance estimate of 2e5 draws; SE from the fourth moment (t with df=9 has one).
    rng = np.random.default_rng(0)
    pvals = {}
    for spec in ("gaussian", "rademacher", "student-t:9"):
        x = parse_law(spec).fill(rng, np.empty(200_000))
        n = x.size
        pvals[spec + ":mean"] = z_pvalue(x.mean(), x.std() / np.sqrt(n))
        sq = x * x
        pvals[spec + ":var"] = z_pvalue(sq.mean(), sq.std() / np.sqrt(n), 1.0)
    assert holm(pvals, FAMILY_ALPHA) == []


def test_rademacher_values():
    x = parse_law("rademacher").fill(np.random.default_rng(1), np.empty((50, 4)))
    assert set(np.unique(x)) == {-1.0, 1.0}
