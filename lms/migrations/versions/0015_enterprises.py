"""enterprises: one record per company, out of the free-text organisations on profiles

Revision ID: 0015_enterprises
Revises: 0014_task_marks
Create Date: 2026-12-01 15:30:00

Each user's organisation text becomes an enterprise: spellings that are equal but for case and
accents are one enterprise (its most frequent spelling is the name, the others are kept as other
spellings). Names that are only perhaps the same (another script, another legal form) stay separate
enterprises, unreviewed, so that the coordinator's "Possible duplicates" page asks about them. The
old sector becomes a NACE section, the old size a size class; where profiles disagreed the notes say
what each profile said, so nothing is lost. "Not yet a company" becomes the founder flag.
"""
from collections import Counter, defaultdict

from alembic import op
import sqlalchemy as sa
import lms.db
from lms.enterprises.names import latin, name_key, search_text


revision = '0015_enterprises'
down_revision = '0014_task_marks'
branch_labels = None
depends_on = None

SECTOR_TO_NACE = {
    "agriculture": "A",
    "manufacturing": "C",
    "construction": "F",
    "trade": "G",
    "tourism": "I",
    "ict": "J",
    "services": "M",
    "creative": "R",
    "health": "Q",
    "other": "S",
}
NACE_TO_SECTOR = {section: sector for sector, section in SECTOR_TO_NACE.items()}
SIZES = ("micro", "small", "medium", "large")


def upgrade():
    op.create_table('enterprises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_latin', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=True),
    sa.Column('nace_section', sa.String(length=1), nullable=True),
    sa.Column('nace_division', sa.String(length=2), nullable=True),
    sa.Column('headcount', sa.Integer(), nullable=True),
    sa.Column('turnover_eur', sa.BigInteger(), nullable=True),
    sa.Column('balance_sheet_eur', sa.BigInteger(), nullable=True),
    sa.Column('size_class', sa.String(length=8), nullable=True),
    sa.Column('founded_year', sa.Integer(), nullable=True),
    sa.Column('other_names', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('search_keys', sa.Text(), nullable=False),
    sa.Column('reviewed', sa.Boolean(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprises')),
    sa.UniqueConstraint('country', 'number', name='uq_enterprises_country_number')
    )
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprises_size_class'), ['size_class'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enterprise_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('founder', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_users_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_enterprise_id_enterprises'), 'enterprises', ['enterprise_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('indicators', sa.JSON(), nullable=True))

    _profiles_to_enterprises(op.get_bind())

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('founder', server_default=None)
        batch_op.drop_column('organisation')
        batch_op.drop_column('sector')
        batch_op.drop_column('org_size')


def _most_common(values):
    counts = Counter(v for v in values if v)
    return counts.most_common(1)[0][0] if counts else None


def _profiles_to_enterprises(connection):
    users = connection.execute(
        sa.text("SELECT id, organisation, sector, org_size, country, created_at FROM users ORDER BY id")
    ).mappings().all()
    groups = defaultdict(list)
    for user in users:
        text = (user["organisation"] or "").strip()
        if text and name_key(text):
            groups[name_key(text)].append(user)
    enterprises = sa.Table(
        'enterprises',
        sa.MetaData(),
        sa.Column('id', sa.Integer(), primary_key=True),
        *(sa.Column(name) for name in (
            'name', 'name_latin', 'country', 'region', 'nace_section', 'size_class', 'other_names',
            'notes', 'search_keys', 'reviewed', 'created_at')),
    )
    for members in groups.values():
        spellings = Counter(" ".join(m["organisation"].split()) for m in members)
        name = max(spellings, key=lambda s: (spellings[s], -min(m["id"] for m in members if " ".join(m["organisation"].split()) == s)))
        others = [s for s in spellings if s != name]
        sectors = Counter(m["sector"] for m in members if m["sector"])
        sizes = Counter(m["org_size"] for m in members if m["org_size"] in SIZES)
        countries = Counter(m["country"] for m in members if m["country"])
        notes = [f"Created from the organisation on {len(members)} profile(s) when enterprises were introduced."]
        if len(sectors) > 1:
            notes.append("Sectors given: " + ", ".join(f"{k} ({v})" for k, v in sectors.most_common()))
        if len(sizes) > 1:
            notes.append("Sizes given: " + ", ".join(f"{k} ({v})" for k, v in sizes.most_common()))
        if len(countries) > 1:
            notes.append("Countries given: " + ", ".join(f"{k} ({v})" for k, v in countries.most_common()))
        if any(m["org_size"] == "none" for m in members):
            notes.append("Some profiles said: not yet a company.")
        result = connection.execute(
            enterprises.insert().values(
                name=name[:200],
                name_latin=latin(name)[:200],
                country=_most_common(m["country"] for m in members),
                region="",
                nace_section=SECTOR_TO_NACE.get(_most_common(m["sector"] for m in members)),
                size_class=_most_common(m["org_size"] for m in members if m["org_size"] in SIZES),
                other_names="\n".join(others),
                notes="\n".join(notes),
                search_keys=search_text(name, latin(name), *others),
                reviewed=False,
                created_at=min(m["created_at"] for m in members),
            )
        )
        enterprise_id = result.inserted_primary_key[0]
        connection.execute(
            sa.text("UPDATE users SET enterprise_id = :enterprise WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"enterprise": enterprise_id, "ids": [m["id"] for m in members]},
        )
    connection.execute(
        sa.text("UPDATE users SET founder = :yes WHERE org_size = 'none' AND enterprise_id IS NULL"),
        {"yes": True},
    )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('org_size', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('sector', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('organisation', sa.String(length=200), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT u.id, u.founder, e.name, e.nace_section, e.size_class FROM users u "
            "LEFT JOIN enterprises e ON e.id = u.enterprise_id"
        )
    ).mappings().all()
    for row in rows:
        connection.execute(
            sa.text("UPDATE users SET organisation = :o, sector = :s, org_size = :z WHERE id = :id"),
            {
                "o": row["name"],
                "s": NACE_TO_SECTOR.get(row["nace_section"]) if row["name"] else None,
                "z": "none" if row["founder"] else row["size_class"],
                "id": row["id"],
            },
        )
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_column('indicators')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_enterprise_id_enterprises'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_enterprise_id'))
        batch_op.drop_column('founder')
        batch_op.drop_column('enterprise_id')
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprises_size_class'))
    op.drop_table('enterprises')
