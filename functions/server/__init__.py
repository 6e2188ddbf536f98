"""Self-hosting: the production WSGI server (``serving.py``), its request log (``access.py``) and the
schedules that EventBridge runs on AWS, run here in-process by one worker at a time (``schedule.py``)."""
