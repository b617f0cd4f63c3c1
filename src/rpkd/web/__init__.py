"""The web application (DESIGN.md §8): server-rendered pages with HTMX and a JSON API.

An interface like :mod:`rpkd.cli`: every route calls workflows of :mod:`rpkd.workflows` and
renders their results; permission is decided by the route table (:mod:`rpkd.web.access`) and
the workflows. Build the app with :func:`rpkd.web.app.create_app` (``rpkd serve`` does);
needs the ``web`` extra (``pip install 'rpkd[web]'``). See ``docs/web.md``.
"""
