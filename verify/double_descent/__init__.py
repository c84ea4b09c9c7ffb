"""``python -m verify double-descent``: exact W2S, weak and strong risk curves across the
interpolation thresholds in ``n`` and ``N``, with simulated points (``compute``), figures
(``figures``) and summary tables (``report``). Entry point: ``verify/commands/double_descent.py``."""
