"""Subcommands of ``python -m verify``; each module has ``add_arguments`` and ``run``."""
