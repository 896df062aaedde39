"""gunicorn settings for `make run` and production. Access logs are off: the app writes its own
structured line per request, with the path only, because query strings hold private search terms."""

import gc
import multiprocessing
import os

from gunicorn.glogging import Logger

workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
preload_app = False
accesslog = None


class PrivateLogger(Logger):
    """gunicorn's own access line would hold the query string, so it is never built,
    whatever the other settings say (with a ``logconfig_dict`` gunicorn would otherwise
    build it for every request)."""

    @property
    def access_log_enabled(self) -> bool:
        return False

    def access(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        return None


logger_class = PrivateLogger
errorlog = "-"
loglevel = "info"
# Request lines (with query strings) are never logged, even on errors.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(message)s"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "directory.access": {
            "handlers": ["stderr"],
            "level": os.environ.get("ACCESS_LOG_LEVEL", "INFO"),
            "propagate": False,
        },
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def on_starting(server):  # type: ignore[no-untyped-def]
    """Once, before workers fork: migrate the database and rebuild the index if missing or stale."""
    from directory import create_app
    from directory.search.upkeep import ensure_index

    app = create_app()
    with app.app_context():
        if ensure_index():
            server.log.warning(
                "the search index was missing or out of step with the database: rebuilt it"
            )


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Warm each worker before it accepts requests, so no visitor waits for the catalog to load."""
    from directory.search.service import warm_up

    with worker.wsgi.test_request_context("/"):
        warm_up()
    # What was just loaded (gazetteer, catalog, index readers: about 390,000 objects) lives as long
    # as the worker. Left to the collector, every full collection would walk all of it, a 230 ms
    # stall for whoever is waiting; frozen, a full collection takes well under a millisecond.
    gc.freeze()
