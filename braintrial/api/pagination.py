"""Limit/offset pages with a ceiling: a client cannot ask for a million rows in one response
(use the CSV exports for whole files)."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination


class CappedLimitOffsetPagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000
