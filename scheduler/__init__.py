"""The dispatcher: APScheduler 3.x wakes it; it finds what is due in the database and sends it."""
