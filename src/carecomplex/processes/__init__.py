"""The weekly step's processes, one module per process of docs/ODD.md §7.

In the order of :meth:`carecomplex.model.CareModel.step`:

* :mod:`.life`: families, life dynamics, crises and deaths (steps 1-2, §7.2-7.6);
* :mod:`.access`: help-seeking, assessment, eligibility and queues (step 3, §7.7-7.9);
* :mod:`.support`: support contacts, trust, closure (step 4, §7.10, 7.11, 7.13), with
  the week's wellbeing sums (:mod:`.observation`);
* :mod:`.housing`: tenancies and treatment as states, the budget pot (step 4b, §7.12);
* :mod:`.learning`: the Kim loop of each service (step 5, §7.15);
* :mod:`.workforce`: caseloads, burnout and turnover (step 6, §7.16);
* :mod:`.common`: what they share (kernel parameters ``KP``, chunks, charging).

Kernels are numba functions of the entity tables of :mod:`carecomplex.state`, outputs
passed in and written in place. Each has a slow, readable NumPy twin under the same
module name in :mod:`carecomplex.reference`, tested against it draw for draw.
"""
