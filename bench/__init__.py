"""`make bench`: Interplay against bare Django, side by side, under gunicorn.

Not part of the application: nothing in ``interplay`` imports this package. ``bench.run``
is the entry point; ``bench.settings`` mounts the bare-Django baseline (``bench.baseline``)
beside Interplay's own URLs so that both are served by the same gunicorn process.
"""
