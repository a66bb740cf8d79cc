"""Settings for the test suite: the real settings with fast hashing, synchronous jobs,
plain static files and a data directory of its own."""

import os
from pathlib import Path

os.environ.setdefault("FRONTDESK_TESTING", "1")
os.environ.setdefault("FRONTDESK_JOBS_SYNC", "1")
# plain http for the test client and the browser tests, even where SECRET_KEY is set
os.environ.setdefault("FRONTDESK_SECURE", "0")
os.environ.setdefault(
    "STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage"
)
os.environ.setdefault("API_RATE_LIMIT", "100000/m")
os.environ.setdefault("PUBLIC_RATE_LIMIT", "100000/m")
os.environ.setdefault("INQUIRY_RATE_LIMIT", "100000/m")
os.environ.setdefault("INQUIRY_GLOBAL_RATE_LIMIT", "100000/m")
os.environ.setdefault("UNSUBSCRIBE_RATE_LIMIT", "100000/m")
# notification streams answer their first events and end (tests that want a live stream
# override it); links in messages point at the test client's host
os.environ.setdefault("NOTIFICATION_STREAM_SECONDS", "0")
os.environ.setdefault("PUBLIC_BASE_URL", "http://testserver")
os.environ.setdefault(
    "FRONTDESK_DATA_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test")
)

from frontdesk.settings import *  # noqa: E402,F403
