"""The run's outputs: the HTML evidence report (run and session), findings JSON, JUnit XML, HAR,
the diff against a baseline, the webhook; ``finish_run`` writes them all (see finish.py)."""

from harness.report.finish import RunOutputs, finish_run

__all__ = ["RunOutputs", "finish_run"]
