"""Settings of the integrity rules, read by braintrial.settings (docs/security.md explains them).

* Logins: a login resets only its own username's failures; a lockout lasts
  LOGIN_COOLOFF_MINUTES, doubled for each further one of the username or address within
  LOGIN_BACKOFF_WINDOW_HOURS, at most LOGIN_COOLOFF_MAX_HOURS (braintrial.logins).
* Client networks: start limits and repeat flags key on the address for IPv4 and the /64 for
  IPv6 (braintrial.net); the exempt networks skip the start limit, not the repeat flag.
* Error pages: a failed CSRF check gets a page that reads nothing of the request.
"""

from __future__ import annotations

import os


def _env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    return [part.strip() for part in value.split(",") if part.strip()] if value else default


LOGIN_COOLOFF_MINUTES = float(os.environ.get("LOGIN_COOLOFF_MINUTES", 15))
LOGIN_COOLOFF_MAX_HOURS = float(os.environ.get("LOGIN_COOLOFF_MAX_HOURS", 24))
LOGIN_BACKOFF_WINDOW_HOURS = float(os.environ.get("LOGIN_BACKOFF_WINDOW_HOURS", 24))
AXES_COOLOFF_TIME = "braintrial.logins.login_cool_off"
AXES_HANDLER = "braintrial.logins.LoginAttemptHandler"
AXES_USE_ATTEMPT_EXPIRATION = True  # each lockout keeps the end it was given
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # the back-off counts these
# Guesses during a lockout are refused unchecked: neither counted nor extending it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False

ADDRESS_NETWORK_PREFIX_IPV4 = int(os.environ.get("ADDRESS_NETWORK_PREFIX_IPV4", 32))
ADDRESS_NETWORK_PREFIX_IPV6 = int(os.environ.get("ADDRESS_NETWORK_PREFIX_IPV6", 64))
# No per-address limit on participant starts from here (pilots and load tests on this machine).
START_LIMIT_EXEMPT_NETWORKS = _env_list("START_LIMIT_EXEMPT_NETWORKS", ["127.0.0.0/8", "::1/128"])

CSRF_FAILURE_VIEW = "braintrial.errors.csrf_failure"
