"""End-to-end tests in Chromium (Playwright) with axe-core accessibility checks.

Run them alone with ``pytest helice/tests_browser`` or select them anywhere with
``-m browser``. They need Debian's Chromium at ``/usr/bin/chromium`` (or the path in
``HELICE_CHROMIUM``); without it they are skipped locally and fail in CI.
"""
