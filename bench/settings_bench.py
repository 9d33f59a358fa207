"""Settings for load tests: the portal's own settings, a production-like request
path (DEBUG off) and a bench-only URLconf that adds a trivial view, ``/bench/ping``,
used to measure the server's ceiling. Production never loads this module.

The database defaults to the PostgreSQL bench database, never to the SQLite
demo file, so a forgotten ``DATABASE_URL`` cannot load 100,000 synthetic
organisations into the development data.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helice_bench")
os.environ.setdefault("DEBUG", "false")

from helice.settings import *  # noqa: F403
from helice.settings import env

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

# Requests are not logged one by one; errors still are.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
