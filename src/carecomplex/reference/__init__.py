"""Slow, readable NumPy twins of the process kernels: the executable specification.

Laid out like :mod:`carecomplex.processes` (``life``, ``access``, ``support``,
``workforce``, ``observation``): each twin has the name, arguments and in-place
semantics of its kernel, so a test can run both on copies of one state and compare
every array. The twins are written to be read: vectorised NumPy where every entity
follows the same rule (need dynamics, families, the workforce), plain Python loops
where decisions are sequential (access in priority order, one episode after another).

Random numbers come from :func:`carecomplex.rng.draws`, the NumPy twin of the
counter-based ``draw``, with exactly the kernels' keys ``(stream, entity, week, k)``;
so twin and kernel make the same decisions, draw for draw.

Arithmetic is done in float64 (state arrays of float32 are widened before use and
rounded only when stored), as in the kernels; NumPy would otherwise compute
``float32 * python float`` in float32. Counts and pence go into the same partials as
the kernels': per-chunk rows (chunk ``c`` holds persons ``c*n//N_CHUNKS`` to
``(c+1)*n//N_CHUNKS``) for the parallel kernels, chunk 0 for the serial ones.
"""
