"""PostgreSQL full-text search: names as tsvector (GIN), words for spelling fixes (pg_trgm)

Only on PostgreSQL; other databases use the Whoosh index on disk. See directory/search/pg_index.py.

Revision ID: c3f1a9d27b54
Revises: adfa74c9c1de
Create Date: 2026-11-29 10:00:00

"""

from alembic import op

revision = "c3f1a9d27b54"
down_revision = "adfa74c9c1de"
branch_labels = None
depends_on = None

PG_ONLY_TABLES = (
    "search_name",
    "search_word",
)  # outside the models: tests/test_db.py leaves them out


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("""CREATE TABLE search_name (
        provider_id integer PRIMARY KEY REFERENCES provider (id) ON DELETE CASCADE,
        document tsvector NOT NULL)""")
    op.execute("CREATE INDEX ix_search_name_document ON search_name USING gin (document)")
    op.execute("CREATE TABLE search_word (word text PRIMARY KEY, uses integer NOT NULL)")
    op.execute("CREATE INDEX ix_search_word_trigram ON search_word USING gin (word gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE IF EXISTS search_word")
    op.execute("DROP TABLE IF EXISTS search_name")
