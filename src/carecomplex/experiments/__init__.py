"""Experiments: many runs of the model, their design, results and analysis.

Modules, in dependency order:

- :mod:`~carecomplex.experiments.simulate`: run the model for a list of runs, here or
  on any executor (the one way ``run``, ``compare``, ``sweep`` and ``claims`` run it);
- :mod:`~carecomplex.experiments.design`: experiment files to a validated design of
  arms × design points × seeds;
- :mod:`~carecomplex.experiments.sweep`: run a design into a durable results store
  (:mod:`carecomplex.store`), resumable;
- :mod:`~carecomplex.experiments.analysis`: paired and pooled differences, Sobol and
  Morris indices of a results store;
- :mod:`~carecomplex.experiments.commands`: the ``run``, ``compare``, ``sweep`` and
  ``analyse`` subcommands;
- :mod:`~carecomplex.experiments.decompose`: the ``decompose`` subcommand, the paired
  difference of two scenarios split into Shapley shares of lever groups.

Statistics live in :mod:`carecomplex.stats`, provenance in :mod:`carecomplex.manifest`.
"""
