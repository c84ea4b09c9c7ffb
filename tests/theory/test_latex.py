"""LaTeX for every named formula."""
import pytest

import theory


@pytest.mark.parametrize("name", theory.registered_names())
def test_latex_for_every_name(name):
    text = theory.latex(name)
    assert isinstance(text, str) and text
    assert "sigma_{2}" not in text and "sigma2" not in text
    if theory.symbols.sigma2 in theory.formula(name).expr.free_symbols:
        assert r"\sigma^{2}" in text


def test_latex_with_conditions_and_errors():
    text = theory.latex("risk.weak.exact", with_conditions=True)
    assert r"n > d_{w} + 1" in text
    with pytest.raises(ValueError, match="not a registered formula"):
        theory.latex("risk.nonsense")
