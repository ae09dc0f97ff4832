"""E-mail goes through Flask-Mailman: captured in memory in tests, filed in the outbox folder by default."""
from app import create_app
from app.accounts.services import NewUser, create_user, is_valid_email, validate_new_user
from app.config import TestingConfig
from app.core.db import db as _db


def test_reset_mail_is_sent_and_kept_in_app(client, make_user, mail_outbox, db):
    from app.notifications.models import Notification
    user = make_user()
    client.post("/account/reset", data={"email": user.email})
    assert len(mail_outbox) == 1
    message = mail_outbox[0]
    assert message.to == [user.email]
    assert message.from_email == "noreply@nauka.kz"
    assert "/account/reset/" in message.body
    notice = db.session.query(Notification).one()
    assert notice.subject == message.subject and notice.emailed_at is not None


def test_embedded_default_files_mail_in_the_outbox_folder(tmp_path):
    class FileMail(TestingConfig):
        def __init__(self):
            super().__init__()
            self.TESTING = False  # as in development
            self.MAIL_BACKEND = None
            self.MAIL_SERVER = None
            self.OUTBOX_PATH = tmp_path / "outbox"

    app = create_app(FileMail)
    assert app.config["MAIL_BACKEND"] == "file"
    with app.app_context():
        _db.create_all()
        user = create_user(NewUser(email="mail@example.kz", password="Secret-pass-123", roles=["researcher"]))
        from app.notifications.tasks import deliver
        deliver("generic", {"user_id": user.id, "subject": "Тема", "body": "Текст письма"})
        _db.session.remove()
        _db.drop_all()
    files = list((tmp_path / "outbox").iterdir())
    assert len(files) == 1
    content = files[0].read_bytes()
    assert b"To: mail@example.kz" in content


def test_smtp_backend_when_a_server_is_configured():
    app = create_app({"MAIL_BACKEND": None, "MAIL_SERVER": "smtp.example.kz", "TESTING": True})
    assert app.config["MAIL_BACKEND"] == "smtp"
    assert app.extensions["mailman"].use_tls is True


def test_addresses_checked_by_email_validator(app):
    assert is_valid_email("user@example.kz")
    for bad in ("a..b@example.kz", "user@localhost", "user@", "@example.kz", "user example@x.kz", ""):
        assert not is_valid_email(bad), bad
    errors = validate_new_user(NewUser(email="a..b@example.kz", password="Secret-pass-123", roles=["researcher"]))
    assert "email" in errors
