"""Read models built by another version of learnloop are rebuilt at start-up, from the log."""

import sqlalchemy as sa

from domain.commands.learning_item import IdentifyNeed
from projections import schema
from projections.views.items import items

SCR = "serious-case-review"


def test_views_of_an_older_schema_are_rebuilt_at_start_up(open_learnloop, make_actors, view_rows):
    ll = open_learnloop()
    bm = make_actors(ll).business_manager
    item = ll.learning.identify(
        bm,
        IdentifyNeed(
            subgroup=SCR, title="t", description="d", source_kind="local_serious_case_review"
        ),
    )
    before = view_rows(ll.store.engine)
    with ll.store.write_engine.begin() as conn:
        conn.execute(sa.update(schema.schema_version).values(version=schema.SCHEMA_VERSION - 1))
        conn.execute(sa.delete(items))
    assert ll.read_models.item(str(item), ll.learning.today()) is None

    again = open_learnloop()

    assert view_rows(again.store.engine) == before
    with again.store.engine.connect() as conn:
        version = conn.execute(sa.select(schema.schema_version.c.version)).scalar_one()
    assert version == schema.SCHEMA_VERSION


def test_views_of_the_current_schema_are_kept(open_learnloop, make_actors):
    ll = open_learnloop()
    bm = make_actors(ll).business_manager
    item = ll.learning.identify(
        bm,
        IdentifyNeed(
            subgroup=SCR, title="t", description="d", source_kind="local_serious_case_review"
        ),
    )
    with ll.store.write_engine.begin() as conn:
        conn.execute(sa.delete(items))

    again = open_learnloop()

    assert again.read_models.item(str(item), again.learning.today()) is None
