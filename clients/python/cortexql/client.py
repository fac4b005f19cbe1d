"""The HTTP client and the error type: GraphQL over POST, errors as exceptions carrying the code."""

from __future__ import annotations

import os
from typing import Any, Mapping, Optional

import requests

DEFAULT_URL = "http://127.0.0.1:4000/graphql"


class CortexQLError(RuntimeError):
    """A GraphQL error answer. ``code`` is the first error's ``extensions.code`` (``NOT_FOUND``,
    ``BAD_USER_INPUT``, ``COST_LIMIT``, …; the table is in the server's README), ``codes`` those of
    every error, ``extensions`` the first error's machine-readable details (``didYouMean``, …)."""

    def __init__(self, errors: list[dict[str, Any]], status: Optional[int] = None):
        self.errors = errors
        self.status = status
        self.codes: list[Optional[str]] = [(e.get("extensions") or {}).get("code") for e in errors]
        self.code: Optional[str] = self.codes[0] if self.codes else None
        self.extensions: dict[str, Any] = dict(errors[0].get("extensions") or {}) if errors else {}
        super().__init__("; ".join(f"[{c}] {e.get('message')}" for c, e in zip(self.codes, errors)))


class Client:
    """A cortexql server: ``url`` is its GraphQL endpoint (``$CORTEXQL_URL``, default
    http://127.0.0.1:4000/graphql), ``api_key`` is sent as ``Authorization: Bearer <key>``
    (``$CORTEXQL_API_KEY``). POSTs JSON, the content type Apollo's CSRF prevention requires."""

    def __init__(self, url: Optional[str] = None, api_key: Optional[str] = None, timeout: float = 120.0):
        self.url = url or os.environ.get("CORTEXQL_URL", DEFAULT_URL)
        self.api_key = api_key or os.environ.get("CORTEXQL_API_KEY")
        self.timeout = timeout
        self.session = requests.Session()

    def query(self, query: str, variables: Optional[Mapping[str, Any]] = None) -> dict[str, Any]:
        """Runs one operation and returns its ``data``; any error raises CortexQLError."""
        headers = {"content-type": "application/json"}
        if self.api_key:
            headers["authorization"] = f"Bearer {self.api_key}"
        res = self.session.post(self.url, json={"query": query, "variables": dict(variables or {})}, headers=headers, timeout=self.timeout)
        try:
            body = res.json()
        except ValueError:
            res.raise_for_status()
            raise
        if body.get("errors"):
            raise CortexQLError(body["errors"], res.status_code)
        res.raise_for_status()
        return body["data"]


_default: Optional[Client] = None


def default_client(client: Optional[Client] = None) -> Client:
    """``client``, or one shared Client built from the environment."""
    global _default
    if client is not None:
        return client
    if _default is None:
        _default = Client()
    return _default
