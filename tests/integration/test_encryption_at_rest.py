"""With a cipher key, events are stored as AES-GCM ciphertext; a wrong key cannot read them."""

import pytest
import sqlalchemy as sa
from eventsourcing.cryptography import AESCipher

from adapters.persistence.integrity import verify
from domain.commands.learning_item import IdentifyNeed

TITLE = "Escalation-between-agencies-9f3c"


def _stored_bytes(ll) -> list[bytes]:
    table = "learnloop_events" if ll.store.kind == "postgresql" else "stored_events"
    with ll.store.engine.connect() as conn:
        return [bytes(row[0]) for row in conn.execute(sa.text(f"SELECT state FROM {table}"))]


def _identify(ll, actor):
    return ll.learning.identify(
        actor,
        IdentifyNeed(
            subgroup="serious-case-review",
            title=TITLE,
            description="",
            source_kind="local_serious_case_review",
        ),
    )


def test_events_are_ciphertext_at_rest_and_read_back_with_the_key(open_learnloop, make_actors):
    key = AESCipher.create_key(32)
    ll = open_learnloop(cipher_key=key)
    item = _identify(ll, make_actors(ll).business_manager)

    stored = _stored_bytes(ll)
    assert stored and all(TITLE.encode() not in state for state in stored)
    assert ll.log.repository.get(item).title == TITLE
    again = open_learnloop(cipher_key=key)
    assert again.log.repository.get(item).title == TITLE
    assert verify(ll.log.recorder).intact  # the chain covers the bytes as stored: ciphertext


def test_plain_storage_holds_readable_bytes(open_learnloop, make_actors):
    ll = open_learnloop()
    _identify(ll, make_actors(ll).business_manager)
    assert any(TITLE.encode() in state for state in _stored_bytes(ll))


def test_the_wrong_key_cannot_read_the_events(open_learnloop, make_actors):
    ll = open_learnloop(cipher_key=AESCipher.create_key(32))
    item = _identify(ll, make_actors(ll).business_manager)
    with pytest.raises(Exception, match=r"(?i)tag|decrypt|invalid"):
        # Opening reads the log (records made before references get theirs), so a store opened
        # with the wrong key refuses to start rather than serving what it cannot read.
        other = open_learnloop(cipher_key=AESCipher.create_key(32))
        other.log.repository.get(item)
