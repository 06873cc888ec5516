"""Outbound URLs: the workers fetch only from configured hosts (``WORKBENCH_OUTBOUND_HOSTS``).

The recorded fake web (``tests/fake_web.py``) is allowed the way an operator allows a host — through that
setting — so the allow-list is on in every test, including these.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.go_annotations.models import AnnotationSet
from services.go_annotations.quickgo import fetch_quickgo
from services.jobs import service
from services.proteins.models import Protein
from services.proteins.uniprot_fetch import fetch_uniprot
from services.web_fetch import OutboundUrlRefused, check_outbound_url, get
from tests.conftest import wait_for
from tests.fake_web import FakeWeb

CURATOR = Identity("cora", Role.CURATOR)
TSV = "Entry\tEntry Name\tSequence\nP0DTC2\tSPIKE\tMFVFLVLLPLVSSQ\n"


@pytest.fixture
def web():
    fake = FakeWeb()
    yield fake
    fake.close()


def _proteins() -> int:
    with session_scope() as s:
        return s.scalar(select(func.count()).select_from(Protein)) or 0


def test_the_default_allows_uniprot_and_ebi_only(monkeypatch) -> None:
    monkeypatch.delenv("WORKBENCH_OUTBOUND_HOSTS", raising=False)
    for url in ("https://rest.uniprot.org/uniprotkb/search", "https://www.ebi.ac.uk/QuickGO/services/x"):
        assert check_outbound_url(url) == url
    refused = [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:5432/",
        "http://localhost/",
        "file:///etc/shadow",
        "ftp://rest.uniprot.org/x",
        "https://rest.uniprot.org.evil.example/x",
        "https://rest.uniprot.org@evil.example/x",
        "https://rest.uniprot.org:8443/x",
        "gopher://www.ebi.ac.uk/",
        "//www.ebi.ac.uk/x",
        "https://[::1]/",
        "not a url",
    ]
    for url in refused:
        with pytest.raises(OutboundUrlRefused):
            check_outbound_url(url)


def test_a_refusal_names_the_host_and_the_setting(monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_OUTBOUND_HOSTS", "rest.uniprot.org")
    with pytest.raises(OutboundUrlRefused) as refused:
        check_outbound_url("http://10.0.0.1:8080/admin")
    assert str(refused.value) == (
        "10.0.0.1:8080 is not an allowed host for fetching (allowed: rest.uniprot.org; "
        "set WORKBENCH_OUTBOUND_HOSTS to change)"
    )


def test_a_service_given_an_unlisted_base_url_fetches_nothing(db_url, web, monkeypatch) -> None:
    monkeypatch.delenv("WORKBENCH_OUTBOUND_HOSTS", raising=False)
    web.route("/uniprotkb/search", (200, {}, TSV))
    with session_scope() as s, pytest.raises(OutboundUrlRefused, match="127.0.0.1"):
        fetch_uniprot(s, "gene:S", CURATOR, base_url=web.base_url)
    with session_scope() as s, pytest.raises(OutboundUrlRefused, match="127.0.0.1"):
        fetch_quickgo(s, CURATOR, ontology=1, version="v", query={"taxonId": "1"}, base_url=web.base_url)
    assert web.requests == []
    assert _proteins() == 0


def test_redirects_and_next_links_are_checked_too(db_url, web, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_OUTBOUND_HOSTS", web.host)
    web.route("/hop", (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, ""))
    with pytest.raises(OutboundUrlRefused, match="169.254.169.254"):
        get(f"{web.base_url}/hop", retries=0)
    web.route(
        "/uniprotkb/search",
        (200, {"Link": '<http://127.0.0.2:1/uniprotkb/search?cursor=x>; rel="next"'}, TSV),
    )
    with session_scope() as s, pytest.raises(OutboundUrlRefused, match="127.0.0.2"):
        fetch_uniprot(s, "gene:S", CURATOR, base_url=web.base_url, sleep=lambda _: None)
    assert _proteins() == 0  # all or nothing: the first page was not kept either


def test_a_job_payloads_base_url_is_refused_in_the_worker(db_url, web, start_worker, monkeypatch) -> None:
    monkeypatch.delenv("WORKBENCH_OUTBOUND_HOSTS", raising=False)
    web.route("/uniprotkb/search", (200, {}, TSV))
    with session_scope() as s:
        job = service.submit(s, "proteins.fetch_uniprot", {"query": "gene:S", "base_url": web.base_url}, CURATOR)
        quick = service.submit(
            s,
            "go_annotations.fetch_quickgo",
            {"ontology": 1, "version": "v", "query": {"taxonId": "1"}, "base_url": "file:///etc/shadow"},
            CURATOR,
        )
    start_worker(env={"WORKBENCH_OUTBOUND_HOSTS": "rest.uniprot.org,www.ebi.ac.uk"})

    def finished(job_id):
        with session_scope() as s:
            j = service.get_job(s, job_id)
        return j if j.is_finished else None

    done = wait_for(lambda: finished(job.id), timeout=60, message="the UniProt job")
    assert (done.status, done.error_code) == ("failed", "outbound_url_refused")
    assert done.error_message.startswith(f"{web.host} is not an allowed host for fetching")
    done = wait_for(lambda: finished(quick.id), timeout=60, message="the QuickGO job")
    assert (done.status, done.error_code) == ("failed", "outbound_url_refused")
    assert "is not an http(s) URL" in done.error_message
    assert web.requests == []
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(AnnotationSet)) == 0
