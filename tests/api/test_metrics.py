"""Prometheus metrics: labelled by route template (bounded cardinality), behind a token."""

from __future__ import annotations


def test_requests_are_counted_by_route_template(api) -> None:
    h = api.headers(api.admin_token)
    api.project("secret-name")
    assert api.client.get("/api/v1/projects/secret-name", headers=h).status_code == 200
    api.client.get("/no/such/route", headers=h)
    text = api.client.get("/metrics", headers=h).text
    assert 'route="/api/v1/projects/{project}",status="200"' in text
    assert 'method="POST",route="/api/v1/projects",status="201"' in text
    assert 'route="unmatched",status="404"' in text
    assert "secret-name" not in text  # raw paths never become labels
    assert "shipyard_http_request_seconds_bucket" in text


def test_metrics_need_a_token(api) -> None:
    assert api.client.get("/metrics").status_code == 401
