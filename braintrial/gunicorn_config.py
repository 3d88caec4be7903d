"""gunicorn's settings for the web service (``gunicorn -c python:braintrial.gunicorn_config``).

The access log records each request as method, path, protocol, status, size and duration, and
nothing of who sent it: no query string (a participant's link carries PROLIFIC_PID, STUDY_ID and
SESSION_ID in it, and the log outlives any retention period), no client address (the privacy
notice says it is not stored), no referrer (it repeats the previous page's query string) and no
user agent. gunicorn's default format has all four.
"""

from __future__ import annotations

# %(U)s is the path without the query string; %(L)s the request time in seconds.
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)s'
