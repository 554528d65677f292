"""Mutant no_token_refresh: a 401 is not answered with a new token.

Bug: the cached token is trusted until its announced expiry; when igloohome
answers 401 (token revoked or expired early), the call fails as "needs
reconnect" instead of fetching one new token and repeating the call once.
Breaks L1 (a 401 triggers one new token and one repeat of the call).
"""
import json

import sut


class NoRefresh(sut.Igloohome):
    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": self.bearer(force_new=False), "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        return self._send(method, self.api_url + path, headers, data)


class Engine(sut.Engine):
    api_class = NoRefresh
