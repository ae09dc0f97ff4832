import json

from sqlalchemy import func, select

from app.accounts.models import User


def count_users(db):
    return db.session.scalar(select(func.count(User.id)))


def test_users_create(runner, db):
    result = runner.invoke(args=["users", "create", "--email", "Ann@Example.kz", "--password", "Strong-pass-1",
                                 "--role", "researcher", "--organisation", "Nazarbayev University",
                                 "--name", "Ann"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "ann@example.kz"))
    assert user.roles == ["researcher"] and user.organisation.name_ru == "Nazarbayev University"


def test_users_create_several_roles(runner, db):
    result = runner.invoke(args=["users", "create", "--email", "a@b.kz", "--password", "Strong-pass-1",
                                 "--role", "expert", "--role", "council"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.email == "a@b.kz")).roles == ["expert", "council"]


def test_users_create_duplicate(runner, db):
    args = ["users", "create", "--email", "dup@b.kz", "--password", "Strong-pass-1", "--role", "researcher"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert count_users(db) == 1


def test_users_create_weak_password(runner, db):
    result = runner.invoke(args=["users", "create", "--email", "w@b.kz", "--password", "short", "--role", "researcher"])
    assert result.exit_code != 0 and "password" in result.output
    assert count_users(db) == 0


def test_users_create_unknown_role_and_region(runner, db):
    result = runner.invoke(args=["users", "create", "--email", "r@b.kz", "--password", "Strong-pass-1",
                                 "--role", "wizard"])
    assert result.exit_code != 0 and "wizard" in result.output
    result = runner.invoke(args=["users", "create", "--email", "r@b.kz", "--password", "Strong-pass-1",
                                 "--role", "akimat", "--region", "atlantis"])
    assert result.exit_code != 0 and "atlantis" in result.output
    result = runner.invoke(args=["users", "create", "--email", "r@b.kz", "--password", "Strong-pass-1",
                                 "--role", "akimat"])
    assert result.exit_code != 0 and "region" in result.output
    assert count_users(db) == 0


def test_users_create_akimat_with_region(runner, db):
    result = runner.invoke(args=["users", "create", "--email", "ak@b.kz", "--password", "Strong-pass-1",
                                 "--role", "akimat", "--region", "abai"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.region_code).where(User.email == "ak@b.kz")) == "abai"


def _write(tmp_path, rows):
    path = tmp_path / "users.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows), encoding="utf-8")
    return str(path)


def test_users_import_all(runner, db, tmp_path):
    path = _write(tmp_path, [
        {"email": "i1@b.kz", "password": "Strong-pass-1", "role": "expert", "name": "Expert One"},
        {"email": "i2@b.kz", "password": "Strong-pass-1", "role": "akimat", "region": "almaty_city"},
    ])
    result = runner.invoke(args=["users", "import", "--file", path])
    assert result.exit_code == 0, result.output
    assert count_users(db) == 2


def test_users_import_is_all_or_nothing(runner, db, tmp_path):
    path = _write(tmp_path, [
        {"email": "j1@b.kz", "password": "Strong-pass-1", "role": "expert"},
        {"email": "j2@b.kz", "password": "weak", "role": "expert"},
    ])
    result = runner.invoke(args=["users", "import", "--file", path])
    assert result.exit_code != 0
    assert "Line 2" in result.output or ":2" in result.output
    assert count_users(db) == 0


def test_users_import_duplicate_within_file(runner, db, tmp_path):
    path = _write(tmp_path, [
        {"email": "k@b.kz", "password": "Strong-pass-1", "role": "expert"},
        {"email": "K@b.kz", "password": "Strong-pass-1", "role": "expert"},
    ])
    result = runner.invoke(args=["users", "import", "--file", path])
    assert result.exit_code != 0 and "2" in result.output
    assert count_users(db) == 0


def test_users_import_malformed_line(runner, db, tmp_path):
    path = _write(tmp_path, [{"email": "m@b.kz", "password": "Strong-pass-1", "role": "expert"}, "{oops"])
    result = runner.invoke(args=["users", "import", "--file", path])
    assert result.exit_code == 2 and ":2" in result.output
    assert count_users(db) == 0
