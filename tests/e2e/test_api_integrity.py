"""The event log's integrity digest over HTTP: any reader may fetch it, and it is the chain's
head as `learnloop verify` recomputes it (ADR 0011)."""

from __future__ import annotations

from adapters.persistence.integrity import Digest, verify

DIGEST = "/api/v1/integrity/digest"


def test_a_reader_gets_the_head_of_the_chain(api, client, as_, inspector, learnloop) -> None:
    empty = client.get(DIGEST, headers=as_(inspector))
    assert empty.status_code == 200
    assert empty.json() == {"position": 0, "head_hash": "00" * 32}

    api.create_item()
    body = client.get(DIGEST, headers=as_(inspector)).json()
    assert body["position"] == learnloop.log.recorder.max_notification_id()
    saved = Digest.parse(f"{body['position']}:{body['head_hash']}")
    assert verify(learnloop.log.recorder, saved).intact


def test_the_digest_needs_a_token(client, as_) -> None:
    assert client.get(DIGEST).status_code == 401
    assert client.get(DIGEST, headers=as_("not-a-token")).status_code == 401
