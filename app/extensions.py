"""Unbound extension singletons. Imports nothing from ``app``: every module may import from here."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
mail = Mail()  # backend from MAIL_BACKEND: smtp, file (the embedded default's outbox folder) or locmem (tests)
limiter = Limiter(key_func=get_remote_address)  # storage from RATELIMIT_STORAGE_URI: Redis or memory
