"""Run the paper study end to end: grid, simulation, theory, analysis, files.

Outputs (all written atomically to the output folder):

- ``risk.png``: excess risks against N and n for each ``figures.risk_panels`` entry;
- ``pgr_sigma2_<s>.png``, ``opr_sigma2_<s>.png``: PGR and OPR (both senses) for each
  ``figures.ratio_sigma2``;
- ``heatmap_pgr_sigma2_<s>.png``, ``heatmap_opr_sigma2_<s>.png``: the paper's lower bounds over
  (n, N) with the region where they fail against the exact ratio, for every sigma2 of the grid;
- ``deviations.md`` / ``deviations.json``: the deviation table at every grid point (the JSON also
  holds the configuration, the saved grid and the findings);
- ``config.toml``: the configuration that was run; ``report.md``: what the numbers show.
"""
from __future__ import annotations

import multiprocessing
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tomli_w

from numeric.executors import make_executor
from verify.compare import scenario_summary, simulation_summary, build_record, theory_values
from verify.paper import curves, figures, tables
from verify.paper.analysis import analyse
from verify.paper.grid import build_grid
from verify.paper.io import write_json, write_text
from verify.paper.report import render
from verify.paper.runner import point_scenario, simulate_grid


@dataclass
class StudyOutcome:
    """Result of :func:`run_study`."""

    exit_code: int
    findings: dict
    records: list
    files: list = field(default_factory=list)
    wall_s: float = 0.0
    timings: dict = field(default_factory=dict)
    execution: dict = field(default_factory=dict)


def _spec(config, d_sw):
    return (config.latent, config.decay, config.d_s, config.d_w, config.theta_seed, d_sw)


def build_records(config, points, sims) -> tuple[list[dict], dict]:
    """Per-point records (:func:`verify.compare.build_record`), the theory evaluated for all
    points of one d_sw at once. Returns the records and each d_sw's base geometry."""
    bases, infos = {}, {}
    for d_sw in config.d_sw:
        sc = point_scenario(_spec(config, d_sw), config.n_fixed, config.N_fixed, config.sigma2[0])
        bases[d_sw] = curves.base_geometry(sc.geometry())
        infos[d_sw] = scenario_summary(sc)
    records: list[dict | None] = [None] * len(points)
    for d_sw in config.d_sw:
        idx = [p.index for p in points if p.d_sw == d_sw]
        if not idx:
            continue
        arrays = {"n": np.array([points[i].n for i in idx]), "N": np.array([points[i].N for i in idx]),
                  "sigma2": np.array([points[i].sigma2 for i in idx])}
        th = theory_values({**bases[d_sw], **arrays})
        for j, i in enumerate(idx):
            p = points[i]
            values = {**bases[d_sw], "n": p.n, "N": p.N, "sigma2": p.sigma2}
            info = {**infos[d_sw], "n": p.n, "N": p.N, "sigma2": p.sigma2}
            scalars = {form: {q: v[j] for q, v in d.items()} for form, d in th.items()}
            rec = build_record(info, values, simulation_summary(sims[i]), scalars)
            records[i] = {"point": p.to_dict(), **rec}
    return records, bases


def _cpu_seconds() -> float:
    """CPU time of this process and its finished workers (a load-independent cost measure)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def render_all(jobs, workers: int) -> list:
    """Run the figure jobs ``(function, args)``, in ``workers`` forked processes when possible.

    Rendering costs about a second of CPU per figure; forked workers inherit the imported
    modules, so they start at once (spawned ones would re-import matplotlib, SymPy and theory).
    """
    if workers >= 2 and len(jobs) > 1 and "fork" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=ctx) as ex:
            futures = [ex.submit(f, *args) for f, args in jobs]
            return [fut.result() for fut in futures]
    return [f(*args) for f, args in jobs]


def _phase(message: str) -> None:
    """One line on stderr per phase of a long run (also where no progress bar is shown)."""
    print(f"verify paper: {message}", file=sys.stderr, flush=True)


def run_study(config, out_dir, workers: int = 1, progress: bool = False, *, executor=None,
              store=None, device=None) -> StudyOutcome:
    """Run the whole study and write its files to ``out_dir``.

    ``executor``, ``store`` and ``device`` go to :func:`verify.paper.runner.simulate_grid`
    (default: a local pool of ``workers`` processes, no run folder, NumPy on the CPU).

    Returns
    -------
    StudyOutcome
        ``exit_code`` 0 when the simulation is consistent with the exact theory everywhere
        (Holm at ``config.alpha``), 1 when some test rejects it.
    """
    t0 = time.perf_counter()
    cpu0 = _cpu_seconds()
    timings = {}
    out = Path(out_dir)
    points = build_grid(config)

    own = executor is None
    ex = make_executor(workers) if own else executor
    say = _phase if progress else (lambda msg: None)
    say(f"simulating {len(points)} grid points x {config.trials} trials ({config.engine} engine)")
    try:
        sims = simulate_grid(config, points, workers=workers, progress=progress, executor=ex,
                             store=store, device=device)
    finally:
        if own:
            ex.close()
    execution = ex.totals.to_dict()
    timings["simulation_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    say(f"simulation done in {timings['simulation_s']:.1f} s; exact theory, paper forms, tests")
    records, bases = build_records(config, points, sims)
    planes = {(d_sw, s2): curves.plane(config, bases[d_sw], s2)
              for d_sw in config.d_sw for s2 in config.sigma2}
    findings = analyse(records, planes, config.alpha)
    findings["trials"] = config.trials
    timings["theory_analysis_s"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    jobs = [(figures.risk_figure, (config, records, bases, out / "risk.png"))]
    for s2 in config.ratio_sigma2:
        for q in ("pgr", "opr"):
            jobs.append((figures.ratio_figure, (config, records, bases, q, s2,
                                                out / f"{q}_sigma2_{figures.sigma_tag(s2)}.png")))
    for s2 in config.sigma2:
        for q in ("pgr", "opr"):
            jobs.append((figures.heatmap_figure, (
                config, bases, q, s2, planes, out / f"heatmap_{q}_sigma2_{figures.sigma_tag(s2)}.png")))
    say(f"drawing {len(jobs)} figures")
    files = render_all(jobs, workers)
    timings["figures_s"] = time.perf_counter() - t2
    files.append(write_text(out / "deviations.md", tables.markdown_table(config, records)))
    files.append(write_json(out / "deviations.json",
                            tables.json_table(config, points, records, findings)))
    files.append(write_text(out / "config.toml", tomli_w.dumps(config.to_dict())))
    wall = time.perf_counter() - t0
    names = [Path(f).name for f in files] + ["report.md"]
    timings["cpu_s"] = _cpu_seconds() - cpu0
    report = render(config, findings, wall_s=wall, workers=execution["workers"], files=names,
                    timings=timings, execution=execution)
    files.append(write_text(out / "report.md", report))
    exit_code = 1 if findings["sim_vs_exact"]["rejected"] else 0
    return StudyOutcome(exit_code, findings, records, [str(f) for f in files],
                        time.perf_counter() - t0, timings, execution)
