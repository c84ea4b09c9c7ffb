"""The paper's synthetic study (issue 5): configuration, sweep runner, figures, tables, report.

Entry point: ``python -m verify paper`` (:mod:`verify.commands.paper`), or
:func:`verify.paper.study.run_study` with a :func:`verify.paper.config.load_config` configuration.
Submodules are imported on use so that worker processes stay light.
"""
