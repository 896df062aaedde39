"""The one module-level application, for gunicorn (``wsgi:app``) and ``flask --app wsgi``."""

from directory import create_app

app = create_app()
