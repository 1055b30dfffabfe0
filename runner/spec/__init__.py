"""Spec files (README "The spec"): YAML with the position of every node → JSON Schema →
the rules a schema cannot express → frozen `AppSpec`s, with every problem of every file
reported at once as FILE:LINE:COL."""

from __future__ import annotations

from runner.spec.load import load_for_run, load_specs
from runner.spec.model import AppFailure, AppSpec, ImportData, VolumeSpec

__all__ = ["AppFailure", "AppSpec", "ImportData", "VolumeSpec", "load_for_run", "load_specs"]
