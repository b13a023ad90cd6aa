"""The ``mestring`` command line: the composition root (see ``main.py``)."""
