# The README's two commands: `make demo` and `make test`. Both install what they need first.
.PHONY: setup setup-android demo test lint schema

setup:
	@scripts/setup

# Opt-in: Appium's UiAutomator2 driver for real phones (docs/device-farm.md); test and demo never need it.
setup-android:
	@scripts/setup --android

demo: setup
	.venv/bin/miniprobe run scenarios/demo/suite.yaml --fail-on none

test: setup
	.venv/bin/python -m pytest -q

lint: setup
	@test -x .venv/bin/ruff || .venv/bin/pip install -q ruff
	.venv/bin/ruff check harness probes tests bench

schema: setup
	.venv/bin/miniprobe schema --out schema

# The performance measurements (bench/README.md); minutes each, not part of `make test`.
.PHONY: bench
bench: setup
	for b in analysis recorder pi_scan proxy hooks harness_overhead demo; do .venv/bin/python bench/$$b.py || exit 1; done
