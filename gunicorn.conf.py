"""gunicorn settings for Civic in production: `gunicorn -c gunicorn.conf.py` (gunicorn also
reads this file by itself when started from this directory).

Each value can be overridden on the command line or in GUNICORN_CMD_ARGS; the worker count
also follows WEB_CONCURRENCY. See README "Running in production" for the reasoning.
"""

from __future__ import annotations

import multiprocessing
import os

# The application: the factory, called once in each worker.
wsgi_app = "civic:create_app()"

# Where to listen: behind nginx or a load balancer on the same host. Civic trusts
# X-Forwarded-* only as far as CIVIC_PROXY_HOPS says, not through gunicorn.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Worker processes: the usual 2 x cores + 1, so a worker waiting on PostgreSQL leaves a
# core to another. Each keeps its own database pool (SQLAlchemy's default 5 + 10 overflow):
# workers x threads must stay well under PostgreSQL's max_connections (100 by default)
# across every app server.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))

# Threads per worker (the gthread worker): a second request is served while the first
# waits on the database or a slow client; more threads would only contend for the GIL.
worker_class = "gthread"
threads = 2

# A worker that answers nothing for this long (seconds) is killed and replaced: no page
# should take more than a few hundred milliseconds, downloads of frozen results are built
# ahead of time, so 30 s means a stuck worker, not a slow page.
timeout = 30

# On restart or shutdown (SIGTERM, SIGHUP), workers get this long to finish the requests
# they are serving before they are killed: a ballot being cast completes.
graceful_timeout = 30

# Keep idle connections from the proxy open this long (seconds): the proxy reuses them.
keepalive = 5

# Replace each worker after about this many requests (jittered, so they do not all restart
# together): bounds any slow memory growth in a long-running process.
max_requests = 1000
max_requests_jitter = 100

# Not preloaded: each worker builds its own app, so no database connection is ever shared
# across a fork. (The static build under instance/ is made once whoever starts first.)
preload_app = False

# Logging: access and error logs to stdout/stderr, for systemd's journal or the container
# runtime to collect. Each line: client address, request line, status, bytes, duration.
# Request lines include paths, and password-reset and invitation links carry their
# single-use, expiring token in the path: keep access logs as private as the database.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'

# The heartbeat file in memory, not on a disk that may stall under load (Linux). gunicorn
# makes it with mkstemp, private to its user.
if os.path.isdir("/dev/shm"):  # noqa: S108
    worker_tmp_dir = "/dev/shm"  # noqa: S108
