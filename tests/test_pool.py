"""simulate.process_pool: spawned workers that leave without an interpreter teardown."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from _pool_tasks import keep_until_teardown, register_exit_handler
from carecomplex.experiments.simulate import process_pool

HERE = Path(__file__).resolve().parent


def test_a_worker_skips_the_teardown_but_runs_the_exit_handlers_its_tasks_registered(
    tmp_path,
):
    handler, teardown = tmp_path / "handler", tmp_path / "teardown"
    pool = process_pool(1)
    assert pool.submit(register_exit_handler, str(handler)).result() == 1
    assert pool.submit(keep_until_teardown, str(teardown)).result() == 1
    pool.shutdown(wait=True)
    assert handler.read_text() == "exit handler ran"
    assert not teardown.exists(), "the worker tore its interpreter down"


def test_what_a_workers_exit_handler_printed_reaches_the_parents_output():
    code = (
        "from _pool_tasks import print_at_exit\n"
        "from carecomplex.experiments.simulate import process_pool\n"
        "with process_pool(1) as pool:\n"
        "    pool.submit(print_at_exit, 'hello from a worker').result()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered
    res = subprocess.run(
        [sys.executable, "-c", code], cwd=HERE, env=env, capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr
    assert "hello from a worker" in res.stdout
