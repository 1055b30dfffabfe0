"""Playbooks (README "Playbooks"): YAML data naming registered task types with arguments,
validated against the schema generated from the task registry, with every problem at its
FILE:LINE:COL, then rendered per app into a plan."""

from __future__ import annotations

from runner.playbook.load import BUILTIN, load_playbook
from runner.playbook.model import Plan, Playbook, Step, TaskEntry
from runner.playbook.render import render

__all__ = ["BUILTIN", "Plan", "Playbook", "Step", "TaskEntry", "load_playbook", "render"]
