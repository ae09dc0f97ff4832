"""Unbound extension singletons. Imports nothing from ``app``: every module may import from here."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
