"""An API client over the real ASGI app, with a bootstrap admin and helpers to mint users."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from shipyard import security
from shipyard.api.app import create_app
from shipyard.platform import Platform


@dataclass
class Api:
    client: TestClient
    platform: Platform
    admin_token: str

    def headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def user(self, name: str, project: str | None = None, role: str | None = None) -> str:
        """Create a user (optionally a member of ``project`` with ``role``) and return a token."""
        with self.platform.db.session() as session:
            actor = security.SYSTEM
            principal = security.create_principal(session, actor, name)
            if project and role:
                proj = session.query(security.Project).filter_by(name=project).one()
                security.set_member(session, actor, proj, principal, security.parse_role(role))
            return security.issue_token(session, actor, principal, ttl=timedelta(hours=1)).secret

    def project(self, name: str) -> dict:
        response = self.client.post(
            "/api/v1/projects", json={"name": name}, headers=self.headers(self.admin_token)
        )
        assert response.status_code == 201, response.text
        return response.json()


def make_api(platform: Platform) -> Iterator[Api]:
    with platform.db.session() as session:
        issued = security.bootstrap(session)
    assert issued is not None
    app = create_app(platform, run_scheduler=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client=client, platform=platform, admin_token=issued.secret)


@pytest.fixture
def api(sqlite_platform: Platform) -> Iterator[Api]:
    yield from make_api(sqlite_platform)


@pytest.fixture
def api_both(platform: Platform) -> Iterator[Api]:
    """The same API over SQLite and over PostgreSQL."""
    yield from make_api(platform)
