"""Calibration to the published evidence and probabilistic sensitivity analysis.

Modules, in dependency order:

- :mod:`~carecomplex.calibration.targets`: targets and priors files to validated data;
- :mod:`~carecomplex.calibration.ensemble`: posterior ensembles (weighted parameter
  sets), the shipped one, and seeded draws from them;
- :mod:`~carecomplex.calibration.abc`: ABC-SMC with pyabc on the sweeps' executors,
  durable and resumable;
- :mod:`~carecomplex.calibration.commands`: the ``calibrate`` subcommand.
"""
