"""The production server: gunicorn settings (``gunicorn_conf``) and its worker class (``worker``)."""
