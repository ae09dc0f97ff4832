"""``flask seed-demo``: realistic multilingual demo data, idempotent (keyed by codes and e-mails).

This package holds what the domains' seed modules share (the demo password, the data files); the ordered
list of steps is ``app.seed.demo.STEPS``, and the command ``app.seed.cli``. It imports no domain.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

logger = logging.getLogger(__name__)
DATA = Path(__file__).parent / "data"
DEMO_PASSWORD = "Demo2026pass"


def load_json(name: str):
    path = DATA / name
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8"))


def init_app(app) -> None:
    from app.seed.cli import seed_demo_command
    app.cli.add_command(seed_demo_command)
