"""The throwaway PostgreSQL from tests/postgres_support.py starts, answers SQLAlchemy, and accepts DDL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa


@pytest.fixture
def engine(postgres_url):
    engine = sa.create_engine(postgres_url)
    yield engine
    engine.dispose()


def test_url_uses_the_psycopg_driver(postgres_url):
    url = sa.make_url(postgres_url)
    assert url.drivername == "postgresql+psycopg"
    assert url.database


def test_select_one(engine):
    with engine.connect() as conn:
        assert conn.execute(sa.text("select 1")).scalar_one() == 1
        assert conn.execute(sa.text("show server_encoding")).scalar_one() == "UTF8"


def test_create_and_drop_table(engine):
    metadata = sa.MetaData()
    table = sa.Table("igviz_smoke", metadata,
                     sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("name", sa.Text, nullable=False))
    metadata.create_all(engine)
    try:
        with engine.begin() as conn:
            conn.execute(table.insert(), [{"name": "ä"}, {"name": "b"}])
        with engine.connect() as conn:
            assert conn.execute(sa.select(table.c.name).order_by(table.c.id)).scalars().all() == ["ä", "b"]
    finally:
        metadata.drop_all(engine)
    assert not sa.inspect(engine).has_table("igviz_smoke")
