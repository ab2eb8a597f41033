"""Gunicorn settings for Marathon in production (``gunicorn -c deploy/gunicorn.conf.py app:app``).

Sync workers: each request is short (a letter is written in one small transaction; PDFs are
rendered once in the background by RQ workers' render sweeps), and the live board polls with
conditional requests.
"""

import multiprocessing
import os

bind = os.environ.get("MARATHON_BIND", "127.0.0.1:8000")
# Two processes per core is the usual start; PDFs on demand are CPU-bound, so not more.
workers = int(os.environ.get("MARATHON_WEB_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle processes now and then: WeasyPrint caches grow with use
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("MARATHON_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
# No secret in the access log: no query strings, and the logger class blanks the token of every
# private link (/letters/<token>, /password/reset/<token>, /welcome/<token>) in every atom, and
# cookies and credentials altogether (tests/test_safety_logs.py runs this very configuration).
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
logger_class = "marathon.accesslog.AccessLogger"
errorlog = "-"
preload_app = False  # each process builds its own app: nothing connects at import time
