"""The load benchmark's baseline: the least a Flask page backed by PostgreSQL can cost.

One route, one indexed query (a user's display name by primary key, on the benchmark's own
database), a few bytes of HTML. `benchmarks/load.py` runs it under gunicorn with the same
configuration file and worker count as Civic, so "CPU per request, relative to the
baseline" compares Civic's pages with the floor set by Python, Flask, gunicorn and the
driver on this machine, whatever the machine.

    DATABASE_URL=postgresql://... gunicorn -c gunicorn.conf.py benchmarks.load_baseline:app
"""

from __future__ import annotations

import os
import random
from html import escape

from flask import Flask
from sqlalchemy import create_engine, text

app = Flask(__name__)
_url = os.environ.get("DATABASE_URL", "sqlite://")
if _url.startswith("postgresql://"):
    _url = _url.replace("postgresql://", "postgresql+psycopg://", 1)
engine = create_engine(_url)
# ids to ask for: the users the data builder made (1..BASELINE_MAX_ID)
_MAX_ID = int(os.environ.get("BASELINE_MAX_ID", "1000"))
_QUERY = text("SELECT display_name FROM user_account WHERE id = :id")


@app.get("/")
def page() -> str:
    """One indexed row, rendered into a tiny page."""
    with engine.connect() as conn:
        name = conn.execute(_QUERY, {"id": random.randint(1, _MAX_ID)}).scalar()
    return f"<!doctype html><title>Baseline</title><h1>Hello {escape(str(name))}</h1>"
