"""One vector cache for every text: text_vectors (model name, model version, SHA-256 of the text) replaces
matching's per-owner embeddings table. The old rows are a cache keyed differently (by owner, not by text):
they are dropped and the embedding job (or the next assignment) fills the new table.

Revision ID: 29f262323103
Revises: 71d82dc4669a
Create Date: 2026-12-07 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '29f262323103'
down_revision = '71d82dc4669a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('text_vectors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('model_name', sa.String(length=200), nullable=False),
    sa.Column('model_version', sa.String(length=64), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('dim', sa.Integer(), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_text_vectors')),
    sa.UniqueConstraint('model_name', 'model_version', 'text_sha256', name='uq_text_vectors_model_text')
    )
    with op.batch_alter_table('text_vectors', schema=None) as batch_op:
        batch_op.create_index('ix_text_vectors_created_at', ['created_at'], unique=False)

    with op.batch_alter_table('embeddings', schema=None) as batch_op:
        batch_op.drop_index('ix_embeddings_owner')
    op.drop_table('embeddings')


def downgrade():
    op.create_table('embeddings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_type', sa.String(length=24), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('model_name', sa.String(length=200), nullable=False),
    sa.Column('model_version', sa.String(length=64), nullable=False),
    sa.Column('dim', sa.Integer(), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_embeddings')),
    sa.UniqueConstraint('owner_type', 'owner_id', 'item', 'model_name', name=op.f('uq_embeddings_owner_type'))
    )
    with op.batch_alter_table('embeddings', schema=None) as batch_op:
        batch_op.create_index('ix_embeddings_owner', ['owner_type', 'owner_id'], unique=False)

    with op.batch_alter_table('text_vectors', schema=None) as batch_op:
        batch_op.drop_index('ix_text_vectors_created_at')
    op.drop_table('text_vectors')
